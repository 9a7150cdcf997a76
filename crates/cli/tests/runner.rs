//! The scenario runner over files and folders: refused files count as failed, the run ends
//! with the totals, and the bundled scenarios all pass.

use inquiry_lifecycle_cli::{
    bundled_dir, files_in, read_scenario, run_paths, update_docs, DocUpdate,
};

const STORY: &str = r#"{
  "name": "story",
  "steps": [
    { "at": "0s", "do": "create" },
    { "at": "1m", "do": "start", "token": "a" },
    { "at": "2m", "do": "access", "token": "a", "expect": { "status": "pending" } }
  ]
}"#;

/// A fresh folder of this test process's own.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("inquiry-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_runner_counts_refused_files_as_failed_and_ends_with_the_totals() {
    let dir = scratch("runner");
    std::fs::write(dir.join("a.json"), STORY).unwrap();
    std::fs::write(dir.join("b.json"), "{").unwrap();
    std::fs::write(dir.join("c.txt"), "ignored").unwrap();
    let failing = STORY.replace(r#""status": "pending""#, r#""status": "failed""#);
    std::fs::write(dir.join("d.json"), failing).unwrap();
    let missing = dir.join("no-such-folder").join("x.json");
    let mut out = Vec::new();
    let summary = run_paths(&[dir.clone(), missing], &mut out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!((summary.passed, summary.failed), (1, 3), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 3 failed"));
    assert!(text.contains("FAIL story"), "{text}");
    assert!(text.contains("  ok        1m  start [a]              pending · inquiry.started, inquiry-session.created"), "{text}");
    assert!(text.contains("REFUSED"), "{text}");
}

#[test]
fn the_bundled_scenarios_are_found_and_all_pass() {
    let files = files_in(&bundled_dir()).unwrap();
    assert!(files.len() >= 10, "{files:?}");
    for file in &files {
        let report = read_scenario(file).unwrap().run();
        assert!(report.passed(), "{report}");
    }
    let mut out = Vec::new();
    let summary = run_paths(&[bundled_dir()], &mut out).unwrap();
    assert_eq!((summary.passed, summary.failed), (files.len(), 0));
}

#[test]
fn an_unreadable_file_is_refused_with_its_name() {
    let missing = scratch("missing").join("nope.json");
    let error = read_scenario(&missing).unwrap_err();
    assert!(
        error.to_string().contains("nope.json: cannot be read"),
        "{error}"
    );
}

#[test]
fn updating_docs_says_unchanged_when_nothing_changed_and_rewrites_stale_sections() {
    let root = scratch("docs");
    std::fs::create_dir_all(root.join("docs")).unwrap();
    let fresh = inquiry_lifecycle::render::update_sections(
        "# Doc\n<!-- generated:transitions -->\nstale\n<!-- end generated:transitions -->\n",
    )
    .unwrap();
    std::fs::write(root.join("README.md"), &fresh).unwrap();
    std::fs::write(
        root.join("docs/RULES.md"),
        "<!-- generated:transitions -->\nstale\n<!-- end generated:transitions -->\n",
    )
    .unwrap();
    let done = update_docs(&root).unwrap();
    assert_eq!(
        done,
        [
            DocUpdate::Unchanged("README.md".into()),
            DocUpdate::Updated("docs/RULES.md".into())
        ]
    );
    let rules = std::fs::read_to_string(root.join("docs/RULES.md")).unwrap();
    assert!(!rules.contains("stale"), "{rules}");
    assert!(rules.contains("| T1 |"), "{rules}");
    std::fs::remove_dir_all(&root).unwrap();
}
