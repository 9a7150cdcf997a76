//! `inquiry-rules`, run as a person would: each format prints what the core renders, the
//! docs are refreshed (or said to be fresh), and a bad command line is refused.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_inquiry-rules"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn each_format_prints_what_the_core_renders() {
    use inquiry_lifecycle_cli::render;
    for (format, expected) in [
        ("markdown", render::markdown()),
        ("mermaid", render::mermaid()),
        ("dot", render::dot()),
    ] {
        let (code, out, _) = run(&["--format", format]);
        assert_eq!(code, 0, "{format}");
        assert_eq!(out, expected, "{format}");
    }
}

#[test]
fn an_unknown_format_or_argument_is_refused_with_the_usage() {
    let (code, out, err) = run(&["--format", "svg"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("inquiry-rules: unknown format \"svg\"; expected markdown, mermaid or dot"),
        "{err}"
    );
    for args in [&["--frobnicate"][..], &[], &["--update-docs", "one", "two"]] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.starts_with("usage: inquiry-rules"), "{args:?}: {err}");
    }
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("usage: inquiry-rules"), "{out}");
}

#[test]
fn update_docs_rewrites_stale_sections_then_says_unchanged() {
    let root = std::env::temp_dir().join(format!("inquiry-rules-docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("docs")).unwrap();
    let stale = "<!-- generated:transitions -->\nstale\n<!-- end generated:transitions -->\n";
    std::fs::write(root.join("README.md"), stale).unwrap();
    std::fs::write(root.join("docs/RULES.md"), stale).unwrap();
    let dir = root.to_str().unwrap();
    let (code, out, _) = run(&["--update-docs", dir]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "updated README.md\nupdated docs/RULES.md\n");
    let (code, out, _) = run(&["--update-docs", dir]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "unchanged README.md\nunchanged docs/RULES.md\n");
    std::fs::remove_dir_all(&root).unwrap();
    let (code, _, err) = run(&["--update-docs", dir]);
    assert_eq!(code, 1);
    assert!(err.starts_with("inquiry-rules: README.md:"), "{err}");
}

#[test]
fn explain_answers_a_status_and_an_action_or_a_rule_id() {
    let (code, out, _) = run(&["explain", "approved", "resume"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "refused, not_resumable (HTTP 409)\nnot_resumable: an approved inquiry is decided; only created, pending or expired inquiries can be resumed (T6, T7)\n"
    );
    let (_, out, _) = run(&["explain", "expired", "resume"]);
    assert!(out.starts_with("allowed\nT7: "), "{out}");
    let (_, out, _) = run(&["explain", "approved", "approve"]);
    assert!(out.starts_with("allowed, a no-op\n"), "{out}");
    let (_, out, _) = run(&["explain", "pending", "link", "redacted"]);
    assert!(out.starts_with("refused, redacted (HTTP 409)"), "{out}");
    let (code, out, _) = run(&["explain", "S4b"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("S4b Resume of a live inquiry (T6) reuses"),
        "{out}"
    );
    assert!(out.contains("no session event"), "{out}");
    assert!(!out.contains("S5"), "stops at the next rule: {out}");
    let (_, out, _) = run(&["explain", "L1"]);
    assert!(out.starts_with("L1: link: "), "{out}");
    for id in inquiry_lifecycle::rules::RULE_IDS {
        let (code, out, err) = run(&["explain", id]);
        assert_eq!(code, 0, "{id}: {err}");
        assert!(out.starts_with(id), "{id}: {out}");
    }
    for (args, needle) in [
        (
            &["explain", "archived", "resume"][..],
            "unknown status \"archived\"; expected one of created",
        ),
        (
            &["explain", "pending", "teleport"],
            "unknown action \"teleport\"; expected one of start",
        ),
        (&["explain", "Z9"], "unknown rule ID \"Z9\""),
        (&["explain"], "explain takes a rule ID"),
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
