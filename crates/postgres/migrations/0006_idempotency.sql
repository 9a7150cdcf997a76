-- inquiry-lifecycle: what keyed requests (Idempotency-Key) answered. Idempotent; applied by
-- PostgresStore::migrate after 0004. Services before 0.2 created this same table at start
-- outside the migrations; CREATE ... IF NOT EXISTS leaves theirs as it is.
--
-- A row is taken by a request (status NULL) and gets its answer in the same statement as
-- the change the request made (PostgresStore::save), so a process that dies after the
-- commit leaves the answer behind. taken_at is on the database's clock: a row whose
-- request died unanswered is free again after Options::key_abandoned_after.
CREATE TABLE IF NOT EXISTS inquiry_idempotency (
    client      BYTEA NOT NULL,       -- SHA-256 of the API key: never the key itself
    key         TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,       -- SHA-256 of the request (method, path, body)
    created_at  TIMESTAMPTZ NOT NULL, -- the service's now when the key was taken
    taken_at    TIMESTAMPTZ NOT NULL, -- the database's clock when the key was taken
    status      INTEGER,              -- NULL while the request runs
    document    TEXT,                 -- the kept answer's body
    code        TEXT,                 -- the refusal's code, NULL for a success
    PRIMARY KEY (client, key)
);
CREATE INDEX IF NOT EXISTS inquiry_idempotency_created ON inquiry_idempotency (created_at);
