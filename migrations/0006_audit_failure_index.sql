-- "Failures, in a time range" is the commonest compliance question; failures
-- are a small share of entries, so a partial index over them alone is cheap.
CREATE INDEX audit_log_failures ON audit_log (occurred_at, seq) WHERE audit_field(entry, '{outcome}') = 'failure';
