-- AML monitoring: each finding of a rule raised once (rule, customer and
-- the occurrence's window; and not again for transactions a finding of the
-- rule took in already), with the case it opened.
CREATE TABLE aml_alerts (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule      text NOT NULL,
    customer  text NOT NULL,
    window_key text NOT NULL,
    summary   text NOT NULL,
    total     bigint NOT NULL,
    refs      text[] NOT NULL,
    case_id   bigint REFERENCES cases,
    raised_at timestamptz NOT NULL,
    UNIQUE (rule, customer, window_key)
);
CREATE INDEX aml_alerts_refs ON aml_alerts USING gin (refs);

-- The money movements AML reads, per customer, newest first.
CREATE INDEX payments_customer_status ON payments (customer_ref, status_at) WHERE status = 'succeeded';
CREATE INDEX ach_transfers_customer_money ON ach_transfers (customer_ref, created_at) WHERE purpose = 'payment';
