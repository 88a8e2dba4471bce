-- Outcomes of audit chain verifications, scheduled or on demand: evidence
-- that the log is checked (PCI DSS 10.3.4) and the source of the alert a
-- failed check raises (10.7.2).
CREATE TABLE audit_verifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    verified_at  timestamptz NOT NULL DEFAULT now(),
    ok           boolean NOT NULL,
    entries      bigint NOT NULL,
    last_seq     bigint NOT NULL,
    checkpoints  integer NOT NULL,
    first_break  text NOT NULL DEFAULT ''
);
CREATE INDEX audit_verifications_recent ON audit_verifications (verified_at DESC);
