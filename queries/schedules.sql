-- name: ScheduleInsert :one
INSERT INTO schedules (id, user_id, graph_id, graph_version, name, cron, timezone, inputs, misfire_policy,
                       is_active, next_run_at)
VALUES (@id, @user_id, @graph_id, @graph_version, @name, @cron, @timezone, @inputs, @misfire_policy,
        true, @next_run_at)
RETURNING *;

-- name: ScheduleGet :one
-- One of the user's schedules.
SELECT * FROM schedules WHERE id = @id AND user_id = @user_id;

-- name: ScheduleListByGraph :many
-- The user's schedules of one graph (any version), oldest first.
SELECT * FROM schedules WHERE graph_id = @graph_id AND user_id = @user_id
ORDER BY created_at, id;

-- name: ScheduleUpdate :one
-- Replaces what a schedule runs and when; next_run_at is recomputed by the caller.
UPDATE schedules SET name = @name, cron = @cron, timezone = @timezone, inputs = @inputs,
    misfire_policy = @misfire_policy, next_run_at = @next_run_at, updated_at = now(),
    graph_version = @graph_version
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: ScheduleSetActive :one
-- Pauses or resumes; a resumed schedule starts from its next occurrence
-- after now (what it missed while paused never runs).
UPDATE schedules SET is_active = @is_active, next_run_at = @next_run_at, updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: ScheduleDropAhead :one
-- Takes back what a schedule fired ahead of time: its occurrences not yet
-- due and their runs (QUEUED, unclaimable until due; a run already claimed
-- and its occurrence stay), and sets last_run_at to the latest occurrence
-- left. For a pause, an update or a delete, in its transaction, after the
-- schedule's row was locked by an earlier statement (so a firing of it in
-- flight has committed and this statement's snapshot sees its runs).
WITH runs AS (
    DELETE FROM graph_executions e
    WHERE e.schedule_id = @id AND e.status = 'QUEUED' AND e.not_before > now()
    RETURNING e.id
), occs AS (
    DELETE FROM schedule_occurrences o
    WHERE o.schedule_id = @id AND o.occurrence_at > now()
      AND (o.execution_id IS NULL OR o.execution_id IN (SELECT runs.id FROM runs))
    RETURNING o.id
)
UPDATE schedules s SET last_run_at = (
    SELECT max(k.occurrence_at) FROM schedule_occurrences k
    WHERE k.schedule_id = s.id AND k.id NOT IN (SELECT occs.id FROM occs))
WHERE s.id = @id
RETURNING s.last_run_at;

-- name: ScheduleDelete :execrows
DELETE FROM schedules WHERE id = @id AND user_id = @user_id;

-- name: ScheduleClaimDue :many
-- The active schedules due now or within @ahead seconds (fired ahead:
-- their runs wait for the occurrence), oldest due first, locked for this transaction;
-- rows another scheduler holds are skipped, not waited for. Each comes with
-- what firing checks (owner active, balance, whether the graph has paid
-- blocks) and the database's clock, which every scheduler shares.
SELECT s.*, u.is_active AS user_active, u.locale AS user_locale,
       coalesce(c.balance, 0)::bigint AS balance,
       EXISTS (SELECT 1 FROM nodes n JOIN block_costs bc ON bc.block_id = n.block_id
               WHERE n.graph_id = s.graph_id AND n.graph_version = s.graph_version
                 AND bc.cost_amount > 0) AS has_costs,
       now()::timestamptz AS db_now
FROM schedules s
JOIN users u ON u.id = s.user_id
LEFT JOIN user_credits c ON c.user_id = s.user_id
WHERE s.is_active AND s.next_run_at <= now() + make_interval(secs => @ahead::float8)
ORDER BY s.next_run_at
LIMIT @lim
FOR UPDATE OF s SKIP LOCKED;

-- name: ScheduleNextDue :one
-- When the earliest active schedule is due (any: false when none is
-- active), and the database's clock.
SELECT (count(*) > 0)::boolean AS any,
       coalesce(min(next_run_at), now())::timestamptz AS next_due, now()::timestamptz AS db_now
FROM schedules WHERE is_active;

-- name: ScheduleAdvance :exec
-- Moves fired schedules to their next occurrence (last_run_at: the
-- occurrence just fired, NULL when it was skipped). @moves is a JSON array
-- of {id, next_run_at, last_run_at}.
UPDATE schedules s SET next_run_at = v.next_run_at,
    last_run_at = coalesce(v.last_run_at, s.last_run_at), updated_at = now()
FROM jsonb_to_recordset(@moves::jsonb) AS v(id uuid, next_run_at timestamptz, last_run_at timestamptz)
WHERE s.id = v.id;

-- name: ScheduleOccurrenceInsertMany :many
-- Takes the occurrences' unique keys; an occurrence already stored (fired
-- by another transaction) is not returned, and its run must not be stored.
-- @occurrences is a JSON array of {schedule_id, occurrence_at, execution_id, error}.
INSERT INTO schedule_occurrences (schedule_id, occurrence_at, execution_id, error)
SELECT v.schedule_id, v.occurrence_at, v.execution_id, v.error
FROM jsonb_to_recordset(@occurrences::jsonb)
     AS v(schedule_id uuid, occurrence_at timestamptz, execution_id uuid, error text)
ON CONFLICT (schedule_id, occurrence_at) DO NOTHING
RETURNING *;

-- name: ScheduleOccurrenceList :many
-- A schedule's latest occurrences, newest first (those fired ahead and not
-- yet due are not shown).
SELECT o.* FROM schedule_occurrences o JOIN schedules s ON s.id = o.schedule_id
WHERE o.schedule_id = @schedule_id AND s.user_id = @user_id AND o.occurrence_at <= now()
ORDER BY o.occurrence_at DESC
LIMIT @lim;

-- name: ScheduleRunsMany :many
-- The runs the latest @lim occurrences of each of these schedules started
-- (occurrences that failed started none), the user's schedules only:
-- Schedule.executions for a whole list in one statement.
SELECT o.schedule_id, sqlc.embed(e)
FROM schedules s
CROSS JOIN LATERAL (
    SELECT so.schedule_id, so.execution_id, so.occurrence_at FROM schedule_occurrences so
    WHERE so.schedule_id = s.id
      AND so.occurrence_at <= now() -- fired ahead, not yet due: not shown
    ORDER BY so.occurrence_at DESC
    LIMIT @lim
) o
JOIN graph_executions e ON e.id = o.execution_id
WHERE s.id = ANY(@schedule_ids::uuid[]) AND s.user_id = @user_id
ORDER BY o.schedule_id, o.occurrence_at DESC;
