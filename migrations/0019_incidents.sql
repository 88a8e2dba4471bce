-- Security incidents: the incident with its status and owner, its
-- timeline (notes among the events), what it links to, and each
-- compliance officer's acknowledgement of a critical or high one. The
-- timeline, links and acknowledgements are append-only; an incident is
-- never deleted, moves only as its state machine allows, and is final
-- once reviewed.

CREATE TABLE incidents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            text NOT NULL CHECK (title <> ''),
    priority         text NOT NULL CHECK (priority IN ('p1', 'p2', 'p3', 'p4')),
    status           text NOT NULL CHECK (status IN ('open', 'investigating', 'contained', 'resolved', 'reviewed')),
    owner            text NOT NULL,
    opened_by        text NOT NULL,
    opened_at        timestamptz NOT NULL,
    summary          text NOT NULL DEFAULT '',
    resolution       text NOT NULL DEFAULT '',
    review           text NOT NULL DEFAULT '',
    investigating_at timestamptz,
    contained_at     timestamptz,
    resolved_at      timestamptz,
    reviewed_at      timestamptz,
    CHECK ((status IN ('resolved', 'reviewed')) = (resolved_at IS NOT NULL AND resolution <> '')),
    CHECK ((status = 'reviewed') = (reviewed_at IS NOT NULL AND review <> ''))
);
-- The list: active incidents first, then by priority, then newest, as
-- (done, priority, -id) so that a page after an incident is a row
-- comparison the index answers.
CREATE INDEX incidents_list ON incidents ((status IN ('resolved', 'reviewed')), priority, (-id));
CREATE INDEX incidents_owner ON incidents (owner, (status IN ('resolved', 'reviewed')), priority, (-id));
CREATE INDEX incidents_urgent ON incidents (priority, opened_at) WHERE priority IN ('p1', 'p2') AND status IN ('open', 'investigating', 'contained');

-- The state machine, again where no code can skip it.
CREATE FUNCTION incident_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'incident %: incidents are never deleted', OLD.id;
    END IF;
    IF OLD.status = 'reviewed' THEN
        RAISE EXCEPTION 'incident % was reviewed: it cannot change', OLD.id;
    END IF;
    IF NEW.status <> OLD.status AND (OLD.status, NEW.status) NOT IN (
        ('open', 'investigating'), ('open', 'contained'), ('open', 'resolved'),
        ('investigating', 'contained'), ('investigating', 'resolved'),
        ('contained', 'investigating'), ('contained', 'resolved'),
        ('resolved', 'investigating'), ('resolved', 'reviewed')) THEN
        RAISE EXCEPTION 'incident %: % cannot become %', OLD.id, OLD.status, NEW.status;
    END IF;
    IF NEW.opened_at <> OLD.opened_at OR NEW.opened_by <> OLD.opened_by THEN
        RAISE EXCEPTION 'incident %: its opening cannot change', OLD.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER incident_transition BEFORE UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_transition();

CREATE TABLE incident_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

CREATE TABLE incident_links (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents,
    kind        text NOT NULL CHECK (kind IN ('alert', 'fraud_case', 'case', 'audit')),
    ref         bigint NOT NULL CHECK (ref > 0),
    added_by    text NOT NULL,
    added_at    timestamptz NOT NULL,
    UNIQUE (incident_id, kind, ref)
);
CREATE INDEX incident_links_target ON incident_links (kind, ref);

CREATE TABLE incident_acks (
    incident_id bigint NOT NULL REFERENCES incidents,
    username    text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (incident_id, username)
);
CREATE INDEX incident_acks_user ON incident_acks (username, incident_id);

CREATE FUNCTION incident_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER incident_events_append_only BEFORE UPDATE OR DELETE ON incident_events
    FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incident_links_append_only BEFORE UPDATE OR DELETE ON incident_links
    FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incident_acks_append_only BEFORE UPDATE OR DELETE ON incident_acks
    FOR EACH ROW EXECUTE FUNCTION incident_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON incident_events, incident_links, incident_acks FROM console_app;
REVOKE DELETE, TRUNCATE ON incidents FROM console_app;
