//! Mirrors of an upstream provider's inquiries (feature `mirror`): the same compare-and-swap
//! on a revision column as inquiries, in the table `inquiry_mirrors` (migration 0005).

use inquiry_lifecycle::{Error, InquiryId};
use inquiry_lifecycle_mirror::{Mirror, MirrorStore};
use inquiry_lifecycle_store::StoreError;
use tokio_postgres::Row;

use crate::{bigint, limit, query_error, swapped, PostgresStore};

/// A stored row as a mirror: the record read back, checked against its own columns.
fn mirror_of(row: &Row) -> Result<Mirror, StoreError> {
    let id: String = row.try_get(0).map_err(query_error)?;
    let id = InquiryId::parse(&id).map_err(|e| StoreError::Backend(Box::new(e)))?;
    let revision: i64 = row.try_get(1).map_err(query_error)?;
    let record: &str = row.try_get(2).map_err(query_error)?;
    let corrupt = |error: Error| StoreError::Corrupt { id, error };
    let mirror = Mirror::from_json(record).map_err(corrupt)?;
    if mirror.inquiry() != id {
        return Err(corrupt(Error::invalid_input(format!(
            "the mirror row of {id} holds the record of {}",
            mirror.inquiry()
        ))));
    }
    if u64::try_from(revision).ok() != Some(mirror.revision()) {
        return Err(corrupt(Error::invalid_input(format!(
            "the revision column ({revision}) disagrees with the mirror record's revision ({})",
            mirror.revision()
        ))));
    }
    Ok(mirror)
}

/// The columns a mirror is written with: id, revision, status, needs_reconcile, record.
fn columns(mirror: &Mirror) -> (String, i64, Option<&'static str>, bool, String) {
    (
        mirror.inquiry().to_string(),
        bigint(mirror.revision()),
        mirror.status().map(|status| status.as_str()),
        mirror.needs_reconcile().is_some(),
        mirror.to_json(),
    )
}

impl MirrorStore for PostgresStore {
    async fn load_mirror(&self, inquiry: InquiryId) -> Result<Option<Mirror>, StoreError> {
        let key = inquiry.to_string();
        let rows = self
            .rows(
                "SELECT id, revision, record::text FROM inquiry_mirrors WHERE id = $1",
                &[&key],
            )
            .await?;
        rows.first().map(mirror_of).transpose()
    }

    async fn insert_mirror(&self, mirror: &Mirror) -> Result<(), StoreError> {
        let (key, revision, status, marked, record) = columns(mirror);
        let rows = self
            .rows(
                "INSERT INTO inquiry_mirrors (id, revision, status, needs_reconcile, record)
                 VALUES ($1, $2, $3, $4, $5::text::json)
                 ON CONFLICT (id) DO NOTHING
                 RETURNING 1",
                &[&key, &revision, &status, &marked, &record],
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::Duplicate(mirror.inquiry()));
        }
        Ok(())
    }

    async fn save_mirror(&self, mirror: &Mirror, expected: u64) -> Result<(), StoreError> {
        let (key, revision, status, marked, record) = columns(mirror);
        let expected_revision = bigint(expected);
        // Compare-and-swap in one statement; the stored revision is read only on a
        // conflict, for the error.
        let rows = self
            .rows(
                "WITH updated AS (
                     UPDATE inquiry_mirrors
                     SET revision = $3, status = $4, needs_reconcile = $5, record = $6::text::json
                     WHERE id = $1 AND revision = $2
                     RETURNING 1)
                 SELECT (SELECT count(*) FROM updated),
                        CASE WHEN NOT EXISTS (SELECT 1 FROM updated)
                             THEN (SELECT revision FROM inquiry_mirrors WHERE id = $1) END",
                &[
                    &key,
                    &expected_revision,
                    &revision,
                    &status,
                    &marked,
                    &record,
                ],
            )
            .await?;
        swapped(rows, mirror.inquiry(), expected)
    }

    async fn list_mirrors(
        &self,
        after: Option<InquiryId>,
        limit_to: usize,
    ) -> Result<Vec<Mirror>, StoreError> {
        // Ids are ASCII letters and digits: byte order (COLLATE "C") is the ids' order.
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let limit_to = limit(limit_to);
        let rows = self
            .rows(
                "SELECT id, revision, record::text FROM inquiry_mirrors
                 WHERE id COLLATE \"C\" > $1 COLLATE \"C\"
                 ORDER BY id COLLATE \"C\" LIMIT $2",
                &[&after, &limit_to],
            )
            .await?;
        rows.iter().map(mirror_of).collect()
    }
}
