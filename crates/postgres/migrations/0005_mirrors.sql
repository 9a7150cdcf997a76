-- inquiry-lifecycle: mirrors of an upstream provider's inquiries (INTEGRATION.md M6), kept
-- by the `mirror` feature's MirrorStore. Idempotent; applied by PostgresStore::migrate
-- after 0004 (the table is created with or without the feature, so that migrations stay
-- one sequence).
--
-- `record` is the JSON text Mirror::to_json wrote, kept as written (`json`, as 0003 chose
-- for inquiries); `revision` is what compare-and-swap compares; `status` and
-- `needs_reconcile` are copies for an operator's queries ("which mirrors need a fetch?").
CREATE TABLE IF NOT EXISTS inquiry_mirrors (
    id text PRIMARY KEY,
    revision bigint NOT NULL,
    status text,
    needs_reconcile boolean NOT NULL,
    record json NOT NULL
);

CREATE INDEX IF NOT EXISTS inquiry_mirrors_to_reconcile
    ON inquiry_mirrors (id) WHERE needs_reconcile;
