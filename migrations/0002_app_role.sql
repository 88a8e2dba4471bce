-- The role the running console acts as. Migrations run as the schema owner;
-- the console's connections SET ROLE console_app, so what the application
-- may do is decided here, by privileges, and tests exercise exactly that.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'console_app') THEN
        CREATE ROLE console_app NOLOGIN;
    END IF;
END $$;

GRANT USAGE ON SCHEMA public TO console_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO console_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO console_app;
-- Tables created later by the owner (ours and River's) get the same;
-- tables that must be append-only revoke what does not apply.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO console_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO console_app;
