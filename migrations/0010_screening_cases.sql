-- Sanctions screening and the compliance case queue: list versions with
-- their entries (kept for audit and diffs), screened parties with every
-- result, whitelists binding a party to a list entry as it read, and the
-- cases (hits, AML alerts, SARs) with notes, attachments and timelines.

CREATE TABLE cases (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('screening_hit', 'aml_alert', 'sar')),
    status       text NOT NULL CHECK (status IN ('open', 'in_review', 'escalated', 'closed')),
    subject      text NOT NULL,
    subject_name text NOT NULL,
    title        text NOT NULL,
    summary      text NOT NULL DEFAULT '',
    assignee     text NOT NULL DEFAULT '',
    opened_at    timestamptz NOT NULL,
    due_at       timestamptz NOT NULL,
    decision     text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    closed_at    timestamptz,
    closed_by    text NOT NULL DEFAULT '',
    parent_id    bigint REFERENCES cases,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- One case of a kind open per subject: new hits join it. AML alerts name
-- their rule and window in the subject, so each stays its own case.
CREATE UNIQUE INDEX cases_one_open ON cases (kind, subject) WHERE status <> 'closed';
CREATE INDEX cases_queue ON cases (due_at, id) WHERE status <> 'closed';
CREATE INDEX cases_closed ON cases (id DESC) WHERE status = 'closed';

CREATE TABLE case_events (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases,
    at      timestamptz NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    detail  text NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_notes (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases,
    author  text NOT NULL,
    body    text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);

CREATE TABLE case_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0 AND size <= 5242880),
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    added_by     text NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);

CREATE TABLE screening_versions (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source    text NOT NULL,
    loaded_at timestamptz NOT NULL,
    sha256    text NOT NULL,
    entries   integer NOT NULL,
    added     integer NOT NULL,
    removed   integer NOT NULL,
    changed   integer NOT NULL,
    active    boolean NOT NULL
);
CREATE UNIQUE INDEX screening_versions_active ON screening_versions (active) WHERE active;

CREATE TABLE screening_entries (
    version_id bigint NOT NULL REFERENCES screening_versions,
    entry_id   text NOT NULL,
    position   integer NOT NULL,
    name       text NOT NULL,
    type       text NOT NULL,
    programs   text[] NOT NULL,
    title      text NOT NULL,
    remarks    text NOT NULL,
    aliases    text[] NOT NULL,
    dob_years  integer[] NOT NULL,
    countries  text[] NOT NULL,
    addresses  text[] NOT NULL,
    extra      jsonb NOT NULL,
    PRIMARY KEY (version_id, entry_id)
);

CREATE TABLE screening_load_failures (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL,
    source text NOT NULL,
    reason text NOT NULL
);

CREATE TABLE screening_parties (
    ref         text PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL,
    dob_year    integer NOT NULL DEFAULT 0,
    country     text NOT NULL DEFAULT '',
    status      text NOT NULL CHECK (status IN ('clear', 'held', 'blocked')),
    screened_at timestamptz NOT NULL,
    version_id  bigint NOT NULL REFERENCES screening_versions
);

CREATE TABLE screening_results (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party_ref  text NOT NULL REFERENCES screening_parties,
    version_id bigint NOT NULL REFERENCES screening_versions,
    status     text NOT NULL,
    hits       jsonb NOT NULL,
    case_id    bigint REFERENCES cases,
    trigger    text NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX screening_results_party ON screening_results (party_ref, id DESC);

CREATE TABLE screening_whitelist (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party_ref   text NOT NULL REFERENCES screening_parties,
    entry_id    text NOT NULL,
    fingerprint text NOT NULL,
    reason      text NOT NULL,
    decided_by  text NOT NULL,
    until       timestamptz NOT NULL,
    case_id     bigint NOT NULL REFERENCES cases,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX screening_whitelist_party ON screening_whitelist (party_ref);
