-- The audit trail (PCI DSS 10). An event is written to audit_outbox in the
-- same transaction as the change it records; the sequencer moves committed
-- events into audit_log in batches, giving each its sequence number and
-- chaining it: hash = SHA-256(seq, time, prev_hash, entry). entry holds the
-- event's canonical bytes exactly as hashed.

CREATE TABLE audit_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    entry       bytea NOT NULL
);

CREATE TABLE audit_log (
    seq         bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    entry       bytea NOT NULL
) PARTITION BY RANGE (occurred_at);

-- The chain's head: the last sequenced entry. One row, updated by the
-- sequencer in the transaction that appends to audit_log.
CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Signed checkpoints: (seq, head hash, time) signed with the keyring, so a
-- truncated or rewritten chain shows against a signature nobody can forge.
CREATE TABLE audit_checkpoints (
    seq        bigint PRIMARY KEY,
    head_hash  bytea NOT NULL,
    signed_at  timestamptz NOT NULL,
    statement  bytea NOT NULL,
    key_id     text NOT NULL,
    algorithm  text NOT NULL,
    signature  bytea NOT NULL
);

-- Fields read out of the canonical bytes, for indexes and filters: they can
-- never disagree with what was hashed. IMMUTABLE holds: the database
-- encoding is fixed and the bytes never change.
CREATE FUNCTION audit_field(entry bytea, path text[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT convert_from(entry, 'UTF8')::jsonb #>> path $$;

CREATE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_time ON audit_log (occurred_at, seq);
CREATE INDEX audit_log_action ON audit_log (audit_field(entry, '{action}'), seq);
CREATE INDEX audit_log_actor ON audit_log (audit_field(entry, '{actor,id}'), seq);
CREATE INDEX audit_log_target ON audit_log (audit_field(entry, '{target,type}'), audit_field(entry, '{target,id}'), seq);

-- Append-only, whoever asks: a row trigger refuses UPDATE and DELETE on
-- every partition, a statement trigger refuses TRUNCATE (added to each
-- partition too, since TRUNCATE of a partition bypasses its parent's).
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_checkpoints FROM console_app;

-- Monthly partitions, created ahead by the owner; the console may call this
-- but gains no other power over the table.
CREATE FUNCTION audit_ensure_partitions(months_ahead int) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    m date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    name text;
BEGIN
    FOR i IN 0..months_ahead LOOP
        name := format('audit_log_%s', to_char(m, 'YYYY_MM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
                name, m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            EXECUTE format('CREATE TRIGGER no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', name);
            EXECUTE format('REVOKE ALL ON %I FROM console_app', name);
        END IF;
        m := m + interval '1 month';
    END LOOP;
END $$;

-- A catch-all, so an event is never refused for want of a partition
-- (failing to audit blocks the action); the scheduled job keeps it empty.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit_log_default FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
REVOKE ALL ON audit_log_default FROM console_app;

SELECT audit_ensure_partitions(2);
REVOKE ALL ON FUNCTION audit_ensure_partitions(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_ensure_partitions(int) TO console_app;
