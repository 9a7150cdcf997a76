//! Intervals, ids and the types' Debug forms: exact behaviour at the edges.

mod common;

use inquiry_lifecycle::*;

#[test]
fn intervals_parse_largest_unit_first_each_once() {
    let parse = |text: &str| text.parse::<Interval>().map(Interval::as_secs);
    assert_eq!(parse("1h30m").unwrap(), 5_400);
    assert_eq!(
        parse("2d3h4m5s").unwrap(),
        2 * 86_400 + 3 * 3_600 + 4 * 60 + 5
    );
    assert_eq!(parse("90m").unwrap(), 5_400);
    for bad in [
        "", "1h1h", "1m1h", "1s1d", "h", "1", "1x", "-1h", "0s", "1h 30m",
    ] {
        let error = parse(bad).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{bad:?}");
    }
}

/// A span is an interval's text form with zero allowed, up to 100 × `Interval::MAX`.
#[test]
fn spans_take_zero_and_stop_at_a_hundred_times_the_longest_interval() {
    assert_eq!("0s".parse::<Span>().unwrap(), Span::ZERO);
    assert_eq!(Span::ZERO.as_secs(), 0);
    assert_eq!(Span::MAX.as_secs(), 100 * Interval::MAX.as_secs());
    assert_eq!("365000d".parse::<Span>().unwrap(), Span::MAX);
    assert_eq!(Span::from_secs(Span::MAX.as_secs()).unwrap(), Span::MAX);
    assert_eq!(Span::MAX.to_string(), "365000d");
    let span = Span::from_secs(3_661).unwrap();
    assert_eq!(
        (span.to_string(), span.as_time_delta()),
        ("1h1m1s".to_owned(), chrono::TimeDelta::seconds(3_661))
    );
    for refused in [
        Span::from_secs(-1),
        Span::from_secs(Span::MAX.as_secs() + 1),
        "365000d1s".parse(),
    ] {
        let error = refused.unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    }
    let error = Span::from_secs(-1).unwrap_err().to_string();
    assert!(error.contains("-1s is outside 0s to 365000d"), "{error}");
    let error = "1m1h".parse::<Span>().unwrap_err().to_string();
    assert!(
        error.contains(&format!(
            "'h' comes twice or after a smaller unit; expected {}",
            Span::FORM
        )),
        "{error}"
    );
}

#[test]
fn intervals_stop_at_3650_days() {
    assert_eq!(Interval::MAX.as_secs(), 3_650 * 86_400);
    assert_eq!("3650d".parse::<Interval>().unwrap(), Interval::MAX);
    let error = "5000d".parse::<Interval>().unwrap_err().to_string();
    assert!(
        error.contains("longer than the maximum of 3650d"),
        "{error}"
    );
    let error = "99999999999d".parse::<Interval>().unwrap_err().to_string();
    assert!(error.contains("too"), "{error}");
}

#[test]
fn debug_forms_show_values_but_never_secrets() {
    let interval: Interval = "1h30m".parse().unwrap();
    assert_eq!(format!("{interval:?}"), "Interval(1h30m)");
    assert_eq!(format!("{:?}", SeededRandom::new(1)), "SeededRandom { .. }");
    assert_eq!(
        format!("{:?}", SecureRandom::from_os().unwrap()),
        "SecureRandom { .. }"
    );
    let id = InquiryId::parse("inq_RQ4jHMYx8wHMCSjQ2M43jf4r").unwrap();
    assert_eq!(
        format!("{id:?}"),
        "InquiryId(\"inq_RQ4jHMYx8wHMCSjQ2M43jf4r\")"
    );
}

/// Yields the given 64-bit values, little-endian, in order; then zeros.
struct Scripted(std::collections::VecDeque<u8>);

impl Scripted {
    fn new(values: &[u64]) -> Self {
        Scripted(values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }
}

impl RandomSource for Scripted {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            *byte = self.0.pop_front().unwrap_or(0);
        }
    }
}

#[test]
fn ids_redraw_values_that_would_bias_the_alphabet() {
    // Eight characters come from one 64-bit draw below the largest multiple of 62^8 a
    // u64 holds; a draw at or above it is drawn again (S1: uniform characters).
    let space = 62u64.pow(8);
    let limit = u64::MAX / space * space;
    // Low half 62 (digits 0, 1: "AB"), high half 125 = 1 + 2 * 62 (digits 1, 2: "BC").
    let second = 62 + 125 * 62u64.pow(4);
    let mut random = Scripted::new(&[limit, second, u64::MAX, 2, limit - 1, 7]);
    let id = InquiryId::generate(&mut random).to_string();
    // limit: redrawn, gives 2 = "C"; the second value gives "AB" + "AA" + "BC" + "AA"
    // (lowest digit first); u64::MAX: redrawn, gives limit - 1 = 62^8 - 1 modulo 62^8 =
    // eight "9"s. The 7 is never drawn.
    assert_eq!(id, "inq_CAAAAAAAABAABCAA99999999");
    assert_eq!(random.0.len(), 8, "exactly five draws of eight bytes");
}

#[test]
fn tokens_parse_back_compare_by_value_and_never_show() {
    let session = SessionId::parse("iqse_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    let token = SessionToken::generate(session, &mut SeededRandom::new(5));
    let text = token.expose_secret();
    // S2 (revision 2): the selector, a dot, the verifier.
    assert_eq!(text.len(), 73);
    assert!(text.starts_with("iqse_AAAAAAAAAAAAAAAAAAAAAAAA."));
    let parsed = SessionToken::parse(&text).unwrap();
    assert_eq!(parsed, token);
    assert_eq!(parsed.session(), Some(session));
    let other = SessionToken::generate(session, &mut SeededRandom::new(6));
    assert_ne!(parsed, other);
    assert_eq!(
        format!("{token:?}"),
        "SessionToken(iqse_AAAAAAAAAAAAAAAAAAAAAAAA.<redacted>)"
    );
    let digest = token.digest();
    assert!(digest.matches(&parsed));
    assert!(!digest.matches(&other));
    let shown = format!("{digest:?}");
    assert!(
        shown.starts_with("TokenDigest(") && shown.ends_with("…)"),
        "{shown}"
    );
    assert!(!shown.contains(text.as_str()));
    // The same verifier under another selector is another token.
    let verifier = text.split_once('.').unwrap().1;
    let moved = SessionToken::parse(&format!("iqse_BBBBBBBBBBBBBBBBBBBBBBBB.{verifier}")).unwrap();
    assert_ne!(moved, token);
    // Revision 1's form, the verifier alone, still parses, with no selector.
    let bare = SessionToken::parse(verifier).unwrap();
    assert_eq!(bare.session(), None);
    assert_eq!(format!("{bare:?}"), "SessionToken(<redacted>)");
    assert_eq!(bare.expose_secret().as_str(), verifier);
    assert!(digest.matches(&bare), "the digest is of the verifier alone");
}

#[test]
fn malformed_tokens_and_codes_are_refused_without_repeating_them() {
    let good = "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert!(SessionToken::parse(good).is_ok());
    assert!(LinkCode::parse(good).is_ok());
    for bad in [
        "",
        ".",
        "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.",
        "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.AAAA",
        "inq_AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "iqse_AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!",
        "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAA",
        "iqse_AAAAAAAAAAAAAAAAAAAAAAAA..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let token = SessionToken::parse(bad).unwrap_err();
        let code = LinkCode::parse(bad).unwrap_err();
        assert_eq!(token.code(), ErrorCode::InvalidInput, "{bad:?}");
        assert!(
            token.to_string().contains("malformed session token"),
            "{token}"
        );
        assert!(code.to_string().contains("malformed link code"), "{code}");
        if !bad.is_empty() && bad != "." {
            assert!(!token.to_string().contains(bad), "{token}");
            assert!(!code.to_string().contains(bad), "{code}");
        }
    }
}

#[test]
fn actions_attempts_and_session_statuses_display_their_names() {
    assert_eq!(Action::MarkForReview.to_string(), "mark_for_review");
    assert_eq!(
        Attempt::Action(Action::MarkForReview).to_string(),
        "mark for review"
    );
    assert_eq!(Attempt::Access.to_string(), "access");
    let names: Vec<_> = [
        SessionStatus::New,
        SessionStatus::Active,
        SessionStatus::Expired,
    ]
    .iter()
    .map(|s| (s.as_str(), s.to_string()))
    .collect();
    assert_eq!(
        names,
        [
            ("new", "new".to_owned()),
            ("active", "active".to_owned()),
            ("expired", "expired".to_owned())
        ]
    );
}

#[test]
fn refusal_messages_name_the_statuses_an_action_applies_to() {
    let refused = rules::decide(Status::Approved, false, Action::Expire).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "invalid_transition: cannot expire when an approved inquiry is decided; expire applies only to created or pending inquiries (T5)"
    );
    let refused = rules::decide(Status::Pending, true, Action::MarkForReview).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "redacted: the inquiry is redacted and frozen; mark for review is refused, only a repeated redact succeeds (T11)"
    );
    let refused = rules::decide(Status::Declined, false, Action::Complete).unwrap_err();
    assert!(refused
        .to_string()
        .ends_with("complete applies only to pending inquiries (T3)"));
}

#[cfg(feature = "proptest")]
#[test]
fn invalid_policies_break_every_field_and_players_keep_their_tokens() {
    use inquiry_lifecycle::strategies::{self, Player, Step};
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut named = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let builder = strategies::invalid_policy()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let message = builder.build().unwrap_err().to_string();
        for field in [
            "expire_after_create",
            "expire_after_start",
            "expire_after_resume",
            "session_token_ttl",
        ] {
            if message.contains(field) {
                named.insert(field);
            }
        }
    }
    assert_eq!(named.len(), 4, "{named:?}");
    let mut player = Player::new(&Policy::default(), 1, common::t0()).unwrap();
    let _ = player.step(Step::Act(Action::Start), common::t0()).unwrap();
    assert_eq!(player.issued().len(), 1);
    assert_eq!(player.events().len(), 3);
}

/// Issue 14: a policy from configuration, with the keys and interval text of a scenario's
/// `policy`, and a builder that takes an `Interval` as well as a `TimeDelta`.
#[test]
fn a_policy_reads_from_configuration_and_the_builder_takes_intervals() {
    let policy = Policy::from_json(
        r#"{ "expire_after_create": "2h", "expire_after_start": "1h30m",
             "expire_after_resume": "3h", "session_token_ttl": "10m", "one_time_link_ttl": "15m" }"#,
    )
    .unwrap();
    let intervals = policy.intervals();
    let texts = [
        intervals.expire_after_create,
        intervals.expire_after_start,
        intervals.expire_after_resume,
        intervals.session_token_ttl,
        intervals.one_time_link_ttl,
    ]
    .map(|interval| interval.to_string());
    assert_eq!(texts, ["2h", "1h30m", "3h", "10m", "15m"]);
    let back: Policy = serde_json::from_str(&serde_json::to_string(&policy).unwrap()).unwrap();
    assert_eq!(back, policy);
    assert_eq!(Policy::from_json("{}").unwrap(), Policy::default());
    assert_eq!(serde_json::to_string(&Policy::default()).unwrap(), "{}");
    for (text, needle) in [
        (r#"{ "session_token_ttl": "0s" }"#, "at `session_token_ttl`"),
        (
            r#"{ "expire_after_strat": "1h" }"#,
            "unknown field `expire_after_strat`",
        ),
        (r#"{ "one_time_link_ttl": 60 }"#, "at `one_time_link_ttl`"),
        (r#"{} trailing"#, "policy"),
        ("not json", "policy"),
    ] {
        let error = Policy::from_json(text).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{text}");
        assert!(error.to_string().contains(needle), "{text}: {error}");
    }
    let interval: Interval = "1h30m".parse().unwrap();
    assert_eq!(
        chrono::TimeDelta::from(interval),
        chrono::TimeDelta::minutes(90)
    );
    let built = Policy::builder()
        .expire_after_create(Interval::from_secs(7_200).unwrap())
        .expire_after_start(interval)
        .expire_after_resume(chrono::TimeDelta::hours(3))
        .session_token_ttl("10m".parse::<Interval>().unwrap())
        .one_time_link_ttl("15m".parse::<Interval>().unwrap())
        .build()
        .unwrap();
    assert_eq!(built, policy);
}

#[test]
fn link_codes_never_show_their_secret() {
    let session = SessionId::parse("iqse_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    let code = LinkCode::generate(session, &mut SeededRandom::new(9));
    let text = code.expose_secret();
    assert_eq!(
        format!("{code:?}"),
        "LinkCode(iqse_AAAAAAAAAAAAAAAAAAAAAAAA.<redacted>)"
    );
    let bare = LinkCode::parse(text.split_once('.').unwrap().1).unwrap();
    assert_eq!(format!("{bare:?}"), "LinkCode(<redacted>)");
    assert_eq!(code.session(), Some(session));
    assert_eq!(bare.session(), None);
}

/// Issue 25, item 7: a new reference id holds no control (Cc) or format (Cf) character,
/// which would make one id look like another; the refusal names the code point. A record
/// written before the rule, with such a character, still loads.
#[test]
fn a_reference_id_refuses_control_and_format_characters_but_old_records_load() {
    for (text, named) in [
        ("user-\u{202E}1234", "U+202E"), // right-to-left override
        ("user\u{200B}-1", "U+200B"),    // zero-width space
        ("user\u{200D}1", "U+200D"),     // zero-width joiner
        ("\u{FEFF}user-1", "U+FEFF"),    // byte order mark
        ("user\u{00AD}1", "U+00AD"),     // soft hyphen
        ("user\u{2066}1", "U+2066"),     // left-to-right isolate
        ("user\u{E0041}", "U+E0041"),    // tag character
        ("a\u{0007}b", "U+0007"),        // bell (Cc)
        ("a\u{009B}b", "U+009B"),        // C1 control (Cc)
    ] {
        let error = ReferenceId::parse(text).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{text:?}");
        assert!(error.to_string().contains(named), "{text:?}: {error}");
    }
    for fine in ["user-4711", "Zoë", "用户-1", "user 1", "👩", "a.b@c"] {
        assert!(ReferenceId::parse(fine).is_ok(), "{fine:?}");
    }
    // A stored record keeps loading: only new input is held to the format rule.
    let (mut inquiry, mut random) = common::created();
    let _ = inquiry.start(common::min(1), &mut random).unwrap();
    let text = serde_json::to_string(&inquiry).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["reference_id"] = serde_json::json!("user-\u{202E}1234");
    let loaded = Inquiry::from_json(&value.to_string()).expect("an old record loads");
    assert_eq!(loaded.reference_id().unwrap().as_str(), "user-\u{202E}1234");
    value["reference_id"] = serde_json::json!("a\u{0007}b");
    assert!(
        Inquiry::from_json(&value.to_string()).is_err(),
        "control characters never load"
    );
}

/// The vocabularies are their names: every error code and event name displays as its
/// wire name and reads back from it, and nothing else reads; each code has its own
/// one-line description; exactly the `inquiry-session.*` names are session events.
#[test]
fn codes_and_event_names_read_back_from_their_names_only() {
    let mut descriptions = std::collections::BTreeSet::new();
    for code in ErrorCode::ALL {
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), code);
        assert!(
            code.description().len() > 20,
            "{code}: {}",
            code.description()
        );
        assert!(
            descriptions.insert(code.description()),
            "{code} repeats a description"
        );
    }
    for name in EventName::ALL {
        assert_eq!(name.to_string(), name.as_str());
        assert_eq!(name.as_str().parse::<EventName>().unwrap(), name);
        assert_eq!(
            name.is_session_event(),
            name.as_str().starts_with("inquiry-session."),
            "{name}"
        );
    }
    for unknown in [
        "",
        "conflict",
        "inquiry.deleted",
        "INVALID_TOKEN",
        "invalid_token ",
    ] {
        let refused = unknown.parse::<ErrorCode>().unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidInput, "{unknown:?}");
        assert!(unknown.parse::<EventName>().is_err(), "{unknown:?}");
    }
}
