-- ACH origination and returns. Account numbers are keyring ciphertext bound
-- to their account, shown by their last four, matched by keyed token; a
-- NACHA file's content, which holds them in the clear, is kept as
-- ciphertext too.

CREATE TABLE ach_accounts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id          text NOT NULL UNIQUE,
    request_ref        text NOT NULL UNIQUE,
    customer_ref       text NOT NULL,
    holder_name        text NOT NULL,
    holder_type        text NOT NULL CHECK (holder_type IN ('individual', 'business')),
    type               text NOT NULL CHECK (type IN ('checking', 'savings')),
    routing            text NOT NULL CHECK (routing ~ '^[0-9]{9}$'),
    ciphertext         bytea NOT NULL,
    last4              text NOT NULL CHECK (length(last4) = 4),
    token              text NOT NULL,
    status             text NOT NULL CHECK (status IN ('unverified', 'verifying', 'verified', 'blocked')),
    block_reason       text NOT NULL DEFAULT '',
    attempts           integer NOT NULL DEFAULT 0,
    verification_token text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL,
    created_by         text NOT NULL
);
CREATE INDEX ach_accounts_token ON ach_accounts (token);
CREATE INDEX ach_accounts_customer ON ach_accounts (customer_ref, id);

CREATE TABLE ach_files (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The cutoff the file is for: one file each.
    window_key   text NOT NULL UNIQUE,
    name         text NOT NULL,
    ciphertext   bytea NOT NULL,
    sha256       text NOT NULL,
    modifier     text NOT NULL,
    batches      integer NOT NULL,
    entries      integer NOT NULL,
    debits       bigint NOT NULL,
    credits      bigint NOT NULL,
    status       text NOT NULL CHECK (status IN ('generated', 'delivered')),
    location     text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);

CREATE TABLE ach_transfers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id     text NOT NULL UNIQUE,
    request_ref   text NOT NULL UNIQUE,
    account_id    bigint NOT NULL REFERENCES ach_accounts,
    customer_ref  text NOT NULL,
    direction     text NOT NULL CHECK (direction IN ('credit', 'debit')),
    amount        bigint NOT NULL CHECK (amount > 0),
    sec           text NOT NULL CHECK (sec IN ('PPD', 'CCD', 'WEB')),
    company_name  text NOT NULL DEFAULT '',
    auth_ref      text NOT NULL DEFAULT '',
    auth_at       timestamptz,
    auth_ip       text NOT NULL DEFAULT '',
    description   text NOT NULL,
    effective     date NOT NULL,
    same_day      boolean NOT NULL,
    status        text NOT NULL CHECK (status IN ('created', 'screening', 'held', 'approved', 'batched', 'sent', 'settled', 'returned', 'canceled')),
    hold_reason   text NOT NULL DEFAULT '',
    case_id       bigint REFERENCES cases,
    trace_number  text UNIQUE,
    file_id       bigint REFERENCES ach_files,
    return_code   text NOT NULL DEFAULT '',
    return_reason text NOT NULL DEFAULT '',
    purpose       text NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL,
    approved_by   text NOT NULL DEFAULT '',
    CHECK ((status IN ('batched', 'sent', 'settled', 'returned')) = (file_id IS NOT NULL AND trace_number IS NOT NULL)
           OR status = 'canceled' AND file_id IS NULL)
);
CREATE INDEX ach_transfers_status ON ach_transfers (status, created_at, id);
CREATE INDEX ach_transfers_list ON ach_transfers (created_at DESC, id DESC);
CREATE INDEX ach_transfers_customer ON ach_transfers (customer_ref, created_at);
CREATE INDEX ach_transfers_account ON ach_transfers (account_id);
CREATE INDEX ach_transfers_file ON ach_transfers (file_id) WHERE file_id IS NOT NULL;

-- A transfer goes into one file, once: its file and trace never change.
CREATE FUNCTION ach_transfers_file_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.file_id IS NOT NULL AND (NEW.file_id IS DISTINCT FROM OLD.file_id OR NEW.trace_number IS DISTINCT FROM OLD.trace_number) THEN
        RAISE EXCEPTION 'transfer % is in file % already', OLD.public_id, OLD.file_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ach_transfers_file_once BEFORE UPDATE OF file_id, trace_number ON ach_transfers
    FOR EACH ROW EXECUTE FUNCTION ach_transfers_file_once();

CREATE TABLE ach_transfer_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id bigint NOT NULL REFERENCES ach_transfers,
    at          timestamptz NOT NULL,
    status      text NOT NULL,
    actor       text NOT NULL,
    detail      text NOT NULL
);
CREATE INDEX ach_transfer_events_transfer ON ach_transfer_events (transfer_id, id);

CREATE TABLE ach_inbound (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    source      text NOT NULL,
    sha256      text NOT NULL,
    status      text NOT NULL CHECK (status IN ('applied', 'rejected')),
    error       text NOT NULL DEFAULT '',
    returns     integer NOT NULL DEFAULT 0,
    nocs        integer NOT NULL DEFAULT 0,
    unmatched   integer NOT NULL DEFAULT 0,
    received_at timestamptz NOT NULL,
    received_by text NOT NULL
);
CREATE UNIQUE INDEX ach_inbound_applied ON ach_inbound (sha256) WHERE status = 'applied';

CREATE TABLE ach_returns (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inbound_id     bigint NOT NULL REFERENCES ach_inbound,
    transfer_id    bigint REFERENCES ach_transfers,
    original_trace text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('return', 'dishonored', 'contested')),
    code           text NOT NULL,
    reason         text NOT NULL,
    description    text NOT NULL,
    amount         bigint NOT NULL,
    received_at    timestamptz NOT NULL
);
CREATE INDEX ach_returns_transfer ON ach_returns (transfer_id) WHERE transfer_id IS NOT NULL;

CREATE TABLE ach_corrections (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES ach_accounts,
    transfer_id    bigint NOT NULL REFERENCES ach_transfers,
    original_trace text NOT NULL,
    code           text NOT NULL,
    reason         text NOT NULL,
    corrected_data text NOT NULL,
    ciphertext     bytea,
    status         text NOT NULL CHECK (status IN ('pending', 'applied', 'rejected')),
    received_at    timestamptz NOT NULL,
    decided_by     text NOT NULL DEFAULT ''
);
CREATE INDEX ach_corrections_account ON ach_corrections (account_id, id);
CREATE INDEX ach_corrections_pending ON ach_corrections (id) WHERE status = 'pending';

-- Each cutoff runs once, with or without a file: the run is claimed in the
-- transaction that makes its file.
CREATE TABLE ach_cutoff_runs (
    window_key text PRIMARY KEY,
    ran_at     timestamptz NOT NULL,
    file_id    bigint REFERENCES ach_files
);
