//! The bundled scenarios pass, cover every rule ID, and the runner judges honestly.

use std::collections::BTreeSet;

use inquiry_lifecycle::rules::RULE_IDS;
use inquiry_lifecycle::ErrorCode;
use inquiry_lifecycle_cli::scenario::Scenario;
use inquiry_lifecycle_cli::{bundled_dir, files_in, read_scenario};

fn bundled() -> Vec<Scenario> {
    files_in(&bundled_dir())
        .unwrap()
        .iter()
        .map(|path| read_scenario(path).unwrap())
        .collect()
}

#[test]
fn every_bundled_scenario_passes() {
    let scenarios = bundled();
    assert!(scenarios.len() >= 10);
    for scenario in scenarios {
        let report = scenario.run();
        assert!(report.passed(), "{report}");
    }
}

#[test]
fn every_rule_id_is_illustrated_by_a_bundled_scenario() {
    let covered: BTreeSet<String> = bundled().into_iter().flat_map(|s| s.rules).collect();
    let missing: Vec<_> = RULE_IDS
        .iter()
        .filter(|id| !covered.contains(**id))
        .collect();
    assert!(missing.is_empty(), "rules no scenario names: {missing:?}");
}

mod common;

use common::STORY;

#[test]
fn a_scenario_with_a_false_expectation_fails_and_says_where() {
    let false_story = STORY.replace(r#""status": "pending""#, r#""status": "completed""#);
    let report = Scenario::from_json("false.json", &false_story)
        .unwrap()
        .run();
    assert!(!report.passed());
    let text = report.to_string();
    assert!(text.contains("expected status: completed"), "{text}");
    assert!(text.contains("happened status: pending"), "{text}");
    assert!(Scenario::from_json("true.json", STORY)
        .unwrap()
        .run()
        .passed());
}

#[test]
fn an_unexpected_refusal_fails_the_step_and_an_expected_one_passes() {
    let step3 =
        r#"{ "at": "2m", "do": "access", "token": "a", "expect": { "status": "pending" } }"#;
    let unexpected = STORY.replace(step3, r#"{ "at": "2m", "do": "start" }"#);
    let report = Scenario::from_json("x.json", &unexpected).unwrap().run();
    assert!(!report.passed());
    assert!(report
        .to_string()
        .contains("happened error: invalid_transition"));
    let expected = STORY.replace(
        step3,
        r#"{ "at": "2m", "do": "start", "expect": { "error": "invalid_transition" } }"#,
    );
    let report = Scenario::from_json("x.json", &expected).unwrap().run();
    assert!(report.passed(), "{report}");
}

#[test]
fn malformed_scenarios_are_refused_naming_file_step_and_key() {
    let cases = [
        ("not json", "not valid JSON"),
        (
            &STORY.replace(r#""at": "2m""#, r#""at": "2x""#),
            "step 3: key `at`",
        ),
        (
            &STORY.replace(r#""do": "access""#, r#""do": "teleport""#),
            "step 3: key `do`",
        ),
        (
            &STORY.replace(r#""expect""#, r#""expectt""#),
            "step 3: unknown field `expectt`",
        ),
        (
            &STORY.replace(r#""pending""#, r#""archived""#),
            "key `expect.status`",
        ),
        (
            &STORY.replace(r#""token": "a" }"#, r#""token": "b" }"#),
            "step 3: key `token`: label \"a\" was never issued",
        ),
        (
            &STORY.replace(r#""token": "a" },"#, r#""token": "forged" },"#),
            "step 2: key `token`: \"forged\" is reserved",
        ),
        (
            &STORY.replace(r#""do": "create""#, r#""do": "tick""#),
            "step 1: key `do`",
        ),
        (
            &STORY.replace(r#""name": "story","#, r#""name": "s", "rules": ["T99"],"#),
            "T99",
        ),
        (
            &STORY.replace(
                r#""status": "pending""#,
                r#""events": ["inquiry.teleported"]"#,
            ),
            "key `expect.events`",
        ),
        (
            &STORY.replace(r#""status": "pending""#, r#""error": "oops""#),
            "key `expect.error`",
        ),
        (
            &STORY.replace(
                r#""name": "story","#,
                r#""name": "s", "policy": {"expire_after_start": "0s"},"#,
            ),
            "expire_after_start",
        ),
    ];
    let links = r#"{ "name": "links", "steps": [
        { "at": "0s", "do": "create" },
        { "at": "1m", "do": "link", "token": "mail" },
        { "at": "2m", "do": "redeem", "token": "mail", "issue": "tab" } ] }"#;
    let link_cases = [
        (
            links.replace(r#""do": "create""#, r#""do": "create", "token": "forged""#),
            "step 1: key `token`: only start, resume, link, access and redeem take a token",
        ),
        (
            links.replace(
                r#""do": "redeem", "token": "mail", "issue": "tab""#,
                r#""do": "complete", "token": "mail""#,
            ),
            "step 3: key `token`: only start, resume, link, access and redeem take a token",
        ),
        (
            links.replace(r#""token": "mail", "issue""#, r#""issue""#),
            "step 3: key `token`: redeem needs the label of a link's code",
        ),
        (
            links.replace(
                r#""do": "link", "token": "mail""#,
                r#""do": "link", "token": "mail", "issue": "x""#,
            ),
            "step 2: key `issue`: only redeem takes `issue`",
        ),
        (
            links.replace(r#""issue": "tab""#, r#""issue": "forged""#),
            "step 3: key `issue`: \"forged\" is reserved",
        ),
        (
            links.replace(r#""do": "link", "token": "mail""#, r#""do": "link""#),
            "step 3: key `token`: label \"mail\" was never issued",
        ),
        (
            links.replace(
                r#""name": "links","#,
                r#""name": "l", "policy": {"one_time_link_ttl": "0s"},"#,
            ),
            "one_time_link_ttl",
        ),
    ];
    let link_cases: Vec<(&str, &str)> = link_cases.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    for (text, needle) in cases.into_iter().chain(link_cases) {
        let error = Scenario::from_json("bad.json", text).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        let message = error.to_string();
        assert!(message.contains("bad.json"), "{message}");
        assert!(message.contains(needle), "{needle:?} not in {message}");
    }
}

#[test]
fn the_timeline_names_actions_and_token_labels_and_judges_a_null_deadline() {
    let story = STORY.replace(
        r#""status": "pending""#,
        r#""status": "pending", "deadline": null"#,
    );
    let story = story.replace(
        r#""name": "story","#,
        r#""name": "story", "policy": { "expire_after_create": "2h" },"#,
    );
    let report = Scenario::from_json("x.json", &story).unwrap().run();
    let text = report.to_string();
    assert!(text.contains("start [a]"), "{text}");
    assert!(text.contains("access [a]"), "{text}");
    assert!(!report.passed(), "a pending inquiry has a deadline: {text}");
    assert!(text.contains("expected deadline: none"), "{text}");
    let created = r#"{ "name": "p", "policy": { "expire_after_create": "2h" },
        "steps": [ { "at": "0s", "do": "create", "expect": { "deadline": "2h" } } ] }"#;
    assert!(Scenario::from_json("p.json", created)
        .unwrap()
        .run()
        .passed());
}

/// SCENARIOS.md: a label exists only once the step that issues it succeeded; a step using
/// a label whose issuing step was refused fails, naming the label and that step, and is
/// never run as if it carried no token (A1).
#[test]
fn a_label_whose_issuing_step_was_refused_fails_the_step_that_uses_it() {
    let story = r#"{ "name": "refused issuer", "steps": [
        { "at": "0s", "do": "create" },
        { "at": "1m", "do": "expire" },
        { "at": "2m", "do": "link", "token": "mail", "expect": { "error": "inquiry_expired" } },
        { "at": "3m", "do": "redeem", "token": "mail", "expect": { "error": "inquiry_expired" } } ] }"#;
    let report = Scenario::from_json("refused.json", story).unwrap().run();
    let text = report.to_string();
    assert!(!report.passed(), "{text}");
    assert!(
        text.contains("label \"mail\" was not issued: step 3 that issues it was refused"),
        "{text}"
    );
    // On a created inquiry, an access without a token is granted: the runner must not
    // present "no token" for a label that was never issued.
    let story = r#"{ "name": "refused start", "steps": [
        { "at": "0s", "do": "create" },
        { "at": "1m", "do": "approve" },
        { "at": "2m", "do": "start", "token": "tab", "expect": { "error": "invalid_transition" } },
        { "at": "3m", "do": "check" },
        { "at": "4m", "do": "access", "token": "tab", "expect": { "error": "invalid_input" } } ] }"#;
    let report = Scenario::from_json("refused.json", story).unwrap().run();
    assert!(report.passed(), "{report}");
}

/// Every action a scenario step may `do`.
const ACTIONS: [&str; 15] = [
    "create",
    "start",
    "complete",
    "fail",
    "expire",
    "resume",
    "mark_for_review",
    "approve",
    "decline",
    "redact",
    "access",
    "link",
    "redeem",
    "tick",
    "check",
];

/// docs/SCENARIOS.md is complete enough to write a scenario from: its example runs and
/// passes, and every action and interval key it lists is one the runner accepts.
#[test]
fn the_format_doc_example_passes_and_its_tables_match_the_runner() {
    let doc =
        std::fs::read_to_string(inquiry_lifecycle_cli::repository_root().join("docs/SCENARIOS.md"))
            .unwrap();
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a JSON example");
    let report = Scenario::from_json("docs/SCENARIOS.md", example)
        .unwrap()
        .run();
    assert!(report.passed(), "{report}");
    let actions: Vec<&str> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .filter(|word| word.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    for action in ACTIONS {
        assert!(
            actions.contains(&action),
            "docs/SCENARIOS.md lacks `{action}`"
        );
    }
    for key in [
        "expire_after_create",
        "expire_after_start",
        "expire_after_resume",
        "session_token_ttl",
        "one_time_link_ttl",
    ] {
        assert!(actions.contains(&key), "docs/SCENARIOS.md lacks `{key}`");
        let story = format!(
            r#"{{ "name": "k", "policy": {{ "{key}": "1h" }}, "steps": [ {{ "at": "0s", "do": "create" }} ] }}"#
        );
        assert!(Scenario::from_json("k.json", &story).is_ok(), "{key}");
    }
    // Every action the doc lists is accepted as a step (after a create).
    for action in ACTIONS.into_iter().filter(|action| *action != "create") {
        let token = if action == "redeem" {
            r#", "token": "forged""#
        } else {
            ""
        };
        let story = format!(
            r#"{{ "name": "a", "steps": [ {{ "at": "0s", "do": "create" }}, {{ "at": "1m", "do": "{action}"{token} }} ] }}"#
        );
        if let Err(error) = Scenario::from_json("a.json", &story) {
            panic!("{action}: {error}");
        }
    }
}

/// Issue 14: an event recorded at another time than its step's says when (E4), and a
/// step's `at` may be an RFC 3339 instant; a bad offset says what is expected once.
#[test]
fn events_show_their_own_time_and_at_takes_an_instant() {
    let story = r#"{ "name": "late tick", "start": "2026-03-01T08:00:00Z",
        "policy": { "expire_after_create": "2h3m" },
        "steps": [
            { "at": "0s", "do": "create" },
            { "at": "2026-03-01T11:00:00Z", "do": "tick", "expect": { "status": "expired", "events": ["inquiry.expired"] } } ] }"#;
    let report = Scenario::from_json("late.json", story).unwrap().run();
    assert!(report.passed(), "{report}");
    // An instant at the start itself is the offset 0s.
    let at_start = story.replace(r#""at": "0s""#, r#""at": "2026-03-01T08:00:00Z""#);
    let report = Scenario::from_json("start.json", &at_start).unwrap().run();
    assert!(report.passed(), "{report}");
    assert!(report.steps[0].at == "0s", "{report}");
    let text = report.to_string();
    assert!(
        text.contains("     3h  tick"),
        "the instant shows as its offset: {text}"
    );
    assert!(text.contains("inquiry.expired at 2h3m"), "{text}");
    for (at, needle) in [
        ("2026-03-01T07:59:59Z", "is before the scenario's start"),
        ("2026-03-01T08:00:00.5Z", "is not a whole second"),
        (
            "2x",
            "nor an offset from `start`: bad duration \"2x\": 'x' is not a unit; expected whole numbers",
        ),
        ("1m1h", "'h' comes twice or after a smaller unit"),
    ] {
        let story = story.replace("2026-03-01T11:00:00Z", at);
        let message = Scenario::from_json("bad.json", &story)
            .unwrap_err()
            .to_string();
        assert!(message.contains(needle), "{at}: {message}");
        let is_offset = !at.starts_with("2026");
        assert_eq!(
            message.matches("largest first").count(),
            usize::from(is_offset),
            "the expected form is said once: {message}"
        );
    }
}

#[test]
fn scenario_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Scenario>();
    assert_send_sync::<inquiry_lifecycle_cli::scenario::Report>();
    assert_send_sync::<inquiry_lifecycle_cli::scenario::StepReport>();
}
