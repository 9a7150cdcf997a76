-- inquiry-lifecycle: the PostgreSQL store's schema. Idempotent; applied by
-- PostgresStore::migrate. Status and the due instants are real columns for indexes and
-- queries; the whole validated record is JSONB.
CREATE TABLE IF NOT EXISTS inquiries (
    id            TEXT PRIMARY KEY,
    revision      BIGINT NOT NULL CHECK (revision >= 1),
    status        TEXT NOT NULL,
    -- The inquiry's own deadline (E3): set only while live and unredacted.
    deadline      TIMESTAMPTZ,
    -- The next instant anything falls due (deadline or a session's expiry), rounded up
    -- to the microsecond.
    next_due      TIMESTAMPTZ,
    -- A worker's claim on a due inquiry (claim_due), so that several sweep at once.
    claimed_until TIMESTAMPTZ,
    record        JSONB NOT NULL
);

-- The deadline of live inquiries: a partial index, small however many are finished.
CREATE INDEX IF NOT EXISTS inquiries_live_deadline
    ON inquiries (deadline) WHERE status IN ('created', 'pending');

-- What the sweeper lists: everything with something due, earliest first.
CREATE INDEX IF NOT EXISTS inquiries_next_due
    ON inquiries (next_due) WHERE next_due IS NOT NULL;

-- The outbox: events committed in the same statement as the state they come from.
CREATE TABLE IF NOT EXISTS inquiry_outbox (
    position   BIGSERIAL PRIMARY KEY,
    inquiry_id TEXT NOT NULL,
    sequence   BIGINT NOT NULL,
    event      JSONB NOT NULL,
    UNIQUE (inquiry_id, sequence)
);
