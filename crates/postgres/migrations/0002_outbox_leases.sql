-- inquiry-lifecycle: the outbox delivers at least once. Idempotent; applied by
-- PostgresStore::migrate after 0001. A claimed event is leased to one publisher until
-- leased_until; it leaves the outbox only when acknowledged.
ALTER TABLE inquiry_outbox ADD COLUMN IF NOT EXISTS leased_until TIMESTAMPTZ;
