//! A PostgreSQL store for [`inquiry_lifecycle`], for services that outgrow one process:
//! [`PostgresStore`] implements the three traits of `inquiry-lifecycle-store`
//! ([`InquiryStore`], [`Outbox`], [`IdempotencyStore`]).
//!
//! The schema is in `migrations/`, shipped with the crate and applied by
//! [`PostgresStore::migrate`]. Compare-and-swap, the outbox write and a keyed request's
//! answer are one statement;
//! [`claim_due`](InquiryStore::claim_due) lets several workers sweep at once without
//! processing an inquiry twice (`FOR UPDATE SKIP LOCKED` and a short claim measured on the
//! database's clock).
//!
//! Run as an operator would: connections come from a pool that checks each one before
//! handing it out and replaces broken ones, so the store heals itself after a server
//! restart; every call has a deadline ([`Options::call_timeout`]) and answers
//! [`StoreError::Unavailable`] when the server cannot be reached or does not answer in
//! time; every error keeps its cause (the database's own message and SQLSTATE).
//!
//! ```no_run
//! # async fn run() -> Result<(), inquiry_lifecycle_store::StoreError> {
//! use inquiry_lifecycle_postgres::PostgresStore;
//! let store = PostgresStore::connect("host=127.0.0.1 user=postgres dbname=postgres").await?;
//! store.migrate().await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

#[cfg(feature = "mirror")]
mod mirror;

use inquiry_lifecycle::{Error, Inquiry, InquiryId};
use inquiry_lifecycle_store::{
    IdempotencyKey, IdempotencyStore, InquiryStore, KeptAnswer, KeyClaim, Keyed, Outbox, Outgoing,
    StoreError, KEPT_FOR,
};

/// The schema's migrations, in the order [`PostgresStore::migrate`] applies them; each is
/// idempotent. The mirror's table (0005) is [`MIRROR_MIGRATION`], applied only with the
/// `mirror` feature.
pub const MIGRATIONS: [&str; 6] = [
    include_str!("../migrations/0001_inquiries.sql"),
    include_str!("../migrations/0002_outbox_leases.sql"),
    include_str!("../migrations/0003_records_as_text.sql"),
    include_str!("../migrations/0004_outbox_delivery.sql"),
    include_str!("../migrations/0006_idempotency.sql"),
    include_str!("../migrations/0007_outbox_receivers.sql"),
];

/// The mirrors' table (migration 0005), which [`PostgresStore::migrate`] applies after
/// [`MIGRATIONS`] when the `mirror` feature is on.
pub const MIRROR_MIGRATION: &str = include_str!("../migrations/0005_mirrors.sql");

/// How long a claim by [`claim_due`](InquiryStore::claim_due) keeps other workers off an
/// inquiry, on the database's clock.
pub const CLAIM: Duration = Duration::from_secs(30);

/// How the store connects and how long it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Connections kept at most.
    pub pool_size: usize,
    /// The longest a call may take, waiting for a connection included; past it the call
    /// answers [`StoreError::Unavailable`] and its connection is closed.
    pub call_timeout: Duration,
    /// The longest to wait for a new connection to be established.
    pub connect_timeout: Duration,
    /// How long a due-inquiry claim lasts, on the database's clock.
    pub claim: Duration,
    /// How long an idempotency key stays taken by a request that never answered (its
    /// process died) before another request with the key may take it, on the database's
    /// clock.
    pub key_abandoned_after: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pool_size: 16,
            call_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            claim: CLAIM,
            key_abandoned_after: Duration::from_secs(30),
        }
    }
}

/// What went wrong in PostgreSQL, kept as the source of a [`StoreError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The connection string could not be parsed.
    #[error("bad connection string: {0}")]
    Config(#[source] tokio_postgres::Error),
    /// No connection could be had from the pool (server down, refused, or too slow).
    #[error("no database connection: {0}")]
    Pool(#[source] PoolError),
    /// The call did not finish within the call timeout.
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    /// A statement failed; the message is the database's, with its SQLSTATE.
    #[error("{}", describe(.0))]
    Query(#[source] tokio_postgres::Error),
    /// An event in the outbox is not an event.
    #[error("an outbox row is not a readable event: {0}")]
    Event(#[source] serde_json::Error),
    /// A value could not be turned into JSON.
    #[error("cannot write JSON: {0}")]
    Json(#[source] serde_json::Error),
}

/// A statement error as the database said it: "timestamp out of range (SQLSTATE 22008)"
/// rather than tokio-postgres's bare "db error".
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!(
            "database error: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        ),
        None => format!("database error: {error}"),
    }
}

/// Whether a statement error means the server went away rather than refused the statement:
/// a closed connection, or SQLSTATE class 08 (connection exception) or 57 (operator
/// intervention: shutdown, crash, restart).
fn server_went_away(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.code() {
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57")
        }
        // No SQLSTATE: an I/O error on the socket.
        None => error.as_db_error().is_none(),
    }
}

fn query_error(error: tokio_postgres::Error) -> StoreError {
    if server_went_away(&error) {
        StoreError::Unavailable(Box::new(PgError::Query(error)))
    } else {
        StoreError::Backend(Box::new(PgError::Query(error)))
    }
}

fn json(error: serde_json::Error) -> StoreError {
    StoreError::Backend(Box::new(PgError::Json(error)))
}

/// `at`, moved into 1970-01-01 ..= 9999-12-31, which PostgreSQL stores and every stored
/// instant lies in (the library records nothing outside it): an instant beyond either end
/// means the same to every query as that end, and PostgreSQL refuses instants before 4713
/// BC or after 294276 AD.
fn storable(at: DateTime<Utc>) -> DateTime<Utc> {
    const LAST: DateTime<Utc> = match DateTime::from_timestamp(253_402_300_799, 999_999_000) {
        Some(at) => at,
        None => DateTime::<Utc>::MAX_UTC,
    };
    at.clamp(inquiry_lifecycle::EARLIEST_NOW, LAST)
}

/// The instant rounded up to the microsecond, PostgreSQL's precision: an inquiry is never
/// listed before it is due.
fn ceil_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    let extra = at.timestamp_subsec_nanos() % 1_000;
    if extra == 0 {
        return at;
    }
    at.checked_add_signed(TimeDelta::nanoseconds(i64::from(1_000 - extra)))
        .unwrap_or(at)
}

/// What a record's row holds besides its id and revision, and what goes with it: the
/// events for the outbox and a keyed request's answer. The record and the events go as JSON
/// text, written straight from the values (no `serde_json::Value` tree in between) and
/// stored as `json` (migration 0003).
struct Columns<'a> {
    status: &'static str,
    deadline: Option<DateTime<Utc>>,
    next_due: Option<DateTime<Utc>>,
    record: String,
    sequences: Vec<i64>,
    events: Vec<String>,
    payloads: Vec<Option<&'a str>>,
    /// The keyed answer's row key (client digest, key) and columns (status, code,
    /// document): all `NULL` without one, which the statements' `kept` part matches to
    /// no row.
    key_client: Option<&'a [u8]>,
    key: Option<&'a str>,
    key_status: Option<i32>,
    key_code: Option<&'a str>,
    key_document: Option<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(
        inquiry: &Inquiry,
        events: &'a [Outgoing],
        keyed: Option<Keyed<'a>>,
    ) -> Result<Columns<'a>, StoreError> {
        Ok(Columns {
            status: inquiry.recorded_status().as_str(),
            deadline: inquiry.deadline(),
            next_due: inquiry.next_due().map(ceil_micros),
            record: serde_json::to_string(inquiry).map_err(json)?,
            sequences: events.iter().map(|e| bigint(e.event.sequence)).collect(),
            events: events
                .iter()
                .map(|e| serde_json::to_string(&e.event))
                .collect::<Result<_, _>>()
                .map_err(json)?,
            payloads: events.iter().map(|e| e.payload.as_deref()).collect(),
            key_client: keyed.map(|k| k.key.client.as_slice()),
            key: keyed.map(|k| k.key.key.as_str()),
            key_status: keyed.map(|k| i32::from(k.answer.status)),
            key_code: keyed.and_then(|k| k.answer.code.as_deref()),
            key_document: keyed.map(|k| k.answer.body.as_str()),
        })
    }

    /// The statement's parameters: `head`, then status, deadline, next due, record, the
    /// events' sequence numbers, the events and their payloads, then the keyed answer's
    /// client, key, status, code and document (the order both the insert and the save
    /// statements use).
    fn after(&'a self, head: &[&'a (dyn ToSql + Sync)]) -> Vec<&'a (dyn ToSql + Sync)> {
        let columns: [&'a (dyn ToSql + Sync); 12] = [
            &self.status,
            &self.deadline,
            &self.next_due,
            &self.record,
            &self.sequences,
            &self.events,
            &self.payloads,
            &self.key_client,
            &self.key,
            &self.key_status,
            &self.key_code,
            &self.key_document,
        ];
        head.iter().copied().chain(columns).collect()
    }
}

fn bigint(value: u64) -> i64 {
    // Revisions and sequence numbers of valid inquiries stay below 2^53.
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn limit(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Inquiries in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: Pool,
    options: Options,
}

impl PostgresStore {
    /// Connects with a libpq-style connection string (`host=… user=… dbname=…` or a
    /// `postgresql://` URL), without TLS, with the default [`Options`]. Connections are
    /// made when first needed, on the current tokio runtime; a server that is down now is
    /// not an error until a call needs it.
    pub async fn connect(config: &str) -> Result<Self, StoreError> {
        Self::connect_with(config, Options::default()).await
    }

    /// Connects as [`PostgresStore::connect`] does, with these options.
    pub async fn connect_with(config: &str, options: Options) -> Result<Self, StoreError> {
        let mut pg: tokio_postgres::Config = config
            .parse()
            .map_err(|e| StoreError::Backend(Box::new(PgError::Config(e))))?;
        pg.connect_timeout(options.connect_timeout);
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                // A connection the client knows is closed (a restart or an error closed it)
                // is replaced before it is handed out; no test query, so taking one costs no
                // round trip. A connection that died silently fails its next call with
                // `Unavailable`, and is replaced after it.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(options.call_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(PostgresStore { pool, options })
    }

    /// Creates the tables, columns and indexes that are missing (the mirrors' too, with the
    /// `mirror` feature).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        let mirror = cfg!(feature = "mirror").then_some(MIRROR_MIGRATION);
        for migration in MIGRATIONS.into_iter().chain(mirror) {
            let outcome = self.timed(client.batch_execute(migration)).await;
            if outcome.is_err() {
                return self.settle(client, outcome);
            }
        }
        Ok(())
    }

    /// A pooled connection. It goes back to the pool when dropped. Waiting for one is
    /// bounded by the call timeout, and making a new one by the connect timeout; either way
    /// out is [`StoreError::Unavailable`].
    async fn client(&self) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Unavailable(Box::new(PgError::Pool(e))))
    }

    /// Runs a statement within the call timeout. Statements are prepared once per
    /// connection (`prepare_cached`), so a call costs one round trip, not two.
    async fn timed<T>(
        &self,
        statement: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.options.call_timeout, statement).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Failure::Query(error)),
            Err(_elapsed) => Err(Failure::Timeout),
        }
    }

    /// Runs one statement on a pooled connection within the call timeout, prepared once per
    /// connection, and returns its rows (none for a statement that returns none).
    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let client = self.client().await?;
        let outcome = self
            .timed(async {
                let statement = client.prepare_cached(sql).await?;
                client.query(&statement, params).await
            })
            .await;
        self.settle(client, outcome)
    }

    /// The store's answer to a failed statement. After a timeout the connection is closed
    /// instead of going back to the pool: its statement may still be running. A connection
    /// the server ended is dropped too, so that the next call gets a new one even before
    /// the client has noticed the socket closed.
    fn settle<T>(&self, client: Object, outcome: Result<T, Failure>) -> Result<T, StoreError> {
        let failure = match outcome {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        match failure {
            Failure::Query(error) => {
                if server_went_away(&error) {
                    drop(Object::take(client));
                }
                Err(query_error(error))
            }
            Failure::Timeout => {
                drop(Object::take(client));
                Err(StoreError::Unavailable(Box::new(PgError::Timeout(
                    self.options.call_timeout,
                ))))
            }
        }
    }
}

/// How a statement failed: the database's error, or no answer in time.
enum Failure {
    Query(tokio_postgres::Error),
    Timeout,
}

#[async_trait]
impl InquiryStore for PostgresStore {
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
        let key = id.to_string();
        let rows = self
            .rows(
                "SELECT revision, status, record::text FROM inquiries WHERE id = $1",
                &[&key],
            )
            .await?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let corrupt = |error: Error| StoreError::Corrupt { id, error };
        let revision: i64 = row.try_get(0).map_err(query_error)?;
        let status: String = row.try_get(1).map_err(query_error)?;
        let record: &str = row.try_get(2).map_err(query_error)?;
        let inquiry = Inquiry::from_json(record).map_err(corrupt)?;
        // The columns are what compare-and-swap and the due index use: a row whose columns
        // disagree with its record would be answered wrongly, so it is refused.
        if u64::try_from(revision).ok() != Some(inquiry.revision()) {
            return Err(corrupt(Error::invalid_input(format!(
                "the revision column ({revision}) disagrees with the record's revision ({})",
                inquiry.revision()
            ))));
        }
        if status != inquiry.recorded_status().as_str() {
            return Err(corrupt(Error::invalid_input(format!(
                "the status column ({status:?}) disagrees with the record's status ({})",
                inquiry.recorded_status()
            ))));
        }
        if inquiry.id() != id {
            return Err(corrupt(Error::invalid_input(format!(
                "the row of {id} holds the record of {}",
                inquiry.id()
            ))));
        }
        Ok(Some(inquiry))
    }

    async fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        let id = inquiry.id();
        let key = id.to_string();
        let rev = bigint(inquiry.revision());
        let c = Columns::of(inquiry, events, keyed)?;
        let params = c.after(&[&key, &rev]);
        let rows = self
            .rows(
                "WITH inserted AS (
                         INSERT INTO inquiries (id, revision, status, deadline, next_due, record)
                         VALUES ($1, $2, $3, $4, $5, $6::text::json)
                         ON CONFLICT (id) DO NOTHING
                         RETURNING id),
                     outbox AS (
                         INSERT INTO inquiry_outbox (inquiry_id, sequence, event, payload)
                         SELECT inserted.id, e.sequence, e.event::json, e.payload
                         FROM inserted, unnest($7::bigint[], $8::text[], $9::text[])
                             AS e(sequence, event, payload)
                         RETURNING 1),
                     kept AS (
                         UPDATE inquiry_idempotency
                         SET status = $12, code = $13, document = $14
                         FROM inserted
                         WHERE client = $10 AND key = $11 AND status IS NULL
                         RETURNING 1)
                     SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM outbox)",
                &params,
            )
            .await?;
        let row = single(rows)?;
        match row.try_get::<_, i64>(0).map_err(query_error)? {
            0 => Err(StoreError::Duplicate(id)),
            _ => Ok(()),
        }
    }

    async fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        let id = inquiry.id();
        let key = id.to_string();
        let rev = bigint(inquiry.revision());
        let expected_rev = bigint(expected);
        let c = Columns::of(inquiry, events, keyed)?;
        let params = c.after(&[&key, &expected_rev, &rev]);
        // Compare-and-swap, the outbox and the keyed answer in one statement: all or
        // nothing. Only on a conflict does the same statement read the stored revision, for
        // the error (CASE evaluates the lookup only when nothing was updated).
        let rows = self
            .rows(
                "WITH updated AS (
                         UPDATE inquiries
                         SET revision = $3, status = $4, deadline = $5, next_due = $6,
                             record = $7::text::json, claimed_until = NULL
                         WHERE id = $1 AND revision = $2
                         RETURNING id),
                     outbox AS (
                         INSERT INTO inquiry_outbox (inquiry_id, sequence, event, payload)
                         SELECT updated.id, e.sequence, e.event::json, e.payload
                         FROM updated, unnest($8::bigint[], $9::text[], $10::text[])
                             AS e(sequence, event, payload)
                         RETURNING 1),
                     kept AS (
                         UPDATE inquiry_idempotency
                         SET status = $13, code = $14, document = $15
                         FROM updated
                         WHERE client = $11 AND key = $12 AND status IS NULL
                         RETURNING 1)
                     SELECT (SELECT count(*) FROM updated),
                            CASE WHEN NOT EXISTS (SELECT 1 FROM updated)
                                 THEN (SELECT revision FROM inquiries WHERE id = $1) END",
                &params,
            )
            .await?;
        swapped(rows, id, expected)
    }

    async fn due(&self, now: DateTime<Utc>, limit_to: usize) -> Result<Vec<InquiryId>, StoreError> {
        let now = storable(now);
        let limit_to = limit(limit_to);
        let rows = self
            .rows(
                "SELECT id FROM inquiries WHERE next_due <= $1 ORDER BY next_due, id LIMIT $2",
                &[&now, &limit_to],
            )
            .await?;
        parse_ids(rows.iter().map(|row| row.try_get::<_, String>(0)))
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit_to: usize,
    ) -> Result<Vec<InquiryId>, StoreError> {
        let now = storable(now);
        let limit_to = limit(limit_to);
        let claim = self.options.claim.as_secs_f64();
        // Due-ness is judged at the caller's `now` (the library's time); claims are measured
        // on the database's clock, so a worker whose clock runs fast cannot cut another
        // worker's claim short.
        let rows = self
            .rows(
                "UPDATE inquiries SET claimed_until = clock_timestamp() + make_interval(secs => $3)
                     WHERE id IN (
                         SELECT id FROM inquiries
                         WHERE next_due <= $1
                           AND (claimed_until IS NULL OR claimed_until <= clock_timestamp())
                         ORDER BY next_due, id
                         LIMIT $2
                         FOR UPDATE SKIP LOCKED)
                     RETURNING id, next_due",
                &[&now, &limit_to, &claim],
            )
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let next_due: DateTime<Utc> = row.try_get(1).map_err(query_error)?;
            let id: String = row.try_get(0).map_err(query_error)?;
            claimed.push((next_due, id));
        }
        claimed.sort();
        parse_ids(claimed.into_iter().map(|(_, id)| Ok(id)))
    }
}

#[async_trait]
impl Outbox for PostgresStore {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit_to: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let limit_to = limit(limit_to);
        let until = storable(
            now.checked_add_signed(lease)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        );
        let now = storable(now);
        // SKIP LOCKED: concurrent claims take disjoint rows instead of waiting.
        let rows = self
            .rows(
                "UPDATE inquiry_outbox SET leased_until = $3
                     WHERE position IN (
                         SELECT position FROM inquiry_outbox
                         WHERE NOT parked AND (leased_until IS NULL OR leased_until <= $1)
                         ORDER BY position
                         LIMIT $2
                         FOR UPDATE SKIP LOCKED)
                     RETURNING position, event::text, payload, attempts, first_attempted_at,
                               delivered_to",
                &[&now, &limit_to, &until],
            )
            .await?;
        outgoing(rows)
    }

    async fn ack_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        let (inquiries, sequences) = keys(events);
        self.rows(
            "DELETE FROM inquiry_outbox o
                 USING unnest($1::text[], $2::bigint[]) AS acked(inquiry_id, sequence)
                 WHERE o.inquiry_id = acked.inquiry_id AND o.sequence = acked.sequence",
            &[&inquiries, &sequences],
        )
        .await?;
        Ok(())
    }

    async fn fail_outbox(
        &self,
        events: &[Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let (inquiries, sequences) = keys(events);
        let attempted_at = storable(attempted_at);
        let retry_at = retry_at.map(storable);
        // Each event's receivers as one JSON array text (arrays of arrays do not unnest).
        let delivered: Vec<String> = events
            .iter()
            .map(|e| serde_json::to_string(&e.delivered_to))
            .collect::<Result<_, _>>()
            .map_err(json)?;
        self.rows(
            "UPDATE inquiry_outbox o
                 SET attempts = o.attempts + 1,
                     first_attempted_at = coalesce(o.first_attempted_at, $3),
                     leased_until = $4::timestamptz,
                     parked = $4::timestamptz IS NULL,
                     delivered_to = ARRAY(
                         SELECT DISTINCT receiver FROM unnest(o.delivered_to || ARRAY(
                             SELECT json_array_elements_text(failed.delivered::json)))
                             AS receiver
                         ORDER BY receiver)
                 FROM unnest($1::text[], $2::bigint[], $5::text[])
                     AS failed(inquiry_id, sequence, delivered)
                 WHERE o.inquiry_id = failed.inquiry_id AND o.sequence = failed.sequence",
            &[&inquiries, &sequences, &attempted_at, &retry_at, &delivered],
        )
        .await?;
        Ok(())
    }

    async fn parked_outbox(
        &self,
        after: Option<u64>,
        limit_to: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let limit_to = limit(limit_to);
        let after = bigint(after.unwrap_or(0));
        let rows = self
            .rows(
                "SELECT position, event::text, payload, attempts, first_attempted_at, delivered_to
                     FROM inquiry_outbox WHERE parked AND position > $2
                     ORDER BY position LIMIT $1",
                &[&limit_to, &after],
            )
            .await?;
        outgoing(rows)
    }

    async fn redrive_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        let (inquiries, sequences) = keys(events);
        self.rows(
            "UPDATE inquiry_outbox o
                 SET parked = false, leased_until = NULL, attempts = 0
                 FROM unnest($1::text[], $2::bigint[]) AS redriven(inquiry_id, sequence)
                 WHERE o.inquiry_id = redriven.inquiry_id AND o.sequence = redriven.sequence
                   AND o.parked",
            &[&inquiries, &sequences],
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, StoreError> {
        let expired_by = storable(
            now.checked_sub_signed(KEPT_FOR)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        );
        let now = storable(now);
        let abandoned = self.options.key_abandoned_after.as_secs_f64();
        // Takes the key when it is new, expired, or abandoned (its request's process died:
        // taken long ago on the database's clock, never answered); otherwise reads what it
        // holds. The read sees the table as the statement began: a row another request
        // inserted since is missing from it, which is answered as running.
        let rows = self
            .rows(
                "WITH taken AS (
                         INSERT INTO inquiry_idempotency
                             (client, key, fingerprint, created_at, taken_at)
                         VALUES ($1, $2, $3, $4, clock_timestamp())
                         ON CONFLICT (client, key) DO UPDATE
                             SET fingerprint = EXCLUDED.fingerprint,
                                 created_at = EXCLUDED.created_at,
                                 taken_at = EXCLUDED.taken_at,
                                 status = NULL, document = NULL, code = NULL
                             WHERE inquiry_idempotency.created_at <= $5
                                OR (inquiry_idempotency.status IS NULL
                                    AND inquiry_idempotency.fingerprint = EXCLUDED.fingerprint
                                    AND inquiry_idempotency.taken_at
                                        < clock_timestamp() - make_interval(secs => $6))
                         RETURNING 1)
                     SELECT (SELECT count(*) FROM taken), i.fingerprint, i.status, i.document, i.code
                     FROM (SELECT 1) AS one
                     LEFT JOIN inquiry_idempotency i ON i.client = $1 AND i.key = $2",
                &[
                    &key.client.as_slice(),
                    &key.key,
                    &fingerprint.as_slice(),
                    &now,
                    &expired_by,
                    &abandoned,
                ],
            )
            .await?;
        let row = single(rows)?;
        if row.try_get::<_, i64>(0).map_err(query_error)? == 1 {
            return Ok(KeyClaim::Taken);
        }
        let stored: Option<Vec<u8>> = row.try_get(1).map_err(query_error)?;
        let Some(stored) = stored else {
            return Ok(KeyClaim::Running);
        };
        if stored != fingerprint {
            return Ok(KeyClaim::Mismatch);
        }
        let status: Option<i32> = row.try_get(2).map_err(query_error)?;
        let Some(status) = status else {
            return Ok(KeyClaim::Running);
        };
        let status = u16::try_from(status).map_err(|_| {
            StoreError::Backend(
                format!("a kept answer's status {status} is not an HTTP status").into(),
            )
        })?;
        let body: Option<String> = row.try_get(3).map_err(query_error)?;
        Ok(KeyClaim::Replay(KeptAnswer {
            status,
            code: row.try_get(4).map_err(query_error)?,
            body: body.unwrap_or_default(),
        }))
    }

    async fn keep_answer(
        &self,
        key: &IdempotencyKey,
        answer: &KeptAnswer,
    ) -> Result<(), StoreError> {
        self.rows(
            "UPDATE inquiry_idempotency SET status = $3, code = $4, document = $5
                 WHERE client = $1 AND key = $2 AND status IS NULL",
            &[
                &key.client.as_slice(),
                &key.key,
                &i32::from(answer.status),
                &answer.code,
                &answer.body,
            ],
        )
        .await?;
        Ok(())
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        self.rows(
            "DELETE FROM inquiry_idempotency
                 WHERE client = $1 AND key = $2 AND status IS NULL",
            &[&key.client.as_slice(), &key.key],
        )
        .await?;
        Ok(())
    }
}

/// The outbox's key of each event: inquiry ids and sequence numbers, as two arrays.
fn keys(events: &[Outgoing]) -> (Vec<String>, Vec<i64>) {
    let inquiries = events.iter().map(|e| e.event.inquiry_id.to_string());
    let sequences = events.iter().map(|e| bigint(e.event.sequence));
    (inquiries.collect(), sequences.collect())
}

/// Outbox rows (position, event, payload, attempts, first attempt, receivers that took it),
/// in position order.
fn outgoing(mut rows: Vec<Row>) -> Result<Vec<Outgoing>, StoreError> {
    let position = |row: &Row| row.try_get::<_, i64>(0).unwrap_or(i64::MAX);
    rows.sort_by_key(position);
    rows.iter()
        .map(|row| {
            let event: String = row.try_get(1).map_err(query_error)?;
            let event = serde_json::from_str(&event)
                .map_err(|e| StoreError::Backend(Box::new(PgError::Event(e))))?;
            let mut outgoing = Outgoing::new(event, row.try_get(2).map_err(query_error)?);
            let attempts: i32 = row.try_get(3).map_err(query_error)?;
            outgoing.attempts = attempts.unsigned_abs();
            outgoing.first_attempted_at = row.try_get(4).map_err(query_error)?;
            let position: i64 = row.try_get(0).map_err(query_error)?;
            outgoing.position = position.unsigned_abs();
            outgoing.delivered_to = row.try_get(5).map_err(query_error)?;
            Ok(outgoing)
        })
        .collect()
}

/// The one row a statement built to return exactly one returned.
/// The answer of a compare-and-swap statement whose one row is (rows updated, the stored
/// revision when none was): `Ok`, or the conflict with what is stored.
fn swapped(rows: Vec<Row>, id: InquiryId, expected: u64) -> Result<(), StoreError> {
    let row = single(rows)?;
    if row.try_get::<_, i64>(0).map_err(query_error)? == 1 {
        return Ok(());
    }
    let stored: Option<i64> = row.try_get(1).map_err(query_error)?;
    Err(StoreError::Conflict {
        id,
        expected,
        stored: stored.map(i64::unsigned_abs),
    })
}

fn single(rows: Vec<Row>) -> Result<Row, StoreError> {
    rows.into_iter().next().ok_or_else(|| {
        StoreError::Backend("a statement built to return one row returned none".into())
    })
}

fn parse_ids(
    ids: impl Iterator<Item = Result<String, tokio_postgres::Error>>,
) -> Result<Vec<InquiryId>, StoreError> {
    ids.map(|id| {
        let id = id.map_err(query_error)?;
        InquiryId::parse(&id).map_err(|e| StoreError::Backend(Box::new(e)))
    })
    .collect()
}
