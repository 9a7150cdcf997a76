//! W7 under attack: 100,000 hostile documents (mutated bytes, mutated values, truncated,
//! deeply nested, huge) given to every reader. Each answer is a typed `invalid_input`, or a
//! valid value that writes and reads back to itself; never a panic, and never a message
//! that shows a secret the document carried.

use inquiry_lifecycle::ErrorCode;
use inquiry_lifecycle_wire::{
    ActionMeta, ErrorDocument, EventDocument, IncomingEvent, Inflection, InquiryDocument,
    OneTimeLink, SessionsDocument,
};
use proptest::prelude::*;
use serde_json::Value;

/// Every golden document, in every inflection: the seeds the mutations start from.
fn seeds() -> Vec<String> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
    let mut seeds = Vec::new();
    for inflection in Inflection::ALL {
        let dir = format!("{folder}/{inflection}");
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            seeds.push(std::fs::read_to_string(path).unwrap().trim_end().to_owned());
        }
    }
    assert_eq!(seeds.len(), 24);
    seeds
}

/// The verifiers (the part after the selector's dot) of every secret in the seeds.
fn secrets(seeds: &[String]) -> Vec<String> {
    let mut secrets = Vec::new();
    for seed in seeds {
        for marker in [
            "\"session-token\":\"",
            "\"sessionToken\":\"",
            "\"session_token\":\"",
            "code=",
        ] {
            if let Some(start) = seed.find(marker) {
                let rest = &seed[start + marker.len()..];
                let secret = &rest[..rest.find('"').unwrap()];
                secrets.push(secret.split('.').nth(1).unwrap().to_owned());
            }
        }
    }
    assert_eq!(
        secrets.len(),
        6,
        "a token and a link code, in three inflections"
    );
    secrets
}

/// Gives `text` to every reader and checks each answer.
fn check_every_reader(text: &str, secrets: &[String]) -> Result<(), TestCaseError> {
    let refused = |error: inquiry_lifecycle::Error| -> Result<(), TestCaseError> {
        prop_assert_eq!(error.code(), ErrorCode::InvalidInput);
        let message = error.to_string();
        for secret in secrets {
            prop_assert!(
                !message.contains(secret.as_str()),
                "a secret in {}",
                message
            );
        }
        Ok(())
    };
    match InquiryDocument::from_json(text) {
        Ok(document) => {
            for inflection in Inflection::ALL {
                let again = InquiryDocument::from_json(&document.to_json(inflection)).unwrap();
                prop_assert_eq!(&again.inquiry, &document.inquiry);
                prop_assert_eq!(again.meta.is_some(), document.meta.is_some());
            }
            if let Some(ActionMeta::OneTimeLink(link)) = &document.meta {
                prop_assert_eq!(
                    OneTimeLink::parse(&link.expose_url()).unwrap().inquiry_id(),
                    link.inquiry_id()
                );
            }
        }
        Err(error) => refused(error)?,
    }
    match SessionsDocument::from_json(text) {
        Ok(document) => {
            let again = SessionsDocument::from_json(&document.to_json(Inflection::Snake)).unwrap();
            prop_assert_eq!(again, document);
        }
        Err(error) => refused(error)?,
    }
    match ErrorDocument::from_json(text) {
        Ok(document) => {
            let again = ErrorDocument::from_json(&document.to_json(Inflection::Camel)).unwrap();
            prop_assert_eq!(again, document);
        }
        Err(error) => refused(error)?,
    }
    match EventDocument::from_json(text) {
        Ok(IncomingEvent::Known(document)) => {
            let again = EventDocument::from_json(&document.to_json(Inflection::Kebab)).unwrap();
            prop_assert_eq!(again, IncomingEvent::Known(document));
        }
        Ok(IncomingEvent::Unknown { name, .. }) => prop_assert!(name.chars().count() <= 41),
        Err(error) => refused(error)?,
    }
    if let Err(error) = OneTimeLink::parse(text) {
        refused(error)?;
    }
    Ok(())
}

/// A byte-level mutation: flip, insert or delete bytes at random places.
#[derive(Debug, Clone)]
enum ByteMutation {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn byte_mutation() -> impl Strategy<Value = ByteMutation> {
    // JSON's structural characters and digits are the interesting bytes.
    let byte = prop_oneof![
        prop::sample::select(b"{}[]\":,.-+0123456789eEtnfu\\ ZT".to_vec()),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| ByteMutation::Set(at, b)),
        (any::<usize>(), byte).prop_map(|(at, b)| ByteMutation::Insert(at, b)),
        any::<usize>().prop_map(ByteMutation::Delete),
    ]
}

fn mutate_bytes(seed: &str, mutations: &[ByteMutation]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for mutation in mutations {
        let len = bytes.len().max(1);
        match *mutation {
            ByteMutation::Set(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            ByteMutation::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            ByteMutation::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A value to put somewhere in a document: any JSON scalar, a string that looks like what
/// the document holds, a huge string, or deep nesting.
fn hostile_value() -> impl Strategy<Value = Value> {
    let lookalike = prop::sample::select(vec![
        "inq_AAAAAAAAAAAAAAAAAAAAAAAA", "inq_", "iqse_AAAAAAAAAAAAAAAAAAAAAAAA", "evt_AAAAAAAAAAAAAAAAAAAAAAAA",
        "inquiry", "inquiry-session", "event", "pending", "needs_review", "redacted", "link",
        "token", "2026-01-01T00:00:00.000Z", "2026-02-30T00:00:00Z", "9999-12-31T23:59:59.999Z",
        "0000-01-01T00:00:00Z", "inquiry.completed", "inquiry-session.expired", "409", "",
        "\u{0}", "https://x/verify?inquiry-id=inq_AAAAAAAAAAAAAAAAAAAAAAAA&code=iqse_AAAAAAAAAAAAAAAAAAAAAAAA.A",
    ]);
    prop_oneof![
        4 => lookalike.prop_map(|s| Value::String(s.to_owned())),
        2 => any::<String>().prop_map(Value::String),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        1 => Just(Value::Array(vec![])),
        1 => Just(Value::Object(Default::default())),
        1 => (1usize..200_000).prop_map(|n| Value::String("x".repeat(n))),
        1 => (1usize..300).prop_map(|depth| {
            (0..depth).fold(Value::Null, |inner, _| Value::Array(vec![inner]))
        }),
    ]
}

/// Replaces, deletes or adds the member at a random place in the value tree.
#[derive(Debug, Clone)]
enum ValueMutation {
    Replace(usize, Value),
    Remove(usize),
    Add(usize, String, Value),
}

fn value_mutation() -> impl Strategy<Value = ValueMutation> {
    let key = prop::sample::select(vec![
        "data",
        "type",
        "id",
        "attributes",
        "status",
        "createdAt",
        "created_at",
        "payload",
        "meta",
        "errors",
        "relationships",
        "sessions",
        "name",
        "sequence",
        "kind",
        "x",
    ]);
    prop_oneof![
        3 => (any::<usize>(), hostile_value()).prop_map(|(at, v)| ValueMutation::Replace(at, v)),
        1 => any::<usize>().prop_map(ValueMutation::Remove),
        1 => (any::<usize>(), key, hostile_value())
            .prop_map(|(at, k, v)| ValueMutation::Add(at, k.to_owned(), v)),
    ]
}

/// The number of nodes in a value tree.
fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `mutation` at the node numbered `target` (pre-order).
fn apply(value: &mut Value, mutation: &ValueMutation) {
    let target = match mutation {
        ValueMutation::Replace(at, _) | ValueMutation::Remove(at) | ValueMutation::Add(at, ..) => {
            *at
        }
    } % count(value);
    let mut index = 0;
    visit(value, target, &mut index, mutation);
}

fn visit(value: &mut Value, target: usize, index: &mut usize, mutation: &ValueMutation) -> bool {
    if *index == target {
        match mutation {
            ValueMutation::Replace(_, new) => *value = new.clone(),
            ValueMutation::Remove(_) => *value = Value::Null,
            ValueMutation::Add(_, key, new) => match value {
                Value::Object(map) => {
                    map.insert(key.clone(), new.clone());
                }
                Value::Array(items) => items.push(new.clone()),
                other => *other = new.clone(),
            },
        }
        return true;
    }
    *index += 1;
    match value {
        Value::Array(items) => items
            .iter_mut()
            .any(|item| visit(item, target, index, mutation)),
        Value::Object(map) => {
            // Removing a member (not just nulling it) where the target is a member.
            if let ValueMutation::Remove(_) = mutation {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    if *index == target {
                        map.remove(&key);
                        return true;
                    }
                    if visit(
                        map.get_mut(&key).unwrap_or(&mut Value::Null),
                        target,
                        index,
                        mutation,
                    ) {
                        return true;
                    }
                }
                false
            } else {
                map.values_mut()
                    .any(|item| visit(item, target, index, mutation))
            }
        }
        _ => false,
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// The cases of each property below; 100,000 in all.
const BYTE_CASES: u32 = 40_000;
const VALUE_CASES: u32 = 40_000;
const SHAPE_CASES: u32 = 20_000;

proptest! {
    #![proptest_config(config(BYTE_CASES))]

    /// Byte-mutated documents: a typed refusal or a valid value, never a panic.
    #[test]
    fn byte_mutated_documents(seed in 0usize..24, mutations in prop::collection::vec(byte_mutation(), 1..6)) {
        let seeds = seeds_once();
        let text = mutate_bytes(&seeds.0[seed], &mutations);
        check_every_reader(&text, &seeds.1)?;
    }
}

proptest! {
    #![proptest_config(config(VALUE_CASES))]

    /// Documents with values replaced, removed or added anywhere: a typed refusal or a
    /// valid value.
    #[test]
    fn value_mutated_documents(seed in 0usize..24, mutations in prop::collection::vec(value_mutation(), 1..4)) {
        let seeds = seeds_once();
        let mut value: Value = serde_json::from_str(&seeds.0[seed]).unwrap();
        for mutation in &mutations {
            apply(&mut value, mutation);
        }
        check_every_reader(&value.to_string(), &seeds.1)?;
    }
}

proptest! {
    #![proptest_config(config(SHAPE_CASES))]

    /// Truncated documents, documents wrapped in deep nesting, and arbitrary text.
    #[test]
    fn truncated_nested_and_arbitrary_documents(
        seed in 0usize..24,
        cut in any::<prop::sample::Index>(),
        depth in 0usize..400,
        arbitrary in ".{0,64}",
        shape in 0u8..3,
    ) {
        let seeds = seeds_once();
        let document = &seeds.0[seed];
        let text = match shape {
            0 => {
                let mut at = cut.index(document.len() + 1);
                while !document.is_char_boundary(at) { at -= 1; }
                document[..at].to_owned()
            }
            1 => format!("{}{document}{}", "{\"data\":".repeat(depth), "}".repeat(depth)),
            _ => arbitrary,
        };
        check_every_reader(&text, &seeds.1)?;
    }
}

/// The seeds and their secrets, read once per test binary.
fn seeds_once() -> &'static (Vec<String>, Vec<String>) {
    static SEEDS: std::sync::OnceLock<(Vec<String>, Vec<String>)> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let seeds = seeds();
        let secrets = secrets(&seeds);
        (seeds, secrets)
    })
}
