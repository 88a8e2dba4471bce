-- "All failures, newest first" walked the sequence index evaluating each
-- entry's outcome; failures alone, by sequence number, make it a lookup.
CREATE INDEX audit_log_failures_seq ON audit_log (seq) WHERE audit_field(entry, '{outcome}') = 'failure';
