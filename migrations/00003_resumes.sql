-- +goose Up
-- How many times a run was taken over from a worker that died or could not
-- write it (its lease expired while still held). A run that keeps failing
-- the same way is ended FAILED instead of being resumed forever.
ALTER TABLE graph_executions ADD COLUMN resumes integer NOT NULL DEFAULT 0 CHECK (resumes >= 0);

-- +goose Down
ALTER TABLE graph_executions DROP COLUMN resumes;
