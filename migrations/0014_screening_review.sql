-- Screening after review: each list version keeps which published files
-- it was loaded from (a load lacking one the active version had is
-- refused), and the time the lists were last fetched and found good, by
-- the database's clock, which clears a refused load's alert and shows when
-- the lists go stale.
ALTER TABLE screening_versions ADD COLUMN files text[] NOT NULL DEFAULT '{}';

CREATE TABLE screening_list_checks (
    id         integer PRIMARY KEY CHECK (id = 1),
    checked_at timestamptz NOT NULL
);
