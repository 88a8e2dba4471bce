-- The job queue's heartbeat: a periodic job stamps this row, so the console
-- can show that jobs are not just enqueued but actually run.
CREATE TABLE system_heartbeat (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    beat_at     timestamptz NOT NULL,
    beats       bigint NOT NULL DEFAULT 1
);
