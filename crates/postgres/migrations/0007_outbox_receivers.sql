-- inquiry-lifecycle: the receivers that took each event already (Outgoing::delivered_to).
-- Idempotent; applied by PostgresStore::migrate after 0006. fail_outbox adds to it and a
-- redrive keeps it, so that a publisher retries an event only to the receivers that have
-- not answered yet, in any process and after any restart. Rows of earlier versions start
-- with none.
ALTER TABLE inquiry_outbox ADD COLUMN IF NOT EXISTS delivered_to TEXT[] NOT NULL DEFAULT '{}';
