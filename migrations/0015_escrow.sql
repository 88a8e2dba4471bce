-- Escrow: accounts, versioned release policies, a double-entry ledger whose
-- buckets can never go negative, release requests paid at most once, and
-- approvals that are signatures over the exact payload.

-- escrow_now is the clock time locks and expiries are measured by. Tests
-- move it with the console.clock setting; nothing in the console sets it.
CREATE FUNCTION escrow_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('console.clock', true), '')::timestamptz, now())
$$;
GRANT EXECUTE ON FUNCTION escrow_now() TO console_app;

CREATE TABLE escrows (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id     text NOT NULL UNIQUE,
    request_ref   text NOT NULL UNIQUE,
    payer_ref     text NOT NULL,
    payer_name    text NOT NULL,
    payee_name    text NOT NULL,
    payee_type    text NOT NULL CHECK (payee_type IN ('individual', 'entity')),
    payee_kind    text NOT NULL CHECK (payee_kind IN ('bank_account', 'stripe_account')),
    payee_account text NOT NULL,
    payee_token   text NOT NULL,
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    conditions    text NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE TABLE escrow_policies (
    escrow_id   bigint NOT NULL REFERENCES escrows,
    version     integer NOT NULL CHECK (version > 0),
    rules       jsonb NOT NULL,
    status      text NOT NULL CHECK (status IN ('proposed', 'active', 'superseded', 'rejected')),
    proposed_by text NOT NULL,
    proposed_at timestamptz NOT NULL,
    decided_by  text NOT NULL DEFAULT '',
    decided_at  timestamptz,
    PRIMARY KEY (escrow_id, version),
    -- a change is decided by someone other than its proposer (the first
    -- version comes with the escrow)
    CHECK (version = 1 OR status = 'proposed' OR decided_by <> proposed_by)
);
CREATE UNIQUE INDEX escrow_policies_active ON escrow_policies (escrow_id) WHERE status = 'active';

CREATE TABLE escrow_releases (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id      text NOT NULL UNIQUE,
    request_ref    text NOT NULL UNIQUE,
    escrow_id      bigint NOT NULL REFERENCES escrows,
    amount         bigint NOT NULL CHECK (amount > 0),
    policy_version integer NOT NULL,
    nonce          text NOT NULL,
    reason         text NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'approved', 'executed', 'rejected', 'expired', 'blocked')),
    requested_by   text NOT NULL,
    requested_at   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    decided_by     text NOT NULL DEFAULT '',
    decided_at     timestamptz,
    note           text NOT NULL DEFAULT '',
    payout_ref     text NOT NULL DEFAULT '',
    executed_at    timestamptz,
    FOREIGN KEY (escrow_id, policy_version) REFERENCES escrow_policies (escrow_id, version),
    CHECK ((status = 'executed') = (executed_at IS NOT NULL AND payout_ref <> ''))
);
CREATE INDEX escrow_releases_escrow ON escrow_releases (escrow_id, id);
CREATE INDEX escrow_releases_open ON escrow_releases (status, expires_at) WHERE status IN ('pending', 'approved');

-- A final request stays final.
CREATE FUNCTION escrow_release_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('executed', 'rejected', 'expired', 'blocked') THEN
        RAISE EXCEPTION 'escrow release % is % and cannot change', OLD.public_id, OLD.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER escrow_release_final BEFORE UPDATE ON escrow_releases FOR EACH ROW EXECUTE FUNCTION escrow_release_final();

CREATE TABLE escrow_approvals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id   bigint NOT NULL REFERENCES escrow_releases,
    approver     text NOT NULL,
    payload_hash text NOT NULL CHECK (payload_hash ~ '^[0-9a-f]{64}$'),
    totp_step    bigint NOT NULL,
    at           timestamptz NOT NULL,
    key_id       text NOT NULL,
    alg          text NOT NULL,
    signature    bytea NOT NULL,
    UNIQUE (release_id, approver, payload_hash)
);

-- The ledger. Each kind moves an amount between two buckets:
--   funded   outside -> available     held     available -> held
--   released held -> paid             unheld   held -> available
--   refunded available -> outside
CREATE TABLE escrow_postings (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id  bigint NOT NULL REFERENCES escrows,
    kind       text NOT NULL CHECK (kind IN ('funded', 'held', 'released', 'unheld', 'refunded')),
    amount     bigint NOT NULL CHECK (amount > 0),
    release_id bigint REFERENCES escrow_releases,
    source_ref text NOT NULL DEFAULT '',
    by_actor   text NOT NULL,
    at         timestamptz NOT NULL,
    CHECK ((kind IN ('held', 'released', 'unheld')) = (release_id IS NOT NULL))
);
CREATE INDEX escrow_postings_escrow ON escrow_postings (escrow_id, id);
CREATE INDEX escrow_postings_funders ON escrow_postings (escrow_id, by_actor) WHERE kind = 'funded';
-- A payment or transfer funds once; a release is held, paid or let go once.
CREATE UNIQUE INDEX escrow_postings_source ON escrow_postings (source_ref) WHERE kind = 'funded';
CREATE UNIQUE INDEX escrow_postings_release ON escrow_postings (release_id, kind) WHERE release_id IS NOT NULL;

-- No bucket ever goes below zero, whoever writes: the escrow's row is
-- locked so concurrent postings are checked one after another.
CREATE FUNCTION escrow_posting_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    available bigint;
    held      bigint;
BEGIN
    PERFORM 1 FROM escrows WHERE id = NEW.escrow_id FOR UPDATE;
    SELECT coalesce(sum(CASE kind WHEN 'funded' THEN amount WHEN 'unheld' THEN amount ELSE -amount END)
                    FILTER (WHERE kind IN ('funded', 'unheld', 'held', 'refunded')), 0)
      INTO available FROM escrow_postings WHERE escrow_id = NEW.escrow_id;
    IF NEW.kind IN ('held', 'refunded') AND NEW.amount > available THEN
        RAISE EXCEPTION 'escrow %: % of % exceeds the available %', NEW.escrow_id, NEW.kind, NEW.amount, available
            USING ERRCODE = 'check_violation', CONSTRAINT = 'escrow_balance';
    END IF;
    IF NEW.kind IN ('released', 'unheld') THEN
        SELECT coalesce(sum(CASE kind WHEN 'held' THEN amount ELSE -amount END), 0) INTO held
          FROM escrow_postings WHERE release_id = NEW.release_id;
        IF NEW.amount > held THEN
            RAISE EXCEPTION 'escrow release %: % of % exceeds the held %', NEW.release_id, NEW.kind, NEW.amount, held
                USING ERRCODE = 'check_violation', CONSTRAINT = 'escrow_balance';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER escrow_posting_check BEFORE INSERT ON escrow_postings FOR EACH ROW EXECUTE FUNCTION escrow_posting_check();

-- Postings and approvals are evidence: never changed, never removed.
CREATE FUNCTION escrow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER escrow_postings_append_only BEFORE UPDATE OR DELETE ON escrow_postings FOR EACH ROW EXECUTE FUNCTION escrow_append_only();
CREATE TRIGGER escrow_approvals_append_only BEFORE UPDATE OR DELETE ON escrow_approvals FOR EACH ROW EXECUTE FUNCTION escrow_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON escrow_postings, escrow_approvals FROM console_app;
