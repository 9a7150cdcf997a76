//! The PostgreSQL store keeps mirrors (feature `mirror`) as the mirror store suite
//! requires, against a real server; ignored without one, as the other PostgreSQL tests.

#![cfg(feature = "mirror")]

use std::sync::Arc;

use inquiry_lifecycle_mirror::{suite, Mirror, MirrorStore};
use inquiry_lifecycle_store::StoreError;

mod common;

use common::fresh;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn postgres_store_passes_the_mirror_store_suite() {
    suite::insert_and_load(&fresh("mirror_insert").await)
        .await
        .unwrap();
    suite::compare_and_swap(&fresh("mirror_cas").await)
        .await
        .unwrap();
    suite::listing(&fresh("mirror_listing").await)
        .await
        .unwrap();
    suite::concurrent_receivers(Arc::new(fresh("mirror_concurrent").await), 8)
        .await
        .unwrap();
}

/// A row whose record disagrees with its columns, or is not a mirror record, loads as
/// `Corrupt`, naming the inquiry; the columns an operator queries follow the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_corrupt_mirror_row_is_reported_and_the_columns_follow_the_record() {
    let store = fresh("mirror_corrupt").await;
    let documents = suite::history(9).unwrap();
    let inquiry = inquiry_lifecycle_mirror::inquiry_of(&documents[0]);
    let mut mirror = Mirror::new(inquiry);
    let _ = mirror.apply(documents.last().unwrap());
    let _ = mirror.apply(&documents[0]);
    store.insert_mirror(&mirror).await.unwrap();
    let client = common::raw("mirror_corrupt").await;
    let row = client
        .query_one(
            "SELECT revision, status, needs_reconcile FROM inquiry_mirrors WHERE id = $1",
            &[&inquiry.to_string()],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 2);
    assert_eq!(
        row.get::<_, Option<String>>(1).as_deref(),
        mirror.status().map(|s| s.as_str())
    );
    assert!(!row.get::<_, bool>(2));
    for (sql, says) in [
        (
            "UPDATE inquiry_mirrors SET revision = 7 WHERE id = $1",
            "revision column (7)",
        ),
        (
            "UPDATE inquiry_mirrors SET revision = 2, record = '{\"format\": 1}' WHERE id = $1",
            "not a mirror record",
        ),
    ] {
        client.execute(sql, &[&inquiry.to_string()]).await.unwrap();
        match store.load_mirror(inquiry).await {
            Err(StoreError::Corrupt { id, error }) => {
                assert_eq!(id, inquiry);
                assert!(error.to_string().contains(says), "{error}");
            }
            other => panic!("{sql}: {other:?}"),
        }
    }
}
