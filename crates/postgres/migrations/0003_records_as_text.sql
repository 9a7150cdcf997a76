-- inquiry-lifecycle: records and events kept as the JSON text the library wrote.
-- Idempotent; applied by PostgresStore::migrate after 0002.
--
-- The store never looks inside a record: status and the due instants are columns of their
-- own. JSONB made every save parse the record and sort its keys, and every load print it
-- back; `json` keeps the text as written and only checks that it is JSON (a load reads it
-- back unchanged, in the library's key order). Changing the type rewrites the tables, so
-- it is done only while a column is still JSONB: once.
DO $$
BEGIN
    IF (SELECT atttypid FROM pg_attribute
        WHERE attrelid = 'inquiries'::regclass AND attname = 'record') = 'jsonb'::regtype THEN
        ALTER TABLE inquiries ALTER COLUMN record TYPE json USING record::json;
    END IF;
    IF (SELECT atttypid FROM pg_attribute
        WHERE attrelid = 'inquiry_outbox'::regclass AND attname = 'event') = 'jsonb'::regtype THEN
        ALTER TABLE inquiry_outbox ALTER COLUMN event TYPE json USING event::json;
    END IF;
END
$$;

-- A record with 25 sessions is about 7 KB, past PostgreSQL's default 2 KB threshold, so
-- every save compressed it (pglz) and every load decompressed it. With the threshold at
-- its largest, a row that fits a page is stored inline as it is.
ALTER TABLE inquiries SET (toast_tuple_target = 8160);
