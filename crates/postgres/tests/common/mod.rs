//! Shared helpers: a server from `INQUIRY_PG_URL`, and a schema of each test's own.
#![allow(dead_code)]

use inquiry_lifecycle_postgres::{Options, PostgresStore};

pub const NEEDS: &str =
    "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)";

pub fn url() -> String {
    std::env::var("INQUIRY_PG_URL").expect(NEEDS)
}

/// A schema name of this test process's own, so that parallel runs never share one.
pub fn own(name: &str) -> String {
    format!("{name}_{}", std::process::id())
}

/// A store on a schema of its own, emptied first, migrated.
pub async fn fresh(schema: &str) -> PostgresStore {
    let store = empty(schema).await;
    store.migrate().await.unwrap();
    store
}

/// A store on a schema of its own, emptied first, with no table yet (not migrated).
pub async fn empty(schema: &str) -> PostgresStore {
    let schema = &own(schema);
    raw_on(&url())
        .await
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap();
    connect_to(schema).await
}

/// A connection whose search path is `schema` (already made this process's own).
pub async fn connect_to(schema: &str) -> PostgresStore {
    connect_with(schema, Options::default()).await
}

/// As `connect_to`, with these options.
pub async fn connect_with(schema: &str, options: Options) -> PostgresStore {
    PostgresStore::connect_with(
        &format!("{} options='-c search_path={schema}'", url()),
        options,
    )
    .await
    .unwrap()
}

/// A plain connection (not the store's) whose search path is the test's `schema`, for
/// statements the store does not make: planting broken rows, reading columns, locking.
pub async fn raw(schema: &str) -> tokio_postgres::Client {
    raw_on(&format!(
        "{} options='-c search_path={}'",
        url(),
        own(schema)
    ))
    .await
}

async fn raw_on(config: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(config, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}
