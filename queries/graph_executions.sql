-- name: GraphExecutionInsert :one
-- A new run, QUEUED, with its first event (seq 1) already counted. A child
-- run (of an AGENT block) says so in its trigger.
INSERT INTO graph_executions (id, graph_id, graph_version, user_id, status, inputs, user_context,
                              parent_node_execution_id, last_seq, stats, max_cost, trigger_kind, trace_context,
                              log_level)
VALUES (@id, @graph_id, @graph_version, @user_id, 'QUEUED', @inputs, @user_context,
        sqlc.narg('parent_node_execution_id'), 1, @stats, sqlc.narg('max_cost'),
        CASE WHEN sqlc.narg('parent_node_execution_id')::uuid IS NULL THEN 'MANUAL' ELSE 'AGENT' END::trigger_kind,
        sqlc.narg('trace_context'), @log_level)
RETURNING *;

-- name: GraphExecutionInsertClaimed :many
-- New top-level runs claimed by the worker that stores them, in one
-- autocommitted statement: QUEUED (seq 1) and RUNNING (seq 2) are both
-- counted, as an insert followed by GraphExecutionClaimByID would leave
-- them. @rows is a JSON array of {id, graph_id, graph_version, user_id,
-- inputs, user_context, max_cost, trace_context, log_level}.
INSERT INTO graph_executions (id, graph_id, graph_version, user_id, status, inputs, user_context,
                              last_seq, stats, started_at, lease_owner, lease_expires_at, max_cost, trace_context,
                              log_level)
SELECT r.id, r.graph_id, r.graph_version, r.user_id, 'RUNNING', r.inputs, r.user_context,
       2, @stats, now(), @owner::text, now() + make_interval(secs => @lease_seconds::float8), r.max_cost,
       r.trace_context, r.log_level
FROM jsonb_to_recordset(@rows::jsonb)
     AS r(id uuid, graph_id uuid, graph_version int, user_id uuid, inputs jsonb, user_context jsonb, max_cost bigint,
          trace_context text, log_level log_level)
RETURNING *;

-- name: SubmitTargets :many
-- What concurrent submits check, in one round trip: for the i-th (user,
-- graph, version) of the three arrays (version 0: the active one), whether
-- the user is active, their defaults (time zone, locale, preferences), and
-- the graph version to run, as the row with ord i. graph_id is NULL when
-- there is no such version, and a missing user has no row.
SELECT uu.ord::bigint AS ord, u.is_active, u.timezone, u.locale, u.preferences,
       g.id AS graph_id, g.version AS graph_version, g.user_id AS graph_user_id
FROM unnest(@user_ids::uuid[]) WITH ORDINALITY AS uu(user_id, ord)
JOIN unnest(@graph_ids::uuid[]) WITH ORDINALITY AS gg(graph_id, ord) ON gg.ord = uu.ord
JOIN unnest(@versions::int[]) WITH ORDINALITY AS vv(version, ord) ON vv.ord = uu.ord
JOIN users u ON u.id = uu.user_id
LEFT JOIN graphs g ON g.id = gg.graph_id
     AND (g.version = vv.version OR (vv.version = 0 AND g.is_active));

-- name: GraphExecutionGet :one
SELECT * FROM graph_executions WHERE id = @id;

-- name: GraphExecutionSnapshot :many
-- A run and its node executions in one statement (db.Store.ExecutionSnapshot):
-- a statement reads one snapshot of the database, so the node executions agree
-- with the run's last_seq without a repeatable-read transaction and its BEGIN
-- and COMMIT round trips. Every row has the run's columns: the first row is
-- the run; each next one is a node execution, in creation order, its node_id
-- in graph_id, its graph_execution_id in user_id, and the run's other columns
-- at placeholder values. (A column added to graph_executions makes the union
-- unequal, and sqlc refuses it: the placeholders must follow.)
SELECT s.* FROM (
    SELECT e.* FROM graph_executions e WHERE e.id = @id
    UNION ALL
    SELECT n.id, n.node_id, 0, n.graph_execution_id, n.status, n.inputs, n.outputs, n.created_at, n.started_at,
           n.ended_at, n.created_at, n.error_message, n.stats, '{}', false, NULL, NULL, NULL, NULL, 0, NULL, 0,
           'MANUAL', NULL, NULL, NULL, NULL, NULL, NULL, 'INFO'
    FROM node_executions n WHERE n.graph_execution_id = @id
) s
ORDER BY s.id = @id DESC, s.created_at, s.id;

-- name: GraphExecutionGetMany :many
SELECT * FROM graph_executions WHERE id = ANY(@ids::uuid[]);

-- name: GraphExecutionGetByShareToken :one
SELECT * FROM graph_executions WHERE share_token = @share_token AND is_shared;

-- name: GraphExecutionGetByParent :one
-- The child run an AGENT node execution started (at most one per node execution).
SELECT * FROM graph_executions WHERE parent_node_execution_id = @parent_id
ORDER BY created_at LIMIT 1;

-- name: GraphExecutionDescendantCharges :many
-- What each run below a run (its child runs, theirs, ...) holds charged,
-- the sum of its node executions' costs: a run taken over after a crash
-- counts its children's spend against the budget it shares with them.
WITH RECURSIVE tree(id) AS (
    SELECT ge.id FROM graph_executions ge
    JOIN node_executions ne ON ne.id = ge.parent_node_execution_id
    WHERE ne.graph_execution_id = @root_id
  UNION ALL
    SELECT ge.id FROM tree
    JOIN node_executions ne ON ne.graph_execution_id = tree.id
    JOIN graph_executions ge ON ge.parent_node_execution_id = ne.id
)
SELECT tree.id, coalesce(sum((ne.stats->>'cost')::bigint), 0)::bigint AS charged
FROM tree LEFT JOIN node_executions ne ON ne.graph_execution_id = tree.id
GROUP BY tree.id;

-- name: GraphExecutionOutputs :one
-- A run's status and outputs, without the rest of its row (inputs, stats,
-- context): what a live stream shows when the run ends.
SELECT status, outputs FROM graph_executions WHERE id = @id;

-- name: GraphExecutionListByUser :many
-- Newest first, keyset on (created_at, id): served by idx_graph_exec_user.
SELECT * FROM graph_executions
WHERE user_id = @user_id
  AND (not_before IS NULL OR not_before <= now()) -- a schedule's run fired ahead shows once due
  AND (sqlc.narg('status')::execution_status IS NULL OR status = sqlc.narg('status')::execution_status)
  AND (sqlc.narg('before_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('before_created')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: GraphExecutionListByGraph :many
-- Newest first, keyset on (created_at, id): served by idx_graph_exec_graph.
SELECT * FROM graph_executions
WHERE graph_id = @graph_id AND user_id = @user_id
  AND (not_before IS NULL OR not_before <= now()) -- a schedule's run fired ahead shows once due
  AND (sqlc.narg('status')::execution_status IS NULL OR status = sqlc.narg('status')::execution_status)
  AND (sqlc.narg('before_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('before_created')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: GraphExecutionSetShared :one
UPDATE graph_executions SET is_shared = @is_shared, share_token = sqlc.narg('share_token'), updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: GraphExecutionClaim :many
-- Claims up to @lim runnable top-level runs for @owner: QUEUED ones, and
-- RUNNING ones whose lease expired (their worker died). Rows another worker
-- is claiming are skipped, not waited for. A user already running
-- @per_user runs (0 = no limit) gets no more. QUEUED→RUNNING advances the
-- event sequence by one (the RUNNING event); a resumed run keeps its status.
WITH running AS (
    SELECT r.user_id, count(*) AS n FROM graph_executions r
    WHERE @per_user::bigint > 0 -- only needed with a per-user limit
      AND r.status = 'RUNNING' AND r.lease_expires_at > now() AND r.parent_node_execution_id IS NULL
    GROUP BY r.user_id
), cand AS (
    SELECT c.id, c.user_id, c.created_at, c.status FROM graph_executions c
    WHERE (c.status = 'QUEUED' OR (c.status = 'RUNNING' AND (c.lease_expires_at IS NULL OR c.lease_expires_at < now())))
      AND c.parent_node_execution_id IS NULL
      -- A run fired ahead of its schedule's occurrence waits for it.
      AND (c.not_before IS NULL OR c.not_before <= now())
    ORDER BY c.created_at
    LIMIT @scan
    FOR UPDATE SKIP LOCKED
), ranked AS (
    SELECT cand.id, cand.created_at, cand.status = 'QUEUED' AS was_queued,
           row_number() OVER (PARTITION BY cand.user_id ORDER BY cand.created_at) + coalesce(running.n, 0) AS k
    FROM cand LEFT JOIN running ON running.user_id = cand.user_id
), pick AS (
    SELECT ranked.id, ranked.was_queued FROM ranked
    WHERE @per_user::bigint = 0 OR ranked.k <= @per_user::bigint
    ORDER BY ranked.created_at
    LIMIT @lim
)
UPDATE graph_executions g SET
    status = 'RUNNING',
    started_at = coalesce(g.started_at, greatest(now(), g.created_at)),
    last_seq = g.last_seq + CASE WHEN pick.was_queued THEN 1 ELSE 0 END,
    -- A lease still held when taken over means its worker died or could not
    -- write; a run handed back on shutdown has no owner and does not count.
    resumes = g.resumes + CASE WHEN NOT pick.was_queued AND g.lease_owner IS NOT NULL THEN 1 ELSE 0 END,
    lease_owner = @owner::text,
    lease_expires_at = now() + make_interval(secs => @lease_seconds::float8),
    updated_at = now()
FROM pick
WHERE g.id = pick.id
RETURNING g.*, pick.was_queued;

-- name: GraphExecutionClaimByID :one
-- Claims one run regardless of its lease: used for a child run by the
-- worker holding its parent (the parent's lease is the authority), and to
-- finish cancelling a run whose worker is gone.
UPDATE graph_executions g SET
    status = 'RUNNING',
    started_at = coalesce(g.started_at, greatest(now(), g.created_at)),
    last_seq = g.last_seq + CASE WHEN g.status = 'QUEUED' THEN 1 ELSE 0 END,
    lease_owner = @owner::text,
    lease_expires_at = now() + make_interval(secs => @lease_seconds::float8),
    updated_at = now()
FROM (SELECT x.id, x.status = 'QUEUED' AS was_queued FROM graph_executions x
      WHERE x.id = @id AND x.status IN ('QUEUED', 'RUNNING')
        AND (NOT @require_expired::boolean OR x.status = 'QUEUED'
             OR x.lease_expires_at IS NULL OR x.lease_expires_at < now() OR x.lease_owner = @owner::text)
      FOR UPDATE) pick
WHERE g.id = pick.id
RETURNING g.*, pick.was_queued;

-- name: GraphExecutionHeartbeat :many
-- Extends the leases @owner still holds; a run missing from the result was
-- taken over (or finished) and must stop locally without writing. A row
-- locked right now (a group commit writing it, which extends the lease
-- itself) is skipped, not waited for, and reported busy: waiting would
-- stall the heartbeat behind commits and could deadlock with them.
WITH free AS (
    SELECT f.id FROM graph_executions f WHERE f.id = ANY(@ids::uuid[])
    ORDER BY f.id
    FOR NO KEY UPDATE SKIP LOCKED
), upd AS (
    UPDATE graph_executions g SET lease_expires_at = now() + make_interval(secs => @lease_seconds::float8)
    FROM free
    WHERE g.id = free.id AND g.lease_owner = @owner::text AND g.status = 'RUNNING'
    RETURNING g.id, (g.cancel_requested_at IS NOT NULL)::boolean AS cancel_requested
)
SELECT upd.id, upd.cancel_requested, false AS busy FROM upd
UNION ALL
SELECT i.id, false AS cancel_requested, true AS busy
FROM unnest(@ids::uuid[]) AS i(id)
WHERE NOT EXISTS (SELECT 1 FROM free WHERE free.id = i.id)
  AND EXISTS (SELECT 1 FROM graph_executions x
              WHERE x.id = i.id AND x.lease_owner = @owner::text AND x.status = 'RUNNING');

-- name: GraphExecutionRelease :exec
-- Hands runs back on shutdown: another worker may claim them at once.
UPDATE graph_executions SET lease_owner = NULL, lease_expires_at = now(), updated_at = now()
WHERE id = ANY(@ids::uuid[]) AND lease_owner = @owner::text AND status = 'RUNNING';

-- name: GraphExecutionCancelQueued :one
-- QUEUED→CANCELLED directly (no worker involved); the move is its own event.
UPDATE graph_executions SET status = 'CANCELLED', ended_at = greatest(now(), created_at),
    cancel_requested_at = now(), last_seq = last_seq + 1, updated_at = now(),
    error_message = 'cancelled by user'
WHERE id = @id AND user_id = @user_id AND status = 'QUEUED'
RETURNING *;

-- name: GraphExecutionRequestCancel :one
-- Flags a RUNNING run; the worker holding its lease notices (notification or
-- heartbeat) and stops it.
UPDATE graph_executions SET cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now()
WHERE id = @id AND user_id = @user_id AND status = 'RUNNING'
RETURNING *;

-- name: GraphExecutionApplyMany :many
-- One group commit's changes to the runs it touches, fenced by the lease:
-- a run @owner no longer holds, or whose status or sequence moved under it,
-- is not returned (the caller then rolls the whole commit back). Status
-- moves are conditional on the previous status. The ids are also matched as
-- an array, for the plan's sake (see NodeExecutionUpdateMany).
UPDATE graph_executions g SET
    last_seq = v.last_seq,
    status = coalesce(v.status, g.status),
    outputs = coalesce(v.outputs, g.outputs),
    error_message = coalesce(v.error_message, g.error_message),
    stats = coalesce(v.stats, g.stats),
    ended_at = CASE WHEN v.status IS NULL THEN g.ended_at
                    ELSE greatest(now(), coalesce(g.started_at, g.created_at)) END,
    lease_owner = CASE WHEN v.release THEN NULL ELSE g.lease_owner END,
    lease_expires_at = CASE WHEN v.release THEN NULL
                            ELSE now() + make_interval(secs => @lease_seconds::float8) END,
    updated_at = now()
FROM jsonb_to_recordset(@rows::jsonb) AS v(id uuid, prev_status execution_status, status execution_status,
    prev_seq bigint, last_seq bigint, outputs jsonb, error_message text, stats jsonb, release boolean)
WHERE g.id = v.id AND g.lease_owner = @owner::text AND g.last_seq = v.prev_seq
  AND (v.status IS NULL OR g.status = v.prev_status)
  AND g.id = ANY (ARRAY(SELECT (r->>'id')::uuid FROM jsonb_array_elements(@rows::jsonb) AS r))
RETURNING g.id;

-- name: GraphExecutionOwnedBy :many
-- Which of these runs @owner holds (used to tell a lost lease from a bug).
SELECT id FROM graph_executions WHERE id = ANY(@ids::uuid[]) AND lease_owner = @owner::text;

-- name: GraphExecutionQueueDepth :one
-- Top-level runs waiting for a worker and held by one, across all workers,
-- and how long the oldest waiting one has waited (0 when none): the queue
-- gauges every engine process exports. Both statuses are in the claim
-- index's predicate, so this reads no finished run. A run fired ahead of
-- its schedule's occurrence waits from its not-before time; before it, it
-- is not waiting for a worker and does not count.
SELECT count(*) FILTER (WHERE status = 'QUEUED' AND (not_before IS NULL OR not_before <= now()))::bigint AS queued,
       count(*) FILTER (WHERE status = 'RUNNING')::bigint AS running,
       coalesce(extract(epoch FROM now() - min(greatest(created_at, not_before))
           FILTER (WHERE status = 'QUEUED' AND (not_before IS NULL OR not_before <= now()))), 0)::float8 AS oldest_queued_seconds
FROM graph_executions
WHERE status IN ('QUEUED', 'RUNNING') AND parent_node_execution_id IS NULL;

-- name: GraphExecutionInsertTriggered :many
-- New QUEUED top-level runs started by a schedule or a webhook (seq 1: the
-- QUEUED event), in one statement. @runs is a JSON array of {id, graph_id,
-- graph_version, user_id, inputs, user_context, trigger_kind, schedule_id,
-- webhook_id, delivery_id, not_before}. created_at is the clock at this
-- insert, not the transaction's start: a firing transaction runs a while
-- before it gets here, and a run's lateness is read from created_at.
INSERT INTO graph_executions (id, graph_id, graph_version, user_id, status, inputs, user_context,
                              last_seq, stats, trigger_kind, schedule_id, webhook_id, delivery_id,
                              not_before, created_at, updated_at)
SELECT r.id, r.graph_id, r.graph_version, r.user_id, 'QUEUED', r.inputs, r.user_context,
       1, @stats, r.trigger_kind, r.schedule_id, r.webhook_id, r.delivery_id,
       r.not_before, clock_timestamp(), clock_timestamp()
FROM jsonb_to_recordset(@runs::jsonb)
     AS r(id uuid, graph_id uuid, graph_version int, user_id uuid, inputs jsonb, user_context jsonb,
          trigger_kind trigger_kind, schedule_id uuid, webhook_id uuid, delivery_id text, not_before timestamptz)
RETURNING *;

-- name: GraphExecutionIDsExisting :many
-- Which of these runs still exist (a schedule's runs fired ahead are
-- deleted when it is paused, changed or deleted before they are due).
SELECT id FROM graph_executions WHERE id = ANY(@ids::uuid[]);
