//! The PostgreSQL store as an operator runs it: claims at the ends of time, errors that
//! keep their cause, tampered columns, a stalled server (restarts: `tests/restart.rs`).
//!
//! Ignored unless run with `--ignored` and `INQUIRY_PG_URL` set (`.ci/run` does).

use std::error::Error as _;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Inquiry, InquiryId, Policy, SeededRandom};
use inquiry_lifecycle_postgres::{Options, PostgresStore};
use inquiry_lifecycle_store::{act, suite, ActError, InquiryStore, Outbox, Outgoing, StoreError};

mod common;

use common::{connect_with, fresh, own};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

async fn seeded(store: &impl InquiryStore, n: usize, seed: u64) -> Vec<InquiryId> {
    let mut random = SeededRandom::new(seed);
    let mut ids = Vec::new();
    for _ in 0..n {
        let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
        ids.push(inquiry.id());
    }
    ids
}

/// The audit: `claim_due` at `MAX_UTC - 1s` panicked (`now + CLAIM` overflowed). Any instant
/// now answers, the due inquiries among them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn claims_and_leases_at_the_ends_of_time_answer() {
    let store = fresh("end_of_time").await;
    let ids = seeded(&store, 3, 1).await;
    let end = DateTime::<Utc>::MAX_UTC - TimeDelta::seconds(1);
    let claimed = store.claim_due(end, 10).await.unwrap();
    assert_eq!(
        claimed.len(),
        ids.len(),
        "every inquiry is due at the end of time"
    );
    assert_eq!(
        store.due(DateTime::<Utc>::MAX_UTC, 10).await.unwrap().len(),
        3
    );
    assert!(store
        .due(DateTime::<Utc>::MIN_UTC, 10)
        .await
        .unwrap()
        .is_empty());
    let leased = store
        .claim_outbox(DateTime::<Utc>::MAX_UTC, TimeDelta::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(leased.len(), 3);
}

/// Errors keep their cause: the database's own message and SQLSTATE, not "db error".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn errors_keep_the_databases_message_and_their_source_chain() {
    let store = fresh("causes").await;
    common::raw("causes")
        .await
        .batch_execute("DROP TABLE inquiries CASCADE")
        .await
        .unwrap();
    let id = InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    let error = store.load(id).await.unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("relation \"inquiries\" does not exist (SQLSTATE 42P01)"),
        "{text}"
    );
    // The chain goes down to tokio-postgres's error and the database's.
    let mut depth = 0;
    let mut source = error.source();
    while let Some(next) = source {
        depth += 1;
        source = next.source();
    }
    assert!(depth >= 2, "source chain of {depth}: {error:?}");
}

/// The audit: a tampered `revision` column answered "gave up after 5 conflicting attempts".
/// A row whose columns disagree with its record is `Corrupt`, on load and through `act`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_tampered_column_is_reported_as_corrupt() {
    let store = fresh("tampered").await;
    let ids = seeded(&store, 2, 2).await;
    let client = common::raw("tampered").await;
    client
        .execute(
            "UPDATE inquiries SET revision = 7 WHERE id = $1",
            &[&ids[0].to_string()],
        )
        .await
        .unwrap();
    client
        .execute(
            "UPDATE inquiries SET status = 'approved' WHERE id = $1",
            &[&ids[1].to_string()],
        )
        .await
        .unwrap();
    drop(client);
    suite::check_corrupt_record(&store, ids[0]).await.unwrap();
    suite::check_corrupt_record(&store, ids[1]).await.unwrap();
    let acted = act(&store, ids[0], 5, |inquiry| inquiry.expire(t0())).await;
    match acted {
        Err(ActError::Store(StoreError::Corrupt { error, .. })) => {
            assert!(error.to_string().contains("revision column (7)"), "{error}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// A stalled server (here: a table locked by another session) blocks a call for no longer
/// than the call timeout; the call answers `Unavailable`, and the store works again once
/// the stall is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_stalled_call_times_out_as_unavailable_and_the_store_recovers() {
    let store = fresh("stall").await;
    let ids = seeded(&store, 1, 3).await;
    let mut quick = Options::default();
    quick.call_timeout = Duration::from_millis(500);
    let impatient = connect_with(&own("stall"), quick).await;
    let mut blocker = common::raw("stall").await;
    let lock = blocker.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE inquiries IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = impatient.load(ids[0]).await.unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert!(
        error.to_string().contains("did not answer within 500ms"),
        "{error}"
    );
    assert!(waited < Duration::from_secs(3), "blocked for {waited:?}");
    lock.rollback().await.unwrap();
    drop(blocker);
    assert!(impatient.load(ids[0]).await.unwrap().is_some());
}

/// A database made by version 0.1 (migrations 0001 and 0002: records and events as JSONB)
/// upgrades in place: its records load and act, its undelivered events are delivered, and
/// migrating again leaves the tables alone (no second rewrite, which would lock them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_database_of_version_0_1_upgrades_in_place() {
    let store = common::empty("upgrade").await;
    let client = common::raw("upgrade").await;
    for migration in &inquiry_lifecycle_postgres::MIGRATIONS[..2] {
        client.batch_execute(migration).await.unwrap();
    }
    // Written as 0.1 wrote them: the record and each event as JSONB.
    let mut random = SeededRandom::new(21);
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    client
        .execute(
            "INSERT INTO inquiries (id, revision, status, deadline, next_due, record)
             VALUES ($1, 1, 'created', $2, $2, $3)",
            &[
                &inquiry.id().to_string(),
                &inquiry.deadline(),
                &serde_json::to_value(&inquiry).unwrap(),
            ],
        )
        .await
        .unwrap();
    for event in events.iter() {
        client
            .execute(
                "INSERT INTO inquiry_outbox (inquiry_id, sequence, event) VALUES ($1, $2, $3)",
                &[
                    &inquiry.id().to_string(),
                    &i64::try_from(event.sequence).unwrap(),
                    &serde_json::to_value(event).unwrap(),
                ],
            )
            .await
            .unwrap();
    }

    store.migrate().await.unwrap();
    let types: Vec<String> = client
        .query(
            "SELECT format_type(atttypid, NULL) FROM pg_attribute
             WHERE (attrelid, attname) IN (('inquiries'::regclass, 'record'),
                                           ('inquiry_outbox'::regclass, 'event'))",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(types, ["json", "json"]);
    assert_eq!(
        store.load(inquiry.id()).await.unwrap(),
        Some(inquiry.clone())
    );
    let delivered = store
        .claim_outbox(t0(), TimeDelta::seconds(30), 10)
        .await
        .unwrap();
    let delivered: Vec<_> = delivered.into_iter().map(|o| o.event).collect();
    assert_eq!(delivered, events.to_vec());
    let acted = act(&store, inquiry.id(), 3, |inquiry| {
        inquiry.approve(t0() + TimeDelta::hours(1))
    })
    .await
    .unwrap();
    assert_eq!(acted.inquiry.revision(), 2);

    let files = "SELECT pg_relation_filenode('inquiries'), pg_relation_filenode('inquiry_outbox')";
    let before: (u32, u32) = {
        let row = client.query_one(files, &[]).await.unwrap();
        (row.get(0), row.get(1))
    };
    store.migrate().await.unwrap();
    let after: (u32, u32) = {
        let row = client.query_one(files, &[]).await.unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(before, after, "a second migration rewrote a table");
}

/// The audit: on PostgreSQL a corrupt row claimed first starved every other due inquiry of
/// its `inquiry.expired`, because the sweep stopped at the first bad record. Now the bad row
/// is set aside and reported, and the others expire in the same sweep.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_corrupt_row_due_first_is_set_aside_and_the_rest_expire() {
    let store = fresh("sweep_corrupt").await;
    let good = seeded(&store, 3, 31).await;
    let bad = InquiryId::parse("inq_BBBBBBBBBBBBBBBBBBBBBBBB").unwrap();
    // Due before every other, and not a record at all.
    common::raw("sweep_corrupt")
        .await
        .execute(
            "INSERT INTO inquiries (id, revision, status, next_due, record)
             VALUES ($1, 1, 'created', $2, '{\"id\": \"broken\"}')",
            &[&bad.to_string(), &(t0() - TimeDelta::days(1))],
        )
        .await
        .unwrap();
    let swept = inquiry_lifecycle_store::sweep(&store, t0() + TimeDelta::days(2), 100)
        .await
        .unwrap();
    let expired: Vec<InquiryId> = swept.events.iter().map(|e| e.inquiry_id).collect();
    assert_eq!(expired.len(), 3, "{expired:?}");
    assert!(good.iter().all(|id| expired.contains(id)));
    assert_eq!(swept.set_aside.len(), 1);
    assert_eq!(swept.set_aside[0].0, bad);
    assert!(
        matches!(
            swept.set_aside[0].1,
            ActError::Store(StoreError::Corrupt { .. })
        ),
        "{:?}",
        swept.set_aside[0].1
    );
}

/// A database of the previous version (migrations 0001–0005, and the idempotency table the
/// 0.1 service created at start, outside the migrations) upgrades in place: its outbox rows
/// (with a payload and a failed attempt) are claimed with no receivers recorded, its kept
/// answers still replay, a key its service left running is still running, and a keyed save
/// records its answer in the old table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_database_of_the_previous_schema_upgrades_in_place() {
    use inquiry_lifecycle_store::{
        act_keyed, IdempotencyKey, IdempotencyStore, KeptAnswer, KeyClaim,
    };
    let store = common::empty("previous").await;
    let client = common::raw("previous").await;
    for migration in &inquiry_lifecycle_postgres::MIGRATIONS[..4] {
        client.batch_execute(migration).await.unwrap();
    }
    client
        .batch_execute(inquiry_lifecycle_postgres::MIRROR_MIGRATION)
        .await
        .unwrap();
    // The table as the previous service created it at start, with a kept refusal and a
    // key whose request is still running.
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS inquiry_idempotency (
                client BYTEA NOT NULL, key TEXT NOT NULL, fingerprint BYTEA NOT NULL,
                created_at TIMESTAMPTZ NOT NULL, taken_at TIMESTAMPTZ NOT NULL,
                status INTEGER, document TEXT, code TEXT, PRIMARY KEY (client, key));
             CREATE INDEX IF NOT EXISTS inquiry_idempotency_created
                 ON inquiry_idempotency (created_at);",
        )
        .await
        .unwrap();
    let (kept, running) = (
        IdempotencyKey {
            client: [1; 32],
            key: "kept".to_owned(),
        },
        IdempotencyKey {
            client: [1; 32],
            key: "running".to_owned(),
        },
    );
    for (key, status, code) in [
        (&kept, Some(409), Some("not_resumable")),
        (&running, None, None),
    ] {
        client
            .execute(
                "INSERT INTO inquiry_idempotency
                     (client, key, fingerprint, created_at, taken_at, status, document, code)
                 VALUES ($1, $2, $3, $4, clock_timestamp(), $5, $6, $7)",
                &[
                    &key.client.as_slice(),
                    &key.key,
                    &[5u8; 32].as_slice(),
                    &t0(),
                    &status,
                    &status.map(|_| "an approved inquiry is decided"),
                    &code,
                ],
            )
            .await
            .unwrap();
    }
    let ids = seeded(&store, 1, 41).await;
    // One failed attempt, as the previous version recorded it (no receivers column).
    client
        .execute(
            "UPDATE inquiry_outbox SET attempts = 1, first_attempted_at = $1, payload = 'doc'",
            &[&t0()],
        )
        .await
        .unwrap();

    store.migrate().await.unwrap();
    let again = store
        .claim_outbox(t0(), TimeDelta::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].attempts, again[0].delivered_to.len()), (1, 0));
    assert_eq!(again[0].payload.as_deref(), Some("doc"));
    let replayed = store.claim_key(&kept, [5; 32], t0()).await.unwrap();
    assert_eq!(
        replayed,
        KeyClaim::Replay(KeptAnswer {
            status: 409,
            code: Some("not_resumable".to_owned()),
            body: "an approved inquiry is decided".to_owned(),
        })
    );
    assert_eq!(
        store.claim_key(&running, [5; 32], t0()).await.unwrap(),
        KeyClaim::Running
    );
    let fresh = IdempotencyKey {
        client: [2; 32],
        key: "after-upgrade".to_owned(),
    };
    assert_eq!(
        store.claim_key(&fresh, [6; 32], t0()).await.unwrap(),
        KeyClaim::Taken
    );
    let answer = |_: &Inquiry, _: &inquiry_lifecycle::Events| KeptAnswer {
        status: 200,
        code: None,
        body: "expired".to_owned(),
    };
    let acted = act_keyed(&store, ids[0], 3, None, &fresh, |i| i.expire(t0()), answer)
        .await
        .unwrap();
    assert_eq!(acted.inquiry.revision(), 2);
    assert!(matches!(
        store.claim_key(&fresh, [6; 32], t0()).await.unwrap(),
        KeyClaim::Replay(KeptAnswer { status: 200, .. })
    ));
}

/// A connection the server ends in the middle of a call (an administrator's
/// `pg_terminate_backend`, SQLSTATE 57P01, as in a shutdown or a failover) is
/// `Unavailable`, worth a retry, not a backend failure; the store then works on a new
/// connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn a_connection_ended_by_the_server_mid_call_is_unavailable() {
    let store = fresh("terminated").await;
    let ids = seeded(&store, 1, 5).await;
    let name = own("terminated_app");
    let watched = PostgresStore::connect_with(
        &format!(
            "{} application_name={name} options='-c search_path={}'",
            common::url(),
            own("terminated")
        ),
        Options::default(),
    )
    .await
    .unwrap();
    let mut blocker = common::raw("terminated").await;
    let lock = blocker.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE inquiries IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let id = ids[0];
    let watched = std::sync::Arc::new(watched);
    let call = tokio::spawn({
        let watched = std::sync::Arc::clone(&watched);
        async move { watched.load(id).await }
    });
    // Wait until the call waits on the lock, then end its connection from the server.
    let admin = common::raw("terminated").await;
    let mut ended = false;
    for _ in 0..100 {
        let rows = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&name],
            )
            .await
            .unwrap();
        if !rows.is_empty() {
            ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(ended, "the call never waited on the lock");
    let error = call.await.unwrap().unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    lock.rollback().await.unwrap();
    drop(blocker);
    assert!(
        watched.load(id).await.unwrap().is_some(),
        "a new connection serves"
    );
}
