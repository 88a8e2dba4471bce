-- Security alerts: what the rules over the audit trail and the areas'
-- evidence raise (and what areas raise themselves), acknowledged and
-- resolved in the console, delivered to a signed outbound webhook.
--
-- An alert not resolved is unique per dedup key: raising the same key again
-- bumps it (count, last seen) in the same statement, so two raises racing
-- give one alert. A resolved alert is final; the next raise of its key
-- opens a new one.
CREATE TABLE alerts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    title           text NOT NULL,
    detail          text NOT NULL DEFAULT '',
    source          text NOT NULL DEFAULT '',
    link            text NOT NULL DEFAULT '',
    dedup_key       text,
    status          text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    count           integer NOT NULL DEFAULT 1 CHECK (count > 0),
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    acknowledged_by text NOT NULL DEFAULT '',
    acknowledged_at timestamptz,
    resolved_by     text NOT NULL DEFAULT '',
    resolved_at     timestamptz,
    resolution      text NOT NULL DEFAULT '',
    -- The alert centre's order: open before acknowledged before resolved,
    -- then critical before warning before info. Stored, so that a page
    -- after an alert is a row comparison the index answers.
    priority        smallint GENERATED ALWAYS AS (
        CASE status WHEN 'open' THEN 6 WHEN 'acknowledged' THEN 3 ELSE 0 END +
        CASE severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END) STORED,
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolved_by <> '' AND resolution <> '')),
    CHECK ((status = 'acknowledged') <= (acknowledged_at IS NOT NULL AND acknowledged_by <> ''))
);
CREATE UNIQUE INDEX alerts_dedup ON alerts (dedup_key) WHERE status <> 'resolved';
CREATE INDEX alerts_centre ON alerts (priority, id);

-- A resolved alert never changes again, and no alert is deleted.
CREATE FUNCTION alerts_resolved_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status = 'resolved' THEN
        RAISE EXCEPTION 'alert % is resolved or kept: it cannot change', OLD.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER alerts_resolved_final BEFORE UPDATE OR DELETE ON alerts
    FOR EACH ROW EXECUTE FUNCTION alerts_resolved_final();
REVOKE DELETE, TRUNCATE ON alerts FROM console_app;

-- Where each rule has read its source up to, updated in the transaction
-- that raises what it found, and locked (FOR UPDATE) while a rule
-- evaluates, so instances take turns and nothing is raised twice or
-- missed across restarts. position is the rule's unit (an audit sequence
-- number, a row id, a window's start in Unix seconds); seen are the rows
-- above it already raised, kept until their transactions have surely
-- committed (rows of an identity column can commit out of id order);
-- since bounds the read: every row older than it has been read.
CREATE TABLE alert_cursors (
    rule         text PRIMARY KEY,
    position     bigint NOT NULL DEFAULT 0,
    seen         bigint[] NOT NULL DEFAULT '{}',
    since        timestamptz,
    evaluated_at timestamptz
);

-- The critical-fraud rule reads the critical decisions after its cursor:
-- a few of millions, so an index of their own.
CREATE INDEX fraud_decisions_critical ON fraud_decisions (id) WHERE level = 'critical';
