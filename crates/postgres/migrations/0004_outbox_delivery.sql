-- inquiry-lifecycle: what a publisher needs to deliver the outbox (webhooks). Idempotent;
-- applied by PostgresStore::migrate after 0003.
--
-- payload: what the service rendered for the event when it committed the change (its
-- webhook document), kept as given and never read by the store; NULL when it rendered none.
-- attempts, first_attempted_at: failed delivery attempts so far (fail_outbox).
-- parked: the last attempt failed for good; never claimed until redriven.
ALTER TABLE inquiry_outbox ADD COLUMN IF NOT EXISTS payload TEXT;
ALTER TABLE inquiry_outbox ADD COLUMN IF NOT EXISTS attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inquiry_outbox ADD COLUMN IF NOT EXISTS first_attempted_at TIMESTAMPTZ;
ALTER TABLE inquiry_outbox ADD COLUMN IF NOT EXISTS parked BOOLEAN NOT NULL DEFAULT false;

-- What parked_outbox lists: few rows, however long the outbox.
CREATE INDEX IF NOT EXISTS inquiry_outbox_parked ON inquiry_outbox (position) WHERE parked;
