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
    use inquiry_lifecycle::render;
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
    for args in [&["--format", "svg"][..], &["--frobnicate"], &[]] {
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
