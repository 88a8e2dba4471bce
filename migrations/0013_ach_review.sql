-- ACH after review.
--
-- Trace numbers come from a counter per bank identification (the ODFI's 8
-- digits), reserved in the cutoff's transaction, so no two files share
-- one. Seven digits hold 10 million: the counter wraps, and a trace may be
-- used again by another file once its earlier use is more than 90 days old
-- (returns come within 60), so uniqueness is per file and returns match
-- the most recent use. File names are unique: one file per cutoff, and a
-- day's modifiers (A-Z, 0-9) never repeat.
CREATE TABLE ach_trace_counters (
    odfi text PRIMARY KEY,
    next bigint NOT NULL CHECK (next BETWEEN 1 AND 10000000)
);

ALTER TABLE ach_transfers DROP CONSTRAINT ach_transfers_trace_number_key;
CREATE UNIQUE INDEX ach_transfers_trace_in_file ON ach_transfers (trace_number, file_id);
CREATE INDEX ach_transfers_trace ON ach_transfers (trace_number);
CREATE UNIQUE INDEX ach_files_name ON ach_files (name);

-- A correction keeps what it corrects as moov-io/ach reads it, and who
-- brought its file in (someone else decides it); one that changes nothing
-- on the account (a name, an identification) is noted.
ALTER TABLE ach_corrections
    ADD COLUMN routing text NOT NULL DEFAULT '',
    ADD COLUMN tx_code integer NOT NULL DEFAULT 0,
    ADD COLUMN received_by text NOT NULL DEFAULT '',
    DROP CONSTRAINT ach_corrections_status_check,
    ADD CONSTRAINT ach_corrections_status_check CHECK (status IN ('pending', 'applied', 'noted', 'rejected'));

-- A customer holds an account (routing and number, by their token) once.
CREATE UNIQUE INDEX ach_accounts_customer_token ON ach_accounts (customer_ref, token);
