//! The scenario runner over files and folders: refused files count as failed, the run ends
//! with the totals, and the bundled scenarios all pass.

use inquiry_lifecycle_cli::{
    bundled_dir, files_in, read_scenario, read_scenario_within, run_paths, update_docs, DocUpdate,
    Limits,
};

mod common;

use common::STORY;

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

/// The binary's exit code: 0 when every scenario passed, 1 when one of them failed among
/// passing ones.
#[test]
fn one_failing_scenario_among_passing_ones_fails_the_run() {
    let dir = scratch("exit");
    std::fs::write(dir.join("a.json"), STORY).unwrap();
    let (code, out, _) = run_binary(&[dir.as_os_str()]);
    assert_eq!(code, 0, "{out}");
    let failing = STORY.replace(r#""status": "pending""#, r#""status": "failed""#);
    std::fs::write(dir.join("b.json"), failing).unwrap();
    let (code, out, _) = run_binary(&[dir.as_os_str()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 1 failed"), "{out}");
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
    let fresh = inquiry_lifecycle_cli::render::update_sections(
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

/// Runs the built `inquiry-scenarios` with `args`; fails the test if it has not ended
/// within 20 seconds (a FIFO used to hang it for ever). Returns (exit code, stdout, stderr).
// The watchdog reads the clock; the library never does.
#[allow(clippy::disallowed_methods)]
fn run_binary(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    use std::time::{Duration, Instant};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_inquiry-scenarios"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("inquiry-scenarios {args:?} did not end within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A FIFO, given as a file or lying in a folder, is refused without being opened: the run
/// ends, says why, and the folder's real scenarios still run.
#[test]
fn a_fifo_is_refused_without_hanging_the_runner() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe.json");
    mkfifo(&fifo);
    std::fs::write(dir.join("a.json"), STORY).unwrap();
    let (code, out, _) = run_binary(&[fifo.as_os_str()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not a regular file (a FIFO)"), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    let (code, out, _) = run_binary(&[dir.as_os_str()]);
    assert_eq!(code, 0, "the FIFO in the folder is passed over: {out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `/dev/zero` is a device: refused unread, so the runner does not grow without bound.
#[test]
fn a_device_is_refused_unread() {
    let zero = std::path::Path::new("/dev/zero");
    if !zero.exists() {
        return; // not a Unix-like system: nothing to show
    }
    let error = read_scenario(zero).unwrap_err();
    assert!(
        error.to_string().contains("not a regular file (a device)"),
        "{error}"
    );
    let (code, out, _) = run_binary(&[zero.as_os_str()]);
    assert_eq!(code, 1, "{out}");
}

/// A file over the size limit is refused, naming the flag that raises it; with the limit
/// raised it runs.
#[test]
fn a_file_over_the_size_limit_is_refused_and_the_flag_raises_it() {
    let dir = scratch("size");
    let file = dir.join("big.json");
    let padded = STORY.replacen('{', &format!("{{\n{}", " ".repeat(2_000)), 1);
    std::fs::write(&file, &padded).unwrap();
    let small = Limits { max_bytes: 1_000 };
    let error = read_scenario_within(&file, small).unwrap_err();
    assert!(
        error.to_string().contains("larger than 1000 bytes"),
        "{error}"
    );
    assert!(error.to_string().contains("--max-bytes"), "{error}");
    assert!(read_scenario_within(&file, Limits { max_bytes: 10_000 }).is_ok());
    // The limit is inclusive: a file of exactly the limit is read, one byte more is not.
    let size = padded.len() as u64;
    assert!(read_scenario_within(&file, Limits { max_bytes: size }).is_ok());
    let error = read_scenario_within(
        &file,
        Limits {
            max_bytes: size - 1,
        },
    )
    .unwrap_err();
    assert!(error.to_string().contains("larger than"), "{error}");
    let (code, out, _) = run_binary(&["--max-bytes".as_ref(), "1000".as_ref(), file.as_os_str()]);
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = run_binary(&["--max-bytes".as_ref(), "10000".as_ref(), file.as_os_str()]);
    assert_eq!(code, 0, "{out}");
    for bad in ["lots", "0", "-1"] {
        let (code, _, err) = run_binary(&["--max-bytes".as_ref(), bad.as_ref()]);
        assert_eq!(code, 2, "--max-bytes {bad}");
        assert!(
            err.contains("--max-bytes takes a positive whole number"),
            "--max-bytes {bad}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--help` and `-h` print the usage and run nothing.
#[test]
fn help_prints_the_usage_and_runs_nothing() {
    for flag in ["--help", "-h"] {
        let (code, out, _) = run_binary(&[flag.as_ref()]);
        assert_eq!(code, 0, "{flag}");
        assert!(out.starts_with("usage: inquiry-scenarios"), "{flag}: {out}");
        assert!(!out.contains("PASS "), "{flag} ran scenarios: {out}");
    }
}

/// A folder with no scenario files says so and fails the run, instead of printing only
/// "0 passed, 0 failed".
#[test]
fn a_folder_with_no_scenario_files_says_so() {
    let dir = scratch("empty");
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    let (code, out, _) = run_binary(&[dir.as_os_str()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("no scenario files (*.json) in this folder"),
        "{out}"
    );
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
