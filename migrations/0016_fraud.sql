-- Fraud: rule versions (maker/checker), every scored event with what it was
-- scored from, review cases with their timelines, block and allow lists,
-- labels learnt later, and the feed the rails fill in their own
-- transactions so that every payment, transfer and release is scored once.

CREATE TABLE fraud_rule_versions (
    version    integer PRIMARY KEY,
    rules      jsonb NOT NULL,
    status     text NOT NULL CHECK (status IN ('draft', 'published', 'discarded')),
    note       text NOT NULL DEFAULT '',
    drafted_by text NOT NULL,
    drafted_at timestamptz NOT NULL,
    decided_by text NOT NULL DEFAULT '',
    decided_at timestamptz,
    backtest   jsonb,
    CHECK ((status = 'draft') = (decided_at IS NULL)),
    CHECK (status <> 'published' OR decided_by <> drafted_by OR drafted_by = 'system')
);
CREATE UNIQUE INDEX fraud_rule_one_draft ON fraud_rule_versions ((true)) WHERE status = 'draft';
CREATE INDEX fraud_rule_published ON fraud_rule_versions (version DESC) WHERE status = 'published';

-- A published or discarded version never changes again.
CREATE FUNCTION fraud_rule_version_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'draft' THEN
        RAISE EXCEPTION 'fraud rule version % is %: it cannot change', OLD.version, OLD.status;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fraud_rule_version_final BEFORE UPDATE OR DELETE ON fraud_rule_versions
    FOR EACH ROW EXECUTE FUNCTION fraud_rule_version_final();

-- One row per scored event; the event's identifiers are NULL when absent so
-- that each velocity index holds only the events that have one. Each index
-- leads with the identifier and orders by time: a velocity window is a
-- bounded range scan of it, never a scan of the history. rule_version has
-- no foreign key on purpose: thousands of decisions a second would all
-- share-lock the same version row.
CREATE TABLE fraud_decisions (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type         text NOT NULL,
    event_ref          text NOT NULL,
    customer           text NOT NULL,
    amount             bigint NOT NULL,
    currency           text NOT NULL,
    card               text,
    account            text,
    ip                 text,
    device             text,
    email              text,
    country            text NOT NULL DEFAULT '',
    card_country       text NOT NULL DEFAULT '',
    radar_score        smallint NOT NULL,
    account_changed_at timestamptz,
    customer_since     timestamptz,
    occurred_at        timestamptz NOT NULL,
    score              smallint NOT NULL CHECK (score BETWEEN 0 AND 1000),
    level              text NOT NULL CHECK (level IN ('low', 'medium', 'high', 'critical')),
    verdict            text NOT NULL CHECK (verdict IN ('allow', 'review', 'block')),
    contributions      jsonb NOT NULL,
    rules              text[] NOT NULL, -- the ids of the rules that fired, for statistics
    features           jsonb NOT NULL,
    rule_version       integer NOT NULL,
    decided_at         timestamptz NOT NULL,
    UNIQUE (event_type, event_ref)
);
CREATE INDEX fraud_decisions_customer ON fraud_decisions (customer, occurred_at DESC);
CREATE INDEX fraud_decisions_card ON fraud_decisions (card, occurred_at DESC) INCLUDE (customer) WHERE card IS NOT NULL;
CREATE INDEX fraud_decisions_account ON fraud_decisions (account, occurred_at DESC) INCLUDE (customer) WHERE account IS NOT NULL;
CREATE INDEX fraud_decisions_ip ON fraud_decisions (ip, occurred_at DESC) INCLUDE (customer) WHERE ip IS NOT NULL;
CREATE INDEX fraud_decisions_device ON fraud_decisions (device, occurred_at DESC) INCLUDE (customer) WHERE device IS NOT NULL;
CREATE INDEX fraud_decisions_email ON fraud_decisions (email, occurred_at DESC) INCLUDE (customer) WHERE email IS NOT NULL;
CREATE INDEX fraud_decisions_decided ON fraud_decisions (decided_at);

CREATE FUNCTION fraud_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER fraud_decisions_append_only BEFORE UPDATE OR DELETE ON fraud_decisions
    FOR EACH ROW EXECUTE FUNCTION fraud_append_only();

-- What was learnt about a decision later. A chargeback or an unauthorized
-- return outranks a reviewer's disposition.
CREATE TABLE fraud_labels (
    decision_id bigint PRIMARY KEY REFERENCES fraud_decisions,
    label       text NOT NULL CHECK (label IN ('fraud', 'legit')),
    source      text NOT NULL CHECK (source IN ('disposition', 'chargeback', 'ach_return')),
    labelled_at timestamptz NOT NULL
);

CREATE TABLE fraud_cases (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    decision_id bigint NOT NULL UNIQUE REFERENCES fraud_decisions,
    subject     text NOT NULL,
    customer    text NOT NULL,
    amount      bigint NOT NULL,
    currency    text NOT NULL,
    score       smallint NOT NULL,
    level       text NOT NULL,
    verdict     text NOT NULL CHECK (verdict IN ('review', 'block')),
    status      text NOT NULL CHECK (status IN ('open', 'in_review', 'escalated', 'closed')),
    assignee    text NOT NULL DEFAULT '',
    claimed_at  timestamptz,
    opened_at   timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    disposition text NOT NULL DEFAULT '' CHECK (disposition IN ('', 'approved', 'declined')),
    reason_code text NOT NULL DEFAULT '',
    decided_by  text NOT NULL DEFAULT '',
    decided_at  timestamptz,
    effect      text NOT NULL DEFAULT '',
    card        text,
    device      text,
    account     text,
    email       text,
    CHECK ((status = 'in_review') = (assignee <> '')),
    CHECK ((status = 'closed') = (disposition <> '' AND decided_at IS NOT NULL))
);
-- The queue: highest score first, then oldest, as (-score, id) so that a
-- page after a case is a row comparison the index answers; and what nobody
-- holds, what is overdue.
CREATE INDEX fraud_cases_queue ON fraud_cases ((-score), id) WHERE status <> 'closed';
CREATE INDEX fraud_cases_unclaimed ON fraud_cases ((-score), id) WHERE status IN ('open', 'escalated');
CREATE INDEX fraud_cases_status ON fraud_cases (status, (-score), id);
CREATE INDEX fraud_cases_assignee ON fraud_cases (assignee, (-score), id) WHERE status = 'in_review';
CREATE INDEX fraud_cases_level ON fraud_cases (level, (-score), id) WHERE status <> 'closed';
CREATE INDEX fraud_cases_due ON fraud_cases (due_at) WHERE status <> 'closed';
CREATE INDEX fraud_cases_decided ON fraud_cases (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX fraud_cases_customer ON fraud_cases (customer, id DESC);
CREATE INDEX fraud_cases_card ON fraud_cases (card, id DESC) WHERE card IS NOT NULL;
CREATE INDEX fraud_cases_device ON fraud_cases (device, id DESC) WHERE device IS NOT NULL;
CREATE INDEX fraud_cases_account ON fraud_cases (account, id DESC) WHERE account IS NOT NULL;
CREATE INDEX fraud_cases_email ON fraud_cases (email, id DESC) WHERE email IS NOT NULL;

-- A case's timeline, notes included.
CREATE TABLE fraud_case_events (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES fraud_cases,
    at      timestamptz NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    detail  text NOT NULL DEFAULT ''
);
CREATE INDEX fraud_case_events_case ON fraud_case_events (case_id, id);
CREATE TRIGGER fraud_case_events_append_only BEFORE UPDATE OR DELETE ON fraud_case_events
    FOR EACH ROW EXECUTE FUNCTION fraud_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON fraud_decisions, fraud_case_events FROM console_app;

CREATE TABLE fraud_list_entries (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list     text NOT NULL CHECK (list IN ('block', 'allow')),
    key      text NOT NULL CHECK (key IN ('card', 'account', 'ip', 'device', 'email')),
    value    text NOT NULL,
    note     text NOT NULL DEFAULT '',
    added_by text NOT NULL,
    added_at timestamptz NOT NULL,
    UNIQUE (key, value)
);

-- The feed: each rail queues what to score (and each dispute or return
-- that may label a decision) in the transaction that changed it.
CREATE TABLE fraud_feed (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind      text NOT NULL,
    ref       text NOT NULL,
    detail    text NOT NULL DEFAULT '',
    queued_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION fraud_feed_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fraud_feed (kind, ref) VALUES ('payment', NEW.public_id);
    PERFORM pg_notify('fraud_feed', '');
    RETURN NULL;
END $$;
-- A payment is scored once its charge is reported: Radar's score and the
-- card's fingerprint and country come with it.
CREATE TRIGGER fraud_feed_payment_charged AFTER UPDATE OF risk_at ON payments
    FOR EACH ROW WHEN (OLD.risk_at IS NULL AND NEW.risk_at IS NOT NULL) EXECUTE FUNCTION fraud_feed_payment();
CREATE TRIGGER fraud_feed_payment_inserted AFTER INSERT ON payments
    FOR EACH ROW WHEN (NEW.risk_at IS NOT NULL) EXECUTE FUNCTION fraud_feed_payment();

CREATE FUNCTION fraud_feed_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO fraud_feed (kind, ref) VALUES ('ach_transfer', NEW.public_id);
    ELSE
        INSERT INTO fraud_feed (kind, ref, detail) VALUES ('ach_return', NEW.public_id, NEW.return_code);
    END IF;
    PERFORM pg_notify('fraud_feed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER fraud_feed_transfer_created AFTER INSERT ON ach_transfers
    FOR EACH ROW EXECUTE FUNCTION fraud_feed_transfer();
CREATE TRIGGER fraud_feed_transfer_returned AFTER UPDATE OF return_code ON ach_transfers
    FOR EACH ROW WHEN (OLD.return_code = '' AND NEW.return_code <> '') EXECUTE FUNCTION fraud_feed_transfer();

CREATE FUNCTION fraud_feed_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fraud_feed (kind, ref) VALUES ('escrow_release', NEW.public_id);
    PERFORM pg_notify('fraud_feed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER fraud_feed_release_requested AFTER INSERT ON escrow_releases
    FOR EACH ROW EXECUTE FUNCTION fraud_feed_release();

CREATE FUNCTION fraud_feed_dispute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fraud_feed (kind, ref, detail)
        SELECT 'dispute', p.public_id, NEW.reason FROM payments p WHERE p.id = NEW.payment_id;
    PERFORM pg_notify('fraud_feed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER fraud_feed_dispute_opened AFTER INSERT ON disputes
    FOR EACH ROW EXECUTE FUNCTION fraud_feed_dispute();
