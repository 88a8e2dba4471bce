-- Card payments through Stripe: payments with their status history,
-- refunds, disputes, Radar reviews, and every webhook event received, once.
-- No card number is ever stored: only brand, last 4, issuing country and
-- the processor's fingerprint token. The PaymentIntent's client secret is
-- keyring ciphertext bound to the payment.

CREATE TABLE payments (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id        text NOT NULL UNIQUE,
    -- The creating request (API key and Idempotency-Key): a retry finds the
    -- payment it made instead of making another.
    request_ref      text NOT NULL UNIQUE,
    intent_id        text NOT NULL UNIQUE,
    amount           bigint NOT NULL CHECK (amount > 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    customer_ref     text NOT NULL,
    description      text NOT NULL DEFAULT '',
    metadata         jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL CHECK (status IN ('open', 'requires_action', 'processing', 'succeeded', 'failed', 'canceled')),
    status_at        timestamptz NOT NULL,
    failure_code     text NOT NULL DEFAULT '',
    failure_message  text NOT NULL DEFAULT '',
    card_brand       text NOT NULL DEFAULT '',
    card_last4       text NOT NULL DEFAULT '' CHECK (card_last4 ~ '^([0-9]{4})?$'),
    card_country     text NOT NULL DEFAULT '',
    card_wallet      text NOT NULL DEFAULT '',
    card_fingerprint text NOT NULL DEFAULT '',
    risk_level       text NOT NULL DEFAULT '',
    risk_score       integer NOT NULL DEFAULT -1,
    risk_reason      text NOT NULL DEFAULT '',
    risk_message     text NOT NULL DEFAULT '',
    risk_at          timestamptz,
    client_secret    bytea NOT NULL,
    livemode         boolean NOT NULL,
    created_at       timestamptz NOT NULL,
    created_by       text NOT NULL
);
-- Each list filter walks its own index in the list's order (newest first).
CREATE INDEX payments_created ON payments (created_at DESC, id DESC);
CREATE INDEX payments_status ON payments (status, created_at DESC, id DESC);
CREATE INDEX payments_customer ON payments (customer_ref, created_at DESC, id DESC);
CREATE INDEX payments_risk ON payments (risk_level, created_at DESC, id DESC);
CREATE INDEX payments_amount ON payments (currency, amount);

CREATE TABLE payment_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id bigint NOT NULL REFERENCES payments,
    status     text NOT NULL,
    at         timestamptz NOT NULL,
    source     text NOT NULL
);
CREATE INDEX payment_history_payment ON payment_history (payment_id, id);

CREATE TABLE refunds (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id     bigint NOT NULL REFERENCES payments,
    provider_id    text UNIQUE,
    amount         bigint NOT NULL CHECK (amount > 0),
    currency       text NOT NULL,
    reason         text NOT NULL,
    status         text NOT NULL CHECK (status IN ('awaiting_approval', 'rejected', 'pending', 'requires_action', 'succeeded', 'failed', 'canceled')),
    status_at      timestamptz NOT NULL,
    failure_reason text NOT NULL DEFAULT '',
    requested_by   text NOT NULL,
    decided_by     text NOT NULL DEFAULT '',
    -- The asking request (a form's nonce, an API call's Idempotency-Key).
    request_ref    text UNIQUE,
    created_at     timestamptz NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_awaiting ON refunds (created_at) WHERE status = 'awaiting_approval';

-- Refunds the console asks for never make those holding part of a payment
-- add up to more than it: the database refuses it even if the application
-- did not. The payment row is locked first, so concurrent refunds take
-- turns. Refunds Stripe reports (they carry its id) are recorded whatever
-- they add up to: that money has moved.
CREATE FUNCTION refunds_within_amount() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    paid bigint;
    held bigint;
BEGIN
    IF NEW.provider_id IS NOT NULL THEN
        RETURN NULL;
    END IF;
    SELECT amount INTO paid FROM payments WHERE id = NEW.payment_id FOR UPDATE;
    SELECT coalesce(sum(amount), 0) INTO held FROM refunds
        WHERE payment_id = NEW.payment_id AND status NOT IN ('rejected', 'failed', 'canceled');
    IF held > paid THEN
        RAISE EXCEPTION 'refunds of payment % would total % of %', NEW.payment_id, held, paid
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_within_amount';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER refunds_within_amount AFTER INSERT OR UPDATE OF amount, status ON refunds
    FOR EACH ROW EXECUTE FUNCTION refunds_within_amount();

-- Every webhook event, stored once by id in the transaction that queues
-- its job; its payload is dropped once applied, its outcome kept.
CREATE TABLE stripe_events (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    created     timestamptz NOT NULL,
    livemode    boolean NOT NULL,
    payload     bytea,
    received_at timestamptz NOT NULL,
    state       text NOT NULL CHECK (state IN ('received', 'applied', 'ignored')),
    note        text NOT NULL DEFAULT '',
    payment_id  bigint REFERENCES payments,
    finished_at timestamptz
);
CREATE INDEX stripe_events_payment ON stripe_events (payment_id, created) WHERE payment_id IS NOT NULL;

CREATE TABLE disputes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id     text NOT NULL UNIQUE,
    payment_id      bigint NOT NULL REFERENCES payments,
    amount          bigint NOT NULL,
    currency        text NOT NULL,
    reason          text NOT NULL,
    status          text NOT NULL,
    evidence_due_by timestamptz,
    opened_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX disputes_payment ON disputes (payment_id);
CREATE INDEX disputes_open ON disputes (id DESC) WHERE status NOT IN ('won', 'lost', 'warning_closed');

CREATE TABLE radar_reviews (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id   text NOT NULL UNIQUE,
    payment_id    bigint NOT NULL REFERENCES payments,
    reason        text NOT NULL,
    open          boolean NOT NULL,
    closed_reason text NOT NULL DEFAULT '',
    opened_at     timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX radar_reviews_payment ON radar_reviews (payment_id);
CREATE INDEX radar_reviews_open ON radar_reviews (id DESC) WHERE open;
