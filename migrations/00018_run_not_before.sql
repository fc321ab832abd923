-- +goose Up
-- A run's "not before" time: no worker claims it earlier. A scheduler fires
-- occurrences a few seconds ahead (all the schedules due in the same second
-- would otherwise be stored one batch after another, the last ones late)
-- and gives each run its occurrence time here, so it still starts when due.
-- NULL (every other run): claimable at once.
ALTER TABLE graph_executions ADD COLUMN not_before timestamptz;

-- +goose Down
ALTER TABLE graph_executions DROP COLUMN not_before;
