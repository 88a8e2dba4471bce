-- Identity and access (PCI DSS requirement 8): users and their roles,
-- passwords with history, TOTP, server-side sessions, four-eyes requests and
-- API keys. Secrets are never stored in the clear: passwords as argon2id
-- hashes, TOTP secrets as keyring ciphertext bound to the user, recovery
-- codes and session ids as keyed or plain hashes, API keys as SHA-256.

CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    email               text NOT NULL,
    display_name        text NOT NULL,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    disabled_reason     text NOT NULL DEFAULT '',
    -- argon2id in PHC form; NULL once a temporary password has been used.
    password_hash       text,
    -- Set by an administrator: single use, and a change is forced after it.
    password_temporary  boolean NOT NULL DEFAULT true,
    password_expires_at timestamptz,
    password_changed_at timestamptz,
    totp_secret         bytea,          -- keyring ciphertext, associated data "user:<id>"
    totp_pending        bytea,          -- an enrollment not yet confirmed by a code
    totp_enrolled_at    timestamptz,
    totp_last_step      bigint,         -- last accepted time step: a code counts once
    failed_attempts     integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    last_login_at       timestamptz,
    -- Last sign-in, creation or re-enabling: the inactivity sweep's clock.
    last_activity_at    timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    created_by          text NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_inactive ON users (last_activity_at) WHERE status = 'active';

-- Earlier password hashes, newest first by time: a new password may not
-- repeat any of the last four (PCI DSS 8.3.7).
CREATE TABLE password_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users,
    set_at     timestamptz NOT NULL,
    hash       text NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id DESC);

CREATE TABLE user_roles (
    user_id     bigint NOT NULL REFERENCES users,
    role        text NOT NULL,
    granted_at  timestamptz NOT NULL,
    granted_by  text NOT NULL,
    approved_by text NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role)
);

-- Single-use recovery codes, as keyed hashes (keyring MAC).
CREATE TABLE recovery_codes (
    user_id   bigint NOT NULL REFERENCES users,
    code_hash text NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- Server-side sessions. The cookie holds a 256-bit random id; only its
-- SHA-256 is stored, so a copy of this table opens no session. handle is
-- a short public name for lists and "end session".
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    handle       text NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users,
    stage        text NOT NULL CHECK (stage IN ('password', 'full')),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,  -- the absolute limit counts from here, across rotations
    last_seen_at timestamptz NOT NULL,
    step_up_at   timestamptz,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

-- Four-eyes requests: a privileged role grant or an MFA reset waits for a
-- second administrator.
CREATE TABLE access_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('grant_role', 'reset_mfa')),
    user_id      bigint NOT NULL REFERENCES users,
    role         text NOT NULL DEFAULT '',
    reason       text NOT NULL,
    requested_by bigint NOT NULL REFERENCES users,
    requested_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by   bigint REFERENCES users,
    decided_at   timestamptz
);
CREATE UNIQUE INDEX access_requests_one_pending ON access_requests (kind, user_id, role) WHERE status = 'pending';

-- API keys for systems calling /api/v1: "pcc_<prefix>_<secret>"; the prefix
-- is shown, the whole key only hashed. The rate window counts calls per key
-- here, so every instance enforces one limit.
CREATE TABLE api_keys (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix            text NOT NULL UNIQUE,
    secret_hash       bytea NOT NULL,
    name              text NOT NULL,
    scopes            text[] NOT NULL,
    created_by        bigint NOT NULL REFERENCES users,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    revoked_at        timestamptz,
    revoked_by        bigint REFERENCES users,
    last_used_at      timestamptz,
    rate_window_start timestamptz,
    rate_window_count integer NOT NULL DEFAULT 0
);

-- Idempotency-Key records: the first response to a key is replayed for a
-- day; status is NULL while the first request is still running.
CREATE TABLE api_idempotency (
    api_key_id      bigint NOT NULL REFERENCES api_keys,
    idempotency_key text NOT NULL,
    request_hash    bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    status          integer,
    content_type    text NOT NULL DEFAULT '',
    body            bytea,
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
