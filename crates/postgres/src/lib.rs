//! A PostgreSQL store for [`inquiry_lifecycle`], for services that outgrow one process.
//!
//! The schema is in `migrations/`, shipped with the crate and applied by
//! [`PostgresStore::migrate`]. Compare-and-swap and the outbox write are one statement;
//! [`PostgresStore::claim_due`] lets several workers sweep at once without processing an
//! inquiry twice (`FOR UPDATE SKIP LOCKED` and a short claim).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeDelta, Utc};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

use inquiry_lifecycle::store::{InquiryStore, StoreError};
use inquiry_lifecycle::{Error, Event, Inquiry, InquiryId};

/// The schema's migrations, in the order [`PostgresStore::migrate`] applies them; each is
/// idempotent.
pub const MIGRATIONS: [&str; 2] = [
    include_str!("../migrations/0001_inquiries.sql"),
    include_str!("../migrations/0002_outbox_leases.sql"),
];

/// How long a claim by [`PostgresStore::claim_due`] keeps other workers off an inquiry.
pub const CLAIM: TimeDelta = TimeDelta::seconds(30);

/// Inquiries in PostgreSQL.
#[derive(Debug)]
pub struct PostgresStore {
    client: Client,
}

fn backend(error: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(error))
}

fn json(error: serde_json::Error) -> StoreError {
    StoreError::Backend(Box::new(error))
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

/// What a record's row holds besides its id and revision.
struct Columns {
    status: &'static str,
    deadline: Option<DateTime<Utc>>,
    next_due: Option<DateTime<Utc>>,
    record: serde_json::Value,
    events: serde_json::Value,
}

impl Columns {
    fn of(inquiry: &Inquiry, events: &[Event]) -> Result<Columns, StoreError> {
        Ok(Columns {
            status: inquiry.status().as_str(),
            deadline: inquiry.deadline(),
            next_due: inquiry.next_due().map(ceil_micros),
            record: serde_json::to_value(inquiry).map_err(json)?,
            events: serde_json::to_value(events).map_err(json)?,
        })
    }

    /// The statement's parameters: `head`, then status, deadline, next due, record, events
    /// (the order both the insert and the save statements use).
    fn after<'a>(&'a self, head: &[&'a (dyn ToSql + Sync)]) -> Vec<&'a (dyn ToSql + Sync)> {
        let columns: [&'a (dyn ToSql + Sync); 5] = [
            &self.status,
            &self.deadline,
            &self.next_due,
            &self.record,
            &self.events,
        ];
        head.iter().copied().chain(columns).collect()
    }
}

fn bigint(value: u64) -> i64 {
    // Revisions and sequence numbers of valid inquiries stay below 2^53.
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Connects with a libpq-style connection string (`host=… user=… dbname=…` or a
    /// `postgresql://` URL), without TLS; the connection runs on the current tokio runtime.
    pub async fn connect(config: &str) -> Result<Self, StoreError> {
        let (client, connection) = tokio_postgres::connect(config, NoTls)
            .await
            .map_err(backend)?;
        tokio::spawn(connection);
        Ok(PostgresStore { client })
    }

    /// Creates the tables, columns and indexes that are missing.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        for migration in MIGRATIONS {
            self.client
                .batch_execute(migration)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    /// The underlying client, for the service's own queries (and tests).
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn stored_revision(&self, id: InquiryId) -> Result<Option<u64>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT revision FROM inquiries WHERE id = $1",
                &[&id.to_string()],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|row| row.get::<_, i64>(0).unsigned_abs()))
    }
}

impl InquiryStore for PostgresStore {
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT record FROM inquiries WHERE id = $1",
                &[&id.to_string()],
            )
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let record: serde_json::Value = row.get(0);
        serde_json::from_value(record)
            .map(Some)
            .map_err(|error| StoreError::Corrupt {
                id,
                error: Error::invalid_input(error.to_string()),
            })
    }

    async fn insert(&self, inquiry: &Inquiry, events: &[Event]) -> Result<(), StoreError> {
        let id = inquiry.id();
        let rev = bigint(inquiry.revision());
        let c = Columns::of(inquiry, events)?;
        let row = self
            .client
            .query_one(
                "WITH inserted AS (
                         INSERT INTO inquiries (id, revision, status, deadline, next_due, record)
                         VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (id) DO NOTHING
                         RETURNING id),
                     outbox AS (
                         INSERT INTO inquiry_outbox (inquiry_id, sequence, event)
                         SELECT inserted.id, (e->>'sequence')::bigint, e
                         FROM inserted, jsonb_array_elements($7::jsonb) AS e
                         RETURNING 1)
                     SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM outbox)",
                &c.after(&[&id.to_string(), &rev]),
            )
            .await
            .map_err(backend)?;
        match row.get::<_, i64>(0) {
            0 => Err(StoreError::Duplicate(id)),
            _ => Ok(()),
        }
    }

    async fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let id = inquiry.id();
        let rev = bigint(inquiry.revision());
        let c = Columns::of(inquiry, events)?;
        // Compare-and-swap and the outbox in one statement: both or neither.
        let row = self
            .client
            .query_one(
                "WITH updated AS (
                         UPDATE inquiries
                         SET revision = $3, status = $4, deadline = $5, next_due = $6,
                             record = $7, claimed_until = NULL
                         WHERE id = $1 AND revision = $2
                         RETURNING id),
                     outbox AS (
                         INSERT INTO inquiry_outbox (inquiry_id, sequence, event)
                         SELECT updated.id, (e->>'sequence')::bigint, e
                         FROM updated, jsonb_array_elements($8::jsonb) AS e
                         RETURNING 1)
                     SELECT (SELECT count(*) FROM updated), (SELECT count(*) FROM outbox)",
                &c.after(&[&id.to_string(), &bigint(expected), &rev]),
            )
            .await
            .map_err(backend)?;
        if row.get::<_, i64>(0) == 1 {
            return Ok(());
        }
        Err(StoreError::Conflict {
            id,
            expected,
            stored: self.stored_revision(id).await?,
        })
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<InquiryId>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client
            .query(
                "SELECT id FROM inquiries WHERE next_due <= $1 ORDER BY next_due, id LIMIT $2",
                &[&now, &limit],
            )
            .await
            .map_err(backend)?;
        parse_ids(rows.iter().map(|row| row.get::<_, String>(0)))
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<InquiryId>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = now + CLAIM;
        let rows = self
            .client
            .query(
                "UPDATE inquiries SET claimed_until = $3
                 WHERE id IN (
                     SELECT id FROM inquiries
                     WHERE next_due <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
                     ORDER BY next_due, id
                     LIMIT $2
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, next_due",
                &[&now, &limit, &until],
            )
            .await
            .map_err(backend)?;
        let mut claimed: Vec<(DateTime<Utc>, String)> =
            rows.iter().map(|row| (row.get(1), row.get(0))).collect();
        claimed.sort();
        parse_ids(claimed.into_iter().map(|(_, id)| id))
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = now
            .checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        // SKIP LOCKED: concurrent claims take disjoint rows instead of waiting.
        let rows = self
            .client
            .query(
                "UPDATE inquiry_outbox SET leased_until = $3
                 WHERE position IN (
                     SELECT position FROM inquiry_outbox
                     WHERE leased_until IS NULL OR leased_until <= $1
                     ORDER BY position
                     LIMIT $2
                     FOR UPDATE SKIP LOCKED)
                 RETURNING position, event",
                &[&now, &limit, &until],
            )
            .await
            .map_err(backend)?;
        let mut claimed: Vec<(i64, serde_json::Value)> =
            rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        claimed.sort_by_key(|(position, _)| *position);
        claimed
            .into_iter()
            .map(|(_, event)| serde_json::from_value(event).map_err(json))
            .collect()
    }

    async fn ack_outbox(&self, events: &[Event]) -> Result<(), StoreError> {
        let inquiries: Vec<String> = events.iter().map(|e| e.inquiry_id.to_string()).collect();
        let sequences: Vec<i64> = events.iter().map(|e| bigint(e.sequence)).collect();
        self.client
            .execute(
                "DELETE FROM inquiry_outbox o
                 USING unnest($1::text[], $2::bigint[]) AS acked(inquiry_id, sequence)
                 WHERE o.inquiry_id = acked.inquiry_id AND o.sequence = acked.sequence",
                &[&inquiries, &sequences],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }
}

fn parse_ids(ids: impl Iterator<Item = String>) -> Result<Vec<InquiryId>, StoreError> {
    ids.map(|id| InquiryId::parse(&id).map_err(|e| StoreError::Backend(Box::new(e))))
        .collect()
}
