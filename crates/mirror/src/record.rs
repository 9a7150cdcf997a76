//! M6: a mirror as a stored record, JSON text a store keeps as it is.

use chrono::{DateTime, Utc};
use inquiry_lifecycle::{Error, EventId, EventName, InquiryId, Status};
use inquiry_lifecycle_wire::{Inflection, InquiryDocument};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::mirror::{Key, Seen, Unreachable, MAX_HISTORY};
use crate::Mirror;

/// The record's layout; `format` names it, so that a later layout can read this one.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    format: u32,
    inquiry: InquiryId,
    revision: u64,
    /// The state as the wire's inquiry document (W1, kebab-case keys), kept as the wire
    /// wrote it and read by the wire, never through a value tree.
    state: Option<Box<RawValue>>,
    newest: Option<Key>,
    last_event: Option<EventId>,
    needs_reconcile: Option<UnreachableRecord>,
    history: Vec<SeenRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateRecord {
    status: Status,
    redacted: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnreachableRecord {
    event: EventId,
    mirrored: StateRecord,
    arrived: StateRecord,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeenRecord {
    event: EventId,
    name: String,
    created_at: DateTime<Utc>,
    sequence: Option<u64>,
    answer: String,
}

const FORMAT: u32 = 1;

/// The codes a history entry may hold.
const SEEN_ANSWERS: [&str; 4] = ["applied", "recorded", "stale", "needs_reconcile"];

impl Mirror {
    /// The mirror as a stored record: compact JSON, the state in the wire's W1 form.
    /// [`Mirror::from_json`] reads it back to an equal mirror.
    pub fn to_json(&self) -> String {
        let state = |status: (Status, bool)| StateRecord {
            status: status.0,
            redacted: status.1,
        };
        let record = Record {
            format: FORMAT,
            inquiry: self.inquiry,
            revision: self.revision,
            state: self.state.as_ref().and_then(|state| {
                // The wire writes JSON text; `from_string` only checks it. A failure (a bug
                // in the wire) would store no state, which the round-trip properties catch.
                RawValue::from_string(
                    InquiryDocument::new(state.clone()).to_json(Inflection::Kebab),
                )
                .ok()
            }),
            newest: self.newest,
            last_event: self.last_event,
            needs_reconcile: self
                .unreachable
                .as_ref()
                .map(|unreachable| UnreachableRecord {
                    event: unreachable.event,
                    mirrored: state(unreachable.mirrored),
                    arrived: state(unreachable.arrived),
                }),
            history: self
                .history
                .iter()
                .map(|seen| SeenRecord {
                    event: seen.event,
                    name: seen.name.to_owned(),
                    created_at: seen.created_at,
                    sequence: seen.sequence,
                    answer: seen.answer.to_owned(),
                })
                .collect(),
        };
        serde_json::to_string(&record).unwrap_or_default()
    }

    /// Reads a stored record. A record that is not one (unknown fields, a state of another
    /// inquiry, a history longer than [`MAX_HISTORY`](crate::MAX_HISTORY), an unknown event
    /// name or answer) is `invalid_input` saying what is wrong.
    pub fn from_json(text: &str) -> Result<Mirror, Error> {
        let record: Record = serde_json::from_str(text)
            .map_err(|error| Error::invalid_input(format!("not a mirror record: {error}")))?;
        if record.format != FORMAT {
            return Err(Error::invalid_input(format!(
                "mirror record format {} is not one this version reads ({FORMAT})",
                record.format
            )));
        }
        let state = match record.state {
            None => None,
            Some(text) => {
                let state = InquiryDocument::from_json(text.get())?.inquiry;
                if state.id != record.inquiry {
                    return Err(Error::invalid_input(format!(
                        "the mirror of {} holds the state of {}",
                        record.inquiry, state.id
                    )));
                }
                Some(state)
            }
        };
        if record.history.len() > MAX_HISTORY {
            return Err(Error::invalid_input(format!(
                "a mirror's history holds at most {MAX_HISTORY} events, this one {}",
                record.history.len()
            )));
        }
        let history = record
            .history
            .into_iter()
            .map(|seen| {
                let name: EventName = seen.name.parse()?;
                let answer = SEEN_ANSWERS
                    .into_iter()
                    .find(|code| *code == seen.answer)
                    .ok_or_else(|| {
                        Error::invalid_input(format!(
                            "unknown answer {:?} in a mirror's history; expected one of {}",
                            seen.answer,
                            SEEN_ANSWERS.join(", ")
                        ))
                    })?;
                Ok(Seen {
                    event: seen.event,
                    name: name.as_str(),
                    created_at: seen.created_at,
                    sequence: seen.sequence,
                    answer,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Mirror {
            inquiry: record.inquiry,
            revision: record.revision,
            state,
            newest: record.newest,
            last_event: record.last_event,
            unreachable: record.needs_reconcile.map(|unreachable| Unreachable {
                event: unreachable.event,
                mirrored: (unreachable.mirrored.status, unreachable.mirrored.redacted),
                arrived: (unreachable.arrived.status, unreachable.arrived.redacted),
            }),
            history,
        })
    }
}
