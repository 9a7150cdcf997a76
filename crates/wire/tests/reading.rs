//! W7: reading is strict where it protects (a bad `type`, id, status or instant is
//! `invalid_input` naming the JSON path) and lenient where the vendor grows (unknown keys
//! and unknown event names are not fatal; keys come in any inflection).

use inquiry_lifecycle::{ErrorCode, EventName};
use inquiry_lifecycle_wire::{
    ErrorDocument, EventDocument, IncomingEvent, InquiryDocument, SessionsDocument,
    MAX_DOCUMENT_BYTES,
};
use serde_json::{json, Value};

fn golden(inflection: &str, name: &str) -> Value {
    let path = format!(
        "{}/tests/golden/{inflection}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Reads `document` as an inquiry document and expects `invalid_input` mentioning each of
/// `needles`.
fn refused_inquiry(document: &Value, needles: &[&str]) {
    let error = InquiryDocument::from_json(&document.to_string()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    for needle in needles {
        assert!(
            error.to_string().contains(needle),
            "{needle:?} not in {error}"
        );
    }
}

#[test]
fn w7_a_bad_type_id_status_or_instant_is_refused_naming_its_path() {
    let kebab = golden("kebab", "inquiry-pending");
    let mut document = kebab.clone();
    document["data"]["type"] = json!("inquiries");
    refused_inquiry(
        &document,
        &["at `data.type`", "\"inquiries\"", "expected \"inquiry\""],
    );

    let mut document = kebab.clone();
    document["data"]["id"] = json!("inq_short");
    refused_inquiry(&document, &["at `data.id`", "malformed inquiry id"]);

    let mut document = kebab.clone();
    document["data"]["attributes"]["status"] = json!("verified");
    refused_inquiry(&document, &["at `data.attributes.status`", "verified"]);

    let mut document = kebab.clone();
    document["data"]["attributes"]["created-at"] = json!("2026-13-01T00:00:00Z");
    refused_inquiry(&document, &["at `data.attributes.created-at`", "RFC 3339"]);

    let mut document = kebab.clone();
    document["data"]["attributes"]["expires-at"] = json!(1767225600);
    refused_inquiry(
        &document,
        &[
            "at `data.attributes.expires-at`",
            "expected a string, found a number",
        ],
    );

    let mut document = kebab.clone();
    document["data"]["relationships"]["sessions"]["data"][1]["id"] = json!("iqse_x");
    refused_inquiry(&document, &["at `data.relationships.sessions.data[1].id`"]);

    let mut document = kebab.clone();
    document["data"]["relationships"]["sessions"]["data"][0]["type"] = json!("inquiry");
    refused_inquiry(
        &document,
        &["at `data.relationships.sessions.data[0].type`"],
    );

    let mut document = kebab.clone();
    document["data"]["attributes"]["reference-id"] = json!("");
    refused_inquiry(
        &document,
        &["at `data.attributes.reference-id`", "reference id"],
    );

    // The path is spelled as the document spells it.
    let mut document = golden("camel", "inquiry-pending");
    document["data"]["attributes"]["createdAt"] = json!("yesterday");
    refused_inquiry(&document, &["at `data.attributes.createdAt`"]);

    // Required members.
    let mut document = kebab.clone();
    document["data"]["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    refused_inquiry(&document, &["at `data.attributes`", "`status` is missing"]);
    refused_inquiry(&json!({}), &["at `.`", "`data` is missing"]);
    refused_inquiry(&json!([]), &["expected an object, found an array"]);
    refused_inquiry(&json!({"data": null}), &["`data` is missing"]);
}

#[test]
fn w7_unknown_keys_are_ignored_and_keys_come_in_any_inflection() {
    let kebab = golden("kebab", "inquiry-pending");
    let expected = InquiryDocument::from_json(&kebab.to_string())
        .unwrap()
        .inquiry;
    let mut grown = kebab.clone();
    grown["data"]["attributes"]["fields"] = json!({"name-first": {"type": "string"}});
    grown["data"]["attributes"]["next-step-name"] = json!("selfie");
    grown["data"]["relationships"]["template"] = json!({"data": null});
    grown["included"] = json!([]);
    grown["links"] = json!({"self": "/x"});
    assert_eq!(
        InquiryDocument::from_json(&grown.to_string())
            .unwrap()
            .inquiry,
        expected
    );

    for inflection in ["camel", "snake"] {
        let document = golden(inflection, "inquiry-pending");
        assert_eq!(
            InquiryDocument::from_json(&document.to_string())
                .unwrap()
                .inquiry,
            expected
        );
    }
    // Mixed within one document, and optional stamps left out (null when unset).
    let mut mixed = kebab.clone();
    let attributes = mixed["data"]["attributes"].as_object_mut().unwrap();
    let created = attributes.remove("created-at").unwrap();
    attributes.insert("createdAt".into(), created);
    let updated = attributes.remove("updated-at").unwrap();
    attributes.insert("updated_at".into(), updated);
    attributes.remove("failed-at");
    attributes.remove("redacted-at");
    assert_eq!(
        InquiryDocument::from_json(&mixed.to_string())
            .unwrap()
            .inquiry,
        expected
    );

    // The wire's precision is the millisecond: a finer instant is cut to it, a leap second
    // is its last millisecond, as written.
    let mut fine = kebab.clone();
    fine["data"]["attributes"]["created-at"] = json!("2026-01-01T00:00:00.000999Z");
    assert_eq!(
        InquiryDocument::from_json(&fine.to_string())
            .unwrap()
            .inquiry,
        expected
    );
    let mut leap = kebab.clone();
    leap["data"]["attributes"]["started-at"] = json!("2016-12-31T23:59:60.5Z");
    let read = InquiryDocument::from_json(&leap.to_string())
        .unwrap()
        .inquiry;
    let text =
        InquiryDocument::new(read.clone()).to_json(inquiry_lifecycle_wire::Inflection::Kebab);
    assert!(
        text.contains("\"started-at\":\"2016-12-31T23:59:59.999Z\""),
        "{text}"
    );
    assert_eq!(InquiryDocument::from_json(&text).unwrap().inquiry, read);

    // An instant with another offset is the same instant in UTC.
    let mut offset = kebab.clone();
    offset["data"]["attributes"]["created-at"] = json!("2026-01-01T01:00:00.000+01:00");
    assert_eq!(
        InquiryDocument::from_json(&offset.to_string())
            .unwrap()
            .inquiry,
        expected
    );
}

#[test]
fn w7_an_event_with_an_unknown_name_is_skipped_not_fatal() {
    let mut event = golden("kebab", "event-inquiry");
    event["data"]["attributes"]["name"] = json!("inquiry.transitioned");
    // Its payload is not read at all.
    event["data"]["attributes"]["payload"] = json!({"data": {"type": "something-new"}});
    match EventDocument::from_json(&event.to_string()).unwrap() {
        IncomingEvent::Unknown { id, name } => {
            assert_eq!(id.to_string(), event["data"]["id"].as_str().unwrap());
            assert_eq!(name, "inquiry.transitioned");
        }
        known => panic!("{known:?}"),
    }
    // Its id is still checked: a receiver acknowledges it by id.
    event["data"]["id"] = json!("evt_");
    let refused = EventDocument::from_json(&event.to_string()).unwrap_err();
    assert!(refused.to_string().contains("at `data.id`"), "{refused}");
}

#[test]
fn w7_a_known_event_needs_the_payload_its_name_says() {
    let session_event = golden("kebab", "event-session");
    let IncomingEvent::Known(read) = EventDocument::from_json(&session_event.to_string()).unwrap()
    else {
        panic!()
    };
    assert_eq!(read.name, EventName::SessionCreated);
    assert_eq!(read.sequence, Some(4));

    let mut wrong = session_event.clone();
    wrong["data"]["attributes"]["name"] = json!("inquiry.completed");
    let refused = EventDocument::from_json(&wrong.to_string()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("at `data.attributes.payload.data.type`"),
        "{refused}"
    );

    let mut vendor = session_event.clone();
    vendor["data"]["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("sequence");
    let IncomingEvent::Known(read) = EventDocument::from_json(&vendor.to_string()).unwrap() else {
        panic!()
    };
    assert_eq!(read.sequence, None, "a vendor's event has no sequence");

    for bad in [json!(-1), json!(1.5), json!("4")] {
        let mut document = session_event.clone();
        document["data"]["attributes"]["sequence"] = bad;
        let refused = EventDocument::from_json(&document.to_string()).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("at `data.attributes.sequence`"),
            "{refused}"
        );
    }
    let mut document = session_event.clone();
    document["data"]["attributes"]["payload"]["data"]["attributes"]["kind"] = json!("sms");
    let refused = EventDocument::from_json(&document.to_string()).unwrap_err();
    assert!(
        refused.to_string().contains("unknown session kind"),
        "{refused}"
    );
    let mut document = session_event.clone();
    document["data"]["attributes"]["payload"]["data"]["attributes"]["status"] = json!("open");
    let refused = EventDocument::from_json(&document.to_string()).unwrap_err();
    assert!(
        refused.to_string().contains("unknown session status"),
        "{refused}"
    );
    let mut document = session_event;
    document["data"]["type"] = json!("events");
    assert!(EventDocument::from_json(&document.to_string()).is_err());
}

#[test]
fn w7_lists_errors_and_meta_are_read_as_strictly() {
    let sessions = golden("snake", "sessions");
    assert_eq!(
        SessionsDocument::from_json(&sessions.to_string())
            .unwrap()
            .sessions
            .len(),
        2
    );
    let mut bad = sessions.clone();
    bad["data"][1]["relationships"]["inquiry"]["data"]["id"] = json!("inq_");
    let refused = SessionsDocument::from_json(&bad.to_string()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("at `data[1].relationships.inquiry.data.id`"),
        "{refused}"
    );

    let error = golden("kebab", "error");
    assert_eq!(
        ErrorDocument::from_json(&error.to_string())
            .unwrap()
            .status(),
        409
    );
    for status in [json!(409), json!("4xx"), json!("99")] {
        let mut bad = error.clone();
        bad["errors"][0]["status"] = status;
        let refused = ErrorDocument::from_json(&bad.to_string()).unwrap_err();
        assert!(
            refused.to_string().contains("at `errors[0].status`"),
            "{refused}"
        );
    }

    let mut token = golden("kebab", "response-session-token");
    token["meta"]["session-token"] = json!("iqse_abc.def");
    let refused = InquiryDocument::from_json(&token.to_string()).unwrap_err();
    assert!(
        refused.to_string().contains("at `meta.session-token`"),
        "{refused}"
    );
    assert!(
        !refused.to_string().contains("def"),
        "no part of a secret in a message: {refused}"
    );
    let mut link = golden("kebab", "response-one-time-link");
    let url = link["meta"]["one-time-link"].as_str().unwrap().to_owned();
    link["meta"]["one-time-link"] = json!(url.replace("code=", "kode="));
    let refused = InquiryDocument::from_json(&link.to_string()).unwrap_err();
    assert!(
        refused.to_string().contains("at `meta.one-time-link`"),
        "{refused}"
    );
    let code = url.split("code=").nth(1).unwrap();
    assert!(!refused.to_string().contains(code), "{refused}");
    // A meta this library does not know is no meta.
    let mut other = golden("kebab", "inquiry-pending");
    other["meta"] = json!({"page": 2});
    assert!(InquiryDocument::from_json(&other.to_string())
        .unwrap()
        .meta
        .is_none());
}

#[test]
fn w7_oversized_deep_and_broken_documents_are_refused() {
    let huge = format!("{{\"data\": \"{}\"}}", "x".repeat(MAX_DOCUMENT_BYTES));
    let refused = InquiryDocument::from_json(&huge).unwrap_err();
    assert!(
        refused.to_string().contains("bytes a document may have"),
        "{refused}"
    );

    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let refused = EventDocument::from_json(&deep).unwrap_err();
    assert!(refused.to_string().contains("recursion limit"), "{refused}");

    for broken in [
        "",
        "{",
        "{\"data\":",
        "null",
        "\"data\"",
        "{\"data\": {\"type\": \"inquiry\"}}x",
    ] {
        let refused = InquiryDocument::from_json(broken).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidInput, "{broken:?}");
    }
}
