//! The PostgreSQL store passes the store conformance suite against a real server.
//!
//! These tests need a server: they are ignored unless run with `--ignored` and
//! `INQUIRY_PG_URL` set, e.g.
//! `export INQUIRY_PG_URL="$(bash .ci/postgres.sh)"; cargo test -p inquiry-lifecycle-postgres -- --ignored`
//! (`.ci/run` does exactly that).

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Inquiry, InquiryId, Policy, SeededRandom};
use inquiry_lifecycle_postgres::Options;
use inquiry_lifecycle_store::{suite, InquiryStore, Outbox, Outgoing};

mod common;

use common::{connect_to, connect_with, fresh, own};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn postgres_store_passes_the_conformance_suite() {
    suite::insert_and_load(&fresh("suite_insert").await)
        .await
        .unwrap();
    suite::compare_and_swap(&fresh("suite_cas").await)
        .await
        .unwrap();
    suite::a_change_without_events_is_saved(&fresh("suite_quiet").await)
        .await
        .unwrap();
    suite::no_lost_update(Arc::new(fresh("suite_lost").await), 4, 40)
        .await
        .unwrap();
    suite::due_listing(&fresh("suite_due").await).await.unwrap();
    suite::publisher_dies_and_the_next_delivers(&fresh("suite_dies").await)
        .await
        .unwrap();
    suite::publishers_never_share_an_event(Arc::new(fresh("suite_share").await))
        .await
        .unwrap();
    suite::payloads_and_failed_deliveries(&fresh("suite_delivery").await)
        .await
        .unwrap();
    suite::parked_events_page(&fresh("suite_parked").await)
        .await
        .unwrap();
    suite::receivers_are_remembered(&fresh("suite_receivers").await)
        .await
        .unwrap();
    suite::idempotency_keys(&fresh("suite_keys").await)
        .await
        .unwrap();
    suite::a_keyed_answer_commits_with_its_change(&fresh("suite_keyed").await)
        .await
        .unwrap();
    suite::a_lost_answer_is_replayed_never_applied_twice(&fresh("suite_lost_answer").await)
        .await
        .unwrap();
    // Migrations are idempotent.
    fresh("suite_due").await.migrate().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn postgres_store_reports_a_corrupt_record() {
    let store = fresh("corrupt").await;
    let id = InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    common::raw("corrupt")
        .await
        .execute(
            "INSERT INTO inquiries (id, revision, status, record) VALUES ($1, 1, 'approved', $2)",
            &[
                &id.to_string(),
                &serde_json::json!({ "id": id.to_string(), "status": "approved" }),
            ],
        )
        .await
        .unwrap();
    suite::check_corrupt_record(&store, id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn postgres_workers_claim_disjoint_due_inquiries() {
    let store = fresh("claims").await;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut random = SeededRandom::new(9);
    for minute in 0..40 {
        let (inquiry, events) = Inquiry::create(
            &Policy::default(),
            t0 + TimeDelta::minutes(minute),
            &mut random,
        )
        .unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
    }
    let now = t0 + TimeDelta::days(2);
    let schema = own("claims");
    let mut short = Options::default();
    short.claim = std::time::Duration::from_secs(1);
    let (a, b) = (
        connect_with(&schema, short).await,
        connect_with(&schema, short).await,
    );
    let (first, second) = tokio::join!(a.claim_due(now, 25), b.claim_due(now, 25));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.len() + second.len(),
        40,
        "every due inquiry is claimed once"
    );
    assert!(
        first.iter().all(|id| !second.contains(id)),
        "no inquiry is claimed twice"
    );
    assert!(
        store.claim_due(now, 25).await.unwrap().is_empty(),
        "claims hold"
    );
    // Claims run on the database's clock: a worker whose clock is a day fast cannot take
    // another's claimed work (the audit: 60 s fast was enough).
    assert!(
        store
            .claim_due(now + TimeDelta::days(1), 25)
            .await
            .unwrap()
            .is_empty(),
        "claims hold whatever the caller's clock says"
    );
    // Within a claim, the ids come earliest first.
    let due = store.due(now, 100).await.unwrap();
    let mut order = first.clone();
    order.sort_by_key(|id| due.iter().position(|d| d == id));
    assert_eq!(order, first);
    // An expired claim can be taken again (the claims above last one second).
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let later = now + TimeDelta::minutes(1);
    let events = inquiry_lifecycle_store::sweep(&store, later, 100)
        .await
        .unwrap()
        .events;
    assert_eq!(
        events.len(),
        40,
        "every claim expired, and the sweep expired them all"
    );
    assert!(matches!(store.load(first[0]).await, Ok(Some(_))));
    let missing = InquiryId::parse("inq_ZZZZZZZZZZZZZZZZZZZZZZZZ").unwrap();
    assert!(matches!(store.load(missing).await, Ok(None)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn postgres_due_instants_are_rounded_up_to_the_microsecond() {
    let store = fresh("micros").await;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut random = SeededRandom::new(3);
    for (nanos, stored_micros) in [(1_500i64, 2i64), (2_000, 2), (999, 1)] {
        let created = t0 + TimeDelta::nanoseconds(nanos);
        let (inquiry, events) = Inquiry::create(&Policy::default(), created, &mut random).unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
        let row = common::raw("micros")
            .await
            .query_one(
                "SELECT next_due FROM inquiries WHERE id = $1",
                &[&inquiry.id().to_string()],
            )
            .await
            .unwrap();
        let next_due: chrono::DateTime<Utc> = row.get(0);
        let expected = t0 + TimeDelta::hours(24) + TimeDelta::microseconds(stored_micros);
        assert_eq!(next_due, expected, "created {nanos} ns after t0");
        // Never listed before it is due.
        let just_before = inquiry.next_due().unwrap() - TimeDelta::nanoseconds(1);
        assert!(!store
            .due(just_before, 10)
            .await
            .unwrap()
            .contains(&inquiry.id()));
    }
}

/// At least once across processes: a publisher on its own connection claims events and
/// dies (its connection closes) before acknowledging; a second publisher on another
/// connection gets nothing during the lease, then exactly those events, with the same ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn postgres_publisher_that_dies_after_claiming_leaves_its_events_to_the_next() {
    let store = fresh("dies").await;
    let schema = own("dies");
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let lease = TimeDelta::seconds(30);
    let mut random = SeededRandom::new(11);
    let mut committed = Vec::new();
    for _ in 0..5 {
        let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
        committed.extend(events.iter().map(|e| e.id()));
    }
    let dying = connect_to(&schema).await;
    let claimed = dying.claim_outbox(t0, lease, 3).await.unwrap();
    assert_eq!(
        claimed.iter().map(|e| e.event.id()).collect::<Vec<_>>(),
        committed[..3]
    );
    drop(dying); // the publisher dies: its connection closes, nothing acknowledged

    let next = connect_to(&schema).await;
    let during = next
        .claim_outbox(t0 + lease - TimeDelta::seconds(1), lease, 10)
        .await
        .unwrap();
    assert_eq!(
        during.iter().map(|e| e.event.id()).collect::<Vec<_>>(),
        committed[3..],
        "during the lease only the unclaimed events are handed out"
    );
    next.ack_outbox(&during).await.unwrap();
    let redelivered = next.claim_outbox(t0 + lease, lease, 10).await.unwrap();
    assert_eq!(
        redelivered.iter().map(|e| e.event.id()).collect::<Vec<_>>(),
        committed[..3],
        "after the lease the dead publisher's events come to the next one"
    );
    next.ack_outbox(&redelivered).await.unwrap();
    let left: i64 = common::raw("dies")
        .await
        .query_one("SELECT count(*) FROM inquiry_outbox", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "acknowledged events leave the outbox");
}

/// A key whose request died before answering (its row taken, never answered) is free again
/// once `key_abandoned_after` has passed on the database's clock, for the same request only;
/// before then a retry is told the request is running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn an_abandoned_key_is_free_again_after_its_hold() {
    use inquiry_lifecycle_store::{IdempotencyKey, IdempotencyStore, KeyClaim};
    fresh("abandoned").await;
    let mut options = Options::default();
    options.key_abandoned_after = std::time::Duration::from_millis(300);
    let store = connect_with(&own("abandoned"), options).await;
    let key = IdempotencyKey {
        client: [1; 32],
        key: "dead-process".to_owned(),
    };
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        store.claim_key(&key, [1; 32], now).await.unwrap(),
        KeyClaim::Taken
    );
    assert_eq!(
        store.claim_key(&key, [1; 32], now).await.unwrap(),
        KeyClaim::Running
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        store.claim_key(&key, [2; 32], now).await.unwrap(),
        KeyClaim::Mismatch
    );
    assert_eq!(
        store.claim_key(&key, [1; 32], now).await.unwrap(),
        KeyClaim::Taken
    );
    assert_eq!(
        store.claim_key(&key, [1; 32], now).await.unwrap(),
        KeyClaim::Running
    );
}
