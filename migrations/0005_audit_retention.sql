-- Retention (PCI DSS 10.5.1: keep at least 12 months, 3 online; default 10
-- years): only whole monthly partitions whose every entry is past the
-- retention period are dropped, oldest first. Each drop leaves an anchor,
-- the last dropped entry's sequence number and hash, from which the
-- retained chain is verified; the drop is also recorded in the chain itself.

CREATE TABLE audit_retention (
    through_seq  bigint PRIMARY KEY,
    through_hash bytea NOT NULL,
    partition    text NOT NULL,
    entries      bigint NOT NULL,
    dropped_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER audit_retention_append_only BEFORE UPDATE OR DELETE ON audit_retention
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_retention_no_truncate BEFORE TRUNCATE ON audit_retention
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_retention FROM console_app;

-- Drops expired partitions, returning what it dropped. It refuses to keep
-- less than 12 months, and stops at the first partition not yet covered by
-- a signed checkpoint: nothing is dropped that signed evidence does not pin.
CREATE FUNCTION audit_drop_expired(keep_months int)
    RETURNS TABLE (partition text, through_seq bigint, through_hash bytea, entries bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    p record;
    cutoff timestamptz;
BEGIN
    IF keep_months < 12 THEN
        RAISE EXCEPTION 'audit retention must be at least 12 months (PCI DSS 10.5.1), not %', keep_months;
    END IF;
    cutoff := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => keep_months);
    FOR p IN
        SELECT c.relname AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_log'::regclass AND c.relname <> 'audit_log_default'
        ORDER BY 2
    LOOP
        EXIT WHEN p.upper > cutoff;
        EXECUTE format('SELECT max(seq), count(*) FROM %I', p.name) INTO through_seq, entries;
        IF entries = 0 THEN
            EXECUTE format('DROP TABLE %I', p.name);
            CONTINUE;
        END IF;
        EXIT WHEN NOT EXISTS (SELECT 1 FROM audit_checkpoints WHERE seq >= through_seq);
        EXECUTE format('SELECT hash FROM %I WHERE seq = $1', p.name) INTO through_hash USING through_seq;
        partition := p.name;
        INSERT INTO audit_retention VALUES (through_seq, through_hash, p.name, entries);
        EXECUTE format('DROP TABLE %I', p.name);
        RETURN NEXT;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION audit_drop_expired(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_drop_expired(int) TO console_app;
