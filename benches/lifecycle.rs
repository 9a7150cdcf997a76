//! Each operation against the floor of the work it must do, measured in the same run.
//!
//! `cargo bench --bench lifecycle`; medians and ratios are in `docs/BENCHMARKS.md`.
//! Operations that change an inquiry run on a fresh clone each time (`iter_batched_ref`):
//! the clone and its drop are not timed, as a service keeps the inquiry it acts on. The
//! instant `now` is computed once, outside the timed code: it is an input, not the work.

use std::hint::black_box;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use inquiry_lifecycle::{Inquiry, LinkCode, Policy, SecureRandom, SessionId, SessionToken, Status};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Inputs cloned per timed batch. Criterion's `SmallInput` makes batches of thousands, and
/// with every output kept until the batch ends, each batch runs on freshly mapped memory:
/// the timed routine then pays the kernel's page faults (a profile showed about 40% of the
/// time of `start` in them), which a service reusing freed memory never does. Batches of 64
/// stay within the allocator's reused memory; timing overhead is below 1 ns per iteration.
const BATCH: BatchSize = BatchSize::NumIterations(64);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

/// A pending inquiry whose `sessions` sessions are all active (each used before the next
/// resume, so that none is reused: S4b); returns their tokens' text.
fn with_sessions(sessions: usize, random: &mut SecureRandom) -> (Inquiry, Vec<String>) {
    let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0(), random).unwrap();
    let mut tokens = Vec::new();
    for i in 0..sessions {
        let opened = if i == 0 {
            inquiry.start(minutes(1), random).unwrap()
        } else {
            inquiry.resume(minutes(1), random).unwrap()
        };
        let _ = inquiry.access(Some(&opened.token), minutes(1)).unwrap();
        tokens.push(opened.token.expose_secret().to_string());
    }
    (inquiry, tokens)
}

/// The bare decision a transition must at least make.
fn bare_transition(status: Status) -> Option<Status> {
    match status {
        Status::Pending => Some(Status::Completed),
        Status::Created
        | Status::Expired
        | Status::Completed
        | Status::Failed
        | Status::NeedsReview => Some(Status::Approved),
        Status::Approved | Status::Declined => None,
    }
}

fn transitions(c: &mut Criterion) {
    let mut random = SecureRandom::from_os().unwrap();
    let now = minutes(2);
    let (pending, _) = with_sessions(1, &mut random);
    let (created, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let mut group = c.benchmark_group("transition");
    group.bench_function("floor: bare match on the status", |b| {
        b.iter(|| bare_transition(black_box(Status::Pending)))
    });
    group.bench_function("complete (pending, 1 session)", |b| {
        b.iter_batched_ref(
            || pending.clone(),
            |inquiry| inquiry.complete(black_box(now)),
            BATCH,
        )
    });
    group.bench_function("approve (created)", |b| {
        b.iter_batched_ref(
            || created.clone(),
            |inquiry| inquiry.approve(black_box(now)),
            BATCH,
        )
    });
    group.finish();
}

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A session record as plain data: what start must keep (S1, S2, S5).
struct PlainRecord {
    _id: [u8; 24],
    _digest: [u8; 32],
    _created_at: DateTime<Utc>,
    _ends_at: DateTime<Utc>,
    _unused_until: DateTime<Utc>,
    _first_used_at: Option<DateTime<Utc>>,
    _expired_at: Option<DateTime<Utc>>,
}

/// An event as plain data, the size of the library's.
struct PlainEvent {
    _name: u8,
    _inquiry_id: [u8; 24],
    _at: DateTime<Utc>,
    _status_before: Option<u8>,
    _status_after: u8,
    _session_id: Option<[u8; 24]>,
    _sequence: u64,
}

/// The work start cannot skip, done by hand with no rule checked: the token floor, a
/// session id (24 more random bytes, each taken modulo 62: slightly biased, so cheaper
/// than a correct draw), the new deadline and the session's unused-until (two calendar
/// additions), two events in a fresh `Vec`, and the session record pushed on a list.
fn plain_start(
    records: &mut Vec<PlainRecord>,
    rng: &mut ChaCha20Rng,
    now: DateTime<Utc>,
) -> (String, Vec<PlainEvent>) {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let text = URL_SAFE_NO_PAD.encode(bytes);
    let mut id = [0u8; 24];
    rng.fill_bytes(&mut id);
    for byte in &mut id {
        *byte = ALPHABET[usize::from(*byte % 62)];
    }
    let deadline = now + TimeDelta::hours(24);
    let unused_until = now + TimeDelta::minutes(10);
    let event = |name, session_id| PlainEvent {
        _name: name,
        _inquiry_id: id,
        _at: now,
        _status_before: Some(0),
        _status_after: 1,
        _session_id: session_id,
        _sequence: 2,
    };
    let events = vec![event(1, None), event(2, Some(id))];
    records.push(PlainRecord {
        _id: id,
        _digest: digest,
        _created_at: now,
        _ends_at: deadline,
        _unused_until: unused_until,
        _first_used_at: None,
        _expired_at: None,
    });
    (text, events)
}

fn issuance(c: &mut Criterion) {
    let mut random = SecureRandom::from_os().unwrap();
    let (created, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let (pending, _) = with_sessions(1, &mut random);
    let mut floor_rng = ChaCha20Rng::from_os_rng();
    let now = minutes(2);
    let session = SessionId::generate(&mut random);
    let mut group = c.benchmark_group("issue token");
    group.bench_function("floor: 32 bytes ChaCha20 + SHA-256 + base64url", |b| {
        b.iter(|| {
            let mut bytes = [0u8; 32];
            floor_rng.fill_bytes(&mut bytes);
            let digest: [u8; 32] = Sha256::digest(bytes).into();
            (URL_SAFE_NO_PAD.encode(bytes), digest)
        })
    });
    group.bench_function(
        "token issuance as start does it (generate + digest + text)",
        |b| {
            b.iter(|| {
                let token = SessionToken::generate(session, &mut random);
                (token.expose_secret(), token.digest())
            })
        },
    );
    group.bench_function(
        "floor + start's other work by hand (session id, 2 additions, 2 events, 1 record)",
        |b| {
            b.iter_batched_ref(
                Vec::<PlainRecord>::new,
                |records| plain_start(records, &mut floor_rng, black_box(now)),
                BATCH,
            )
        },
    );
    group.bench_function("start (token text handed out)", |b| {
        b.iter_batched_ref(
            || created.clone(),
            |inquiry| {
                let opened = inquiry.start(black_box(now), &mut random).unwrap();
                (opened.token.expose_secret(), opened.events)
            },
            BATCH,
        )
    });
    group.bench_function("resume (token text handed out)", |b| {
        b.iter_batched_ref(
            || pending.clone(),
            |inquiry| {
                let opened = inquiry.resume(black_box(now), &mut random).unwrap();
                (opened.token.expose_secret(), opened.events)
            },
            BATCH,
        )
    });
    group.finish();
}

/// The floor of checking a presented secret (S2, revision 2): decode the verifier, hash it,
/// compare the digest once in constant time with the one stored for its session.
fn check_floor(verifier: &str, stored: &[u8; 32]) -> bool {
    let mut bytes = [0u8; 32];
    URL_SAFE_NO_PAD
        .decode_slice(black_box(verifier), &mut bytes)
        .unwrap();
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    bool::from(stored.ct_eq(&digest))
}

fn access(c: &mut Criterion) {
    let mut random = SecureRandom::from_os().unwrap();
    let mut group = c.benchmark_group("access with token");
    let now = minutes(2);
    for sessions in [1usize, 25] {
        let (mut inquiry, tokens) = with_sessions(sessions, &mut random);
        let text = tokens.last().unwrap().clone();
        let verifier = text.split_once('.').unwrap().1.to_owned();
        let stored: [u8; 32] = Sha256::digest(URL_SAFE_NO_PAD.decode(&verifier).unwrap()).into();
        if sessions == 1 {
            group.bench_function("floor: decode + SHA-256 + 1 ct compare", |b| {
                b.iter(|| check_floor(&verifier, &stored))
            });
        }
        group.bench_function(format!("parse + access, {sessions} live sessions"), |b| {
            b.iter(|| {
                let token = SessionToken::parse(black_box(&text)).unwrap();
                inquiry
                    .access(Some(&token), black_box(now))
                    .map(|granted| granted.session_id)
            })
        });
    }
    group.finish();
}

fn links(c: &mut Criterion) {
    let mut random = SecureRandom::from_os().unwrap();
    let mut floor_rng = ChaCha20Rng::from_os_rng();
    let now = minutes(2);
    let (created, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let mut linked = created.clone();
    let code = linked
        .link(minutes(1), &mut random)
        .unwrap()
        .code
        .expose_secret()
        .to_string();
    let verifier = code.split_once('.').unwrap().1.to_owned();
    let stored: [u8; 32] = Sha256::digest(URL_SAFE_NO_PAD.decode(&verifier).unwrap()).into();
    let mut group = c.benchmark_group("one-time link");
    let mut issue_floor = move || {
        let mut bytes = [0u8; 32];
        floor_rng.fill_bytes(&mut bytes);
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        (URL_SAFE_NO_PAD.encode(bytes), digest)
    };
    group.bench_function(
        "floor: issue a secret (32 bytes ChaCha20 + SHA-256 + base64url)",
        |b| b.iter(&mut issue_floor),
    );
    group.bench_function("link (code text handed out)", |b| {
        b.iter_batched_ref(
            || created.clone(),
            |inquiry| {
                let linked = inquiry.link(black_box(now), &mut random).unwrap();
                (linked.code.expose_secret(), linked.events)
            },
            BATCH,
        )
    });
    group.bench_function(
        "floor: check a code, then issue a secret (decode + SHA-256 + 1 compare, issue)",
        |b| b.iter(|| (check_floor(&verifier, &stored), issue_floor())),
    );
    group.bench_function("parse + redeem, first (token text handed out)", |b| {
        b.iter_batched_ref(
            || linked.clone(),
            |inquiry| {
                let code = LinkCode::parse(black_box(&code)).unwrap();
                let opened = inquiry.redeem(&code, black_box(now), &mut random).unwrap();
                (opened.token.expose_secret(), opened.events)
            },
            BATCH,
        )
    });
    group.finish();
}

/// The same fields as an inquiry, as plain serde types, with no validation.
#[derive(Serialize, Deserialize)]
struct PlainInquiry {
    id: String,
    status: String,
    intervals: PlainIntervals,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    resumed_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    reviewed_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    redacted_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    revision: u64,
    last_sequence: u64,
    sessions: Vec<PlainSession>,
}

#[derive(Serialize, Deserialize)]
struct PlainIntervals {
    expire_after_create: String,
    expire_after_start: String,
    expire_after_resume: String,
    session_token_ttl: String,
    one_time_link_ttl: String,
}

#[derive(Serialize, Deserialize)]
struct PlainSession {
    id: String,
    bearer: String,
    token_digest: String,
    created_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    unused_until: DateTime<Utc>,
    first_used_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
}

fn serde(c: &mut Criterion) {
    let mut random = SecureRandom::from_os().unwrap();
    let mut group = c.benchmark_group("serde");
    for sessions in [1usize, 25] {
        let (inquiry, _) = with_sessions(sessions, &mut random);
        let text = serde_json::to_string(&inquiry).unwrap();
        let plain: PlainInquiry = serde_json::from_str(&text).unwrap();
        group.bench_function(
            format!("floor: serialize plain struct, {sessions} sessions"),
            |b| b.iter(|| serde_json::to_string(black_box(&plain)).unwrap()),
        );
        group.bench_function(format!("serialize inquiry, {sessions} sessions"), |b| {
            b.iter(|| serde_json::to_string(black_box(&inquiry)).unwrap())
        });
        group.bench_function(
            format!("floor: deserialize plain struct, {sessions} sessions"),
            |b| b.iter(|| serde_json::from_str::<PlainInquiry>(black_box(&text)).unwrap()),
        );
        group.bench_function(
            format!("deserialize + validate inquiry, {sessions} sessions"),
            |b| b.iter(|| serde_json::from_str::<Inquiry>(black_box(&text)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, transitions, issuance, access, links, serde);
criterion_main!(benches);
