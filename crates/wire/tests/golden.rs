//! W7: every document kind, in all three inflections, compared byte for byte with the files
//! under `tests/golden/`, and read back to the value it was written from.
//!
//! The documents come from one seeded story, so they are the same on every run. After a
//! deliberate change to the format, regenerate them with
//! `UPDATE_GOLDEN=1 cargo test -p inquiry-lifecycle-wire --test golden` and review the diff.

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Error, Inquiry, Policy, ReferenceId, SeededRandom, Status};
use inquiry_lifecycle_wire::{
    ActionMeta, ErrorDocument, EventDocument, IncomingEvent, Inflection, InquiryDocument,
    InquiryResource, OneTimeLink, SessionResource, SessionsDocument,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn min(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

/// One document of each kind, named for its file.
struct Golden {
    name: &'static str,
    write: Box<dyn Fn(Inflection) -> String>,
    /// Reads the text back and says whether it is the value written.
    reads_back: Box<dyn Fn(&str) -> bool>,
}

fn documents() -> Vec<Golden> {
    let mut random = SeededRandom::new(2026);
    let policy = Policy::builder()
        .expire_after_start(TimeDelta::hours(1))
        .build()
        .unwrap();
    let reference = ReferenceId::parse("user-4711").unwrap();
    let (mut inquiry, _created) =
        Inquiry::create_with_reference(&policy, reference, t0(), &mut random).unwrap();

    // start: a session token in meta (W3)
    let opened = inquiry.start(min(5), &mut random).unwrap();
    let started = InquiryResource::at(&inquiry, min(5));
    let token_response = InquiryDocument::answer(started, ActionMeta::SessionToken(opened.token));

    // a one-time link (W3)
    let before_link = inquiry.clone();
    let linked = inquiry.link(min(6), &mut random).unwrap();
    let link_events =
        EventDocument::for_change(Some(&before_link), &inquiry, &linked.events).unwrap();
    let link = OneTimeLink::new("https://verify.example", inquiry.id(), linked.code);
    let link_response = InquiryDocument::answer(
        InquiryResource::at(&inquiry, min(6)),
        ActionMeta::OneTimeLink(link),
    );

    // a GET of the pending inquiry, and its sessions (W1, W2)
    let pending = InquiryDocument::new(InquiryResource::at(&inquiry, min(7)));
    let sessions = SessionsDocument::new(SessionResource::list_at(&inquiry, min(7)));

    // an explicit expiry and a resume (T5, T7): the expiry's stamp stays
    let _expired = inquiry.expire(min(10)).unwrap();
    let resumed = inquiry.resume(min(11), &mut random).unwrap();
    let token_text = resumed.token.expose_secret().to_string();

    // the person completes; the inquiry is reviewed, approved and redacted: every stamp
    // but failed-at
    let granted = inquiry.access_with(&token_text, min(12));
    assert!(granted, "the token opens the flow");
    let before_complete = inquiry.clone();
    let completed = inquiry.complete(min(30)).unwrap();
    let completed_events =
        EventDocument::for_change(Some(&before_complete), &inquiry, &completed).unwrap();
    let _reviewed = inquiry.mark_for_review(min(40)).unwrap();

    // a refusal (W4)
    let refusal = inquiry.resume(min(45), &mut random).unwrap_err();
    let error = ErrorDocument::from(&refusal);

    let _approved = inquiry.approve(min(50)).unwrap();
    let _redacted = inquiry.redact(min(60)).unwrap();
    assert_eq!(inquiry.status_at(min(60)), Status::Approved);
    let finished = InquiryDocument::new(InquiryResource::at(&inquiry, min(61)));

    let inquiry_event = completed_events[0].clone();
    let session_event = link_events[0].clone();

    vec![
        inquiry_document("inquiry-pending", pending),
        inquiry_document("inquiry-redacted", finished),
        inquiry_document("response-session-token", token_response),
        inquiry_document("response-one-time-link", link_response),
        Golden {
            name: "sessions",
            write: Box::new({
                let sessions = sessions.clone();
                move |inflection| sessions.to_json(inflection)
            }),
            reads_back: Box::new(move |text| {
                SessionsDocument::from_json(text).unwrap() == sessions
            }),
        },
        Golden {
            name: "error",
            write: Box::new({
                let error = error.clone();
                move |inflection| error.to_json(inflection)
            }),
            reads_back: Box::new(move |text| ErrorDocument::from_json(text).unwrap() == error),
        },
        event_document("event-inquiry", inquiry_event),
        event_document("event-session", session_event),
    ]
}

fn inquiry_document(name: &'static str, document: InquiryDocument) -> Golden {
    let document = std::rc::Rc::new(document);
    let written = document.clone();
    Golden {
        name,
        write: Box::new(move |inflection| written.to_json(inflection)),
        reads_back: Box::new(move |text| {
            let read = InquiryDocument::from_json(text).unwrap();
            let same_meta = match (&read.meta, &document.meta) {
                (None, None) => true,
                (Some(ActionMeta::SessionToken(a)), Some(ActionMeta::SessionToken(b))) => a == b,
                (Some(ActionMeta::OneTimeLink(a)), Some(ActionMeta::OneTimeLink(b))) => {
                    *a.expose_url() == *b.expose_url()
                }
                _ => false,
            };
            read.inquiry == document.inquiry && same_meta
        }),
    }
}

fn event_document(name: &'static str, event: EventDocument) -> Golden {
    let written = event.clone();
    Golden {
        name,
        write: Box::new(move |inflection| written.to_json(inflection)),
        reads_back: Box::new(move |text| {
            EventDocument::from_json(text).unwrap() == IncomingEvent::Known(event.clone())
        }),
    }
}

/// Access with a token's text, as a browser would present it.
trait AccessWith {
    fn access_with(&mut self, token: &str, now: DateTime<Utc>) -> bool;
}

impl AccessWith for Inquiry {
    fn access_with(&mut self, token: &str, now: DateTime<Utc>) -> bool {
        let token = inquiry_lifecycle::SessionToken::parse(token).unwrap();
        let granted: Result<_, Error> = self.access(Some(&token), now);
        granted.map(|granted| drop(granted.events)).is_ok()
    }
}

fn golden_path(inflection: Inflection, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(inflection.as_str())
        .join(format!("{name}.json"))
}

#[test]
fn every_document_kind_matches_its_golden_file_in_every_inflection() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    let documents = documents();
    assert_eq!(documents.len(), 8);
    for golden in &documents {
        for inflection in Inflection::ALL {
            let text = (golden.write)(inflection) + "\n";
            let path = golden_path(inflection, golden.name);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
            }
            let committed = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
            if committed != text {
                mismatches.push(format!(
                    "{}:\n  committed {}\n  written   {}",
                    path.display(),
                    committed.trim_end(),
                    text.trim_end()
                ));
            }
            assert!(
                (golden.reads_back)(&committed),
                "{} does not read back to the value written",
                path.display()
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// W5: an inflection changes every key and no value.
#[test]
fn the_inflections_differ_only_in_keys() {
    for golden in documents() {
        let read = |inflection| -> (Vec<String>, Vec<String>) {
            let text = (golden.write)(inflection);
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let (mut keys, mut values) = (Vec::new(), Vec::new());
            collect(&value, &mut keys, &mut values);
            values.sort();
            (keys, values)
        };
        let (kebab_keys, kebab_values) = read(Inflection::Kebab);
        for inflection in Inflection::ALL {
            let (keys, values) = read(inflection);
            assert_eq!(values, kebab_values, "{} in {inflection}", golden.name);
            assert_eq!(keys.len(), kebab_keys.len());
            for (key, kebab) in keys.iter().zip(&kebab_keys) {
                let expected = match inflection {
                    Inflection::Kebab => kebab.clone(),
                    Inflection::Snake => kebab.replace('-', "_"),
                    Inflection::Camel => kebab
                        .split('-')
                        .enumerate()
                        .map(|(i, word)| match i {
                            0 => word.to_owned(),
                            _ => word[..1].to_uppercase() + &word[1..],
                        })
                        .collect(),
                };
                assert_eq!(*key, expected, "{} in {inflection}", golden.name);
            }
        }
        // The kebab document has kebab keys only: lower case, no underscores.
        assert!(kebab_keys
            .iter()
            .all(|key| !key.contains('_') && key.to_lowercase() == *key));
    }
}

/// Every key in document order (objects keep their order: `preserve_order` is off, so
/// keys are compared position by position only within one key set), and every scalar.
fn collect(value: &serde_json::Value, keys: &mut Vec<String>, values: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            // Sorted by their kebab spelling, so that the three inflections line up.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by_key(|(key, _)| Inflection::to_kebab(key));
            for (key, value) in entries {
                keys.push(key.clone());
                collect(value, keys, values);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, keys, values)),
        other => values.push(other.to_string()),
    }
}
