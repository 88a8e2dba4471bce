-- stripe_events_catchup: how far the catch-up has listed Stripe's events
-- (GET /v1/events), so that an event whose webhook never arrived is still
-- applied. One row; the next run lists from listed_until, less an overlap.
CREATE TABLE stripe_events_catchup (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    listed_until timestamptz NOT NULL,
    ran_at       timestamptz NOT NULL
);
