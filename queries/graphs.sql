-- name: GraphInsert :one
INSERT INTO graphs (id, version, user_id, name, description, is_active, is_template,
                    forked_from_id, forked_from_version)
VALUES (@id, @version, @user_id, @name, sqlc.narg('description'), @is_active, @is_template,
        sqlc.narg('forked_from_id'), sqlc.narg('forked_from_version'))
RETURNING *;

-- name: GraphGetActive :one
SELECT * FROM graphs WHERE id = @id AND is_active;

-- name: GraphGetVersion :one
SELECT * FROM graphs WHERE id = @id AND version = @version;

-- name: GraphLockVersions :many
-- Serialises concurrent updates of one graph (new version numbers, active flag).
SELECT version, is_active FROM graphs WHERE id = @id AND user_id = @user_id
ORDER BY version FOR UPDATE;

-- name: GraphLastVersion :one
-- Read after GraphLockVersions, in a statement of its own: a version that a
-- concurrent update committed while this one waited for the lock is visible
-- only to a statement started after the wait.
SELECT max(version)::int4 AS version FROM graphs WHERE id = @id;

-- name: GraphDeactivateAll :exec
UPDATE graphs SET is_active = false, updated_at = now() WHERE id = @id AND is_active;

-- name: GraphActivate :one
UPDATE graphs SET is_active = true, updated_at = now() WHERE id = @id AND version = @version
RETURNING *;

-- name: GraphDelete :execrows
DELETE FROM graphs WHERE id = @id AND user_id = @user_id;

-- name: GraphLockSchedules :exec
-- Locks the graph's schedules before the graph itself, in the order the
-- scheduler takes them (a schedule, then the graph's key for its run):
-- deleteGraph, holding the graph and deleting its schedules (the cascade),
-- deadlocked with a scheduler firing one of them.
SELECT 1 FROM schedules WHERE graph_id = @id AND user_id = @user_id ORDER BY id FOR UPDATE;

-- name: GraphLockForDelete :execrows
-- Locks every version of the user's graph against new runs: storing a run
-- takes a KEY SHARE lock on its graph row (the foreign key), which waits
-- for this lock, and this waits for runs being stored to commit.
SELECT 1 FROM graphs WHERE id = @id AND user_id = @user_id FOR UPDATE;

-- name: GraphDropRunsAhead :execrows
-- Takes back the runs a schedule of the graph fired ahead of their
-- occurrence (QUEUED, unclaimable until due: they hold no credits). One a
-- worker claims meanwhile is RUNNING when this statement gets its row, and
-- stays (and is counted by GraphUnendedRuns).
DELETE FROM graph_executions WHERE graph_id = @id AND status = 'QUEUED' AND not_before > now();

-- name: GraphUnendedRuns :one
-- How many runs of the graph (anyone's: a child run of a template too) have
-- not ended.
SELECT count(*) FROM graph_executions WHERE graph_id = @id AND status IN ('QUEUED', 'RUNNING');

-- name: GraphListByUser :many
-- The user's graphs, newest first: active versions (one row per graph) by
-- default, or the inactive versions when is_active is false.
SELECT * FROM graphs
WHERE user_id = @user_id AND is_active = coalesce(sqlc.narg('is_active')::boolean, true)
  AND (sqlc.narg('name_like')::text IS NULL OR name ILIKE '%' || sqlc.narg('name_like')::text || '%')
  AND (sqlc.narg('is_template')::boolean IS NULL OR is_template = sqlc.narg('is_template')::boolean)
  AND (sqlc.narg('before_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('before_created')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: GraphListTemplates :many
SELECT * FROM graphs
WHERE is_template AND is_active
  AND (sqlc.narg('name_like')::text IS NULL OR name ILIKE '%' || sqlc.narg('name_like')::text || '%')
  AND (sqlc.narg('before_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('before_created')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: GraphVersionsByIDs :many
-- All versions of many graphs at once (the versions dataloader).
SELECT * FROM graphs WHERE id = ANY(@ids::uuid[]) ORDER BY id, version DESC;

-- name: GraphGetVersionsMany :many
-- Specific (id, version) pairs at once.
SELECT g.* FROM graphs g
JOIN (SELECT unnest(@ids::uuid[]) AS id, unnest(@versions::int[]) AS version) k ON g.id = k.id AND g.version = k.version;
