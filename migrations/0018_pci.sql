-- PCI DSS scorecards: runs and their results (evidence included), the
-- attestations compliance officers record with their files, recorded
-- dependency scans, and the incremental scan for stored card numbers.

CREATE TABLE pci_runs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    catalogue  text NOT NULL,
    trigger    text NOT NULL,
    started_at timestamptz NOT NULL,
    took_ms    integer NOT NULL,
    passed     integer NOT NULL,
    failed     integer NOT NULL,
    na         integer NOT NULL
);
CREATE INDEX pci_runs_started ON pci_runs (started_at);

CREATE TABLE pci_results (
    run_id      bigint NOT NULL REFERENCES pci_runs,
    position    integer NOT NULL,
    requirement text NOT NULL,
    sub         text NOT NULL,
    check_id    text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pass', 'fail', 'not_applicable')),
    summary     text NOT NULL,
    evidence    jsonb NOT NULL,
    remediation text NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, position)
);

CREATE TABLE pci_attestations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sub        text NOT NULL,
    statement  text NOT NULL,
    effective  timestamptz NOT NULL,
    expires    timestamptz,
    by_user    text NOT NULL,
    at         timestamptz NOT NULL,
    CHECK (expires IS NULL OR expires > effective)
);
CREATE INDEX pci_attestations_sub ON pci_attestations (sub, effective DESC, id DESC);

CREATE TABLE pci_attestation_files (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attestation_id bigint NOT NULL REFERENCES pci_attestations,
    name           text NOT NULL,
    content_type   text NOT NULL,
    size           bigint NOT NULL,
    sha256         text NOT NULL,
    data           bytea NOT NULL
);
CREATE INDEX pci_attestation_files_attestation ON pci_attestation_files (attestation_id);

CREATE TABLE pci_scans (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tool     text NOT NULL,
    at       timestamptz NOT NULL,
    findings integer NOT NULL CHECK (findings >= 0),
    report   text NOT NULL DEFAULT '',
    by_user  text NOT NULL
);
CREATE INDEX pci_scans_at ON pci_scans (at DESC);

-- Runs, results, attestations, their files and scans are evidence: kept,
-- never changed.
CREATE FUNCTION pci_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER pci_runs_append_only BEFORE UPDATE OR DELETE ON pci_runs FOR EACH ROW EXECUTE FUNCTION pci_append_only();
CREATE TRIGGER pci_results_append_only BEFORE UPDATE OR DELETE ON pci_results FOR EACH ROW EXECUTE FUNCTION pci_append_only();
CREATE TRIGGER pci_attestations_append_only BEFORE UPDATE OR DELETE ON pci_attestations FOR EACH ROW EXECUTE FUNCTION pci_append_only();
CREATE TRIGGER pci_attestation_files_append_only BEFORE UPDATE OR DELETE ON pci_attestation_files FOR EACH ROW EXECUTE FUNCTION pci_append_only();
CREATE TRIGGER pci_scans_append_only BEFORE UPDATE OR DELETE ON pci_scans FOR EACH ROW EXECUTE FUNCTION pci_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON pci_runs, pci_results, pci_attestations, pci_attestation_files, pci_scans FROM console_app;

-- The card-number scan's progress: per table, the highest key scanned.
CREATE TABLE pci_scan_marks (
    table_name text PRIMARY KEY,
    last_key   bigint NOT NULL
);

-- What the scan found, until a later scan finds the value gone.
CREATE TABLE pci_pan_findings (
    table_name  text NOT NULL,
    column_name text NOT NULL,
    row_key     text NOT NULL, -- the row's key, or its ctid in a table without one
    masked      text NOT NULL,
    found_at    timestamptz NOT NULL,
    PRIMARY KEY (table_name, column_name, row_key)
);
