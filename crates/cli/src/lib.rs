//! The tools of `inquiry-lifecycle`: the scenario format ([`scenario`]: parse, check and
//! run the rules told as stories), finding and reading scenario files and running them with
//! a printed report, and the rules rendered as Markdown tables and diagrams ([`render`]) for
//! the docs, whose generated sections it refreshes.
//!
//! The core crate never touches the file system and carries no doc generators or file
//! formats of its own: it keeps its rules as data (`inquiry_lifecycle::rules`). This crate
//! renders that data, reads and judges scenarios, and reads and writes the files, for the
//! `inquiry-scenarios` and `inquiry-rules` binaries.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod render;
pub mod scenario;

use std::fmt;
use std::path::{Path, PathBuf};

use inquiry_lifecycle::Error;

use crate::scenario::Scenario;

/// The largest scenario file read unless told otherwise: 1 MiB. The bundled scenarios are
/// a few kilobytes each.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 20;

/// How the runner reads files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A file larger than this is refused unread.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Reads and checks one scenario file, within the default [`Limits`]; the message of a
/// refusal names the file.
pub fn read_scenario(path: &Path) -> Result<Scenario, Error> {
    read_scenario_within(path, Limits::default())
}

/// Reads and checks one scenario file. Only a regular file is read (a FIFO, a device such
/// as `/dev/zero`, a socket or a folder is refused without opening it), and only up to
/// `limits.max_bytes`: a larger file is refused, so a runaway input can neither hang the
/// runner nor fill its memory.
pub fn read_scenario_within(path: &Path, limits: Limits) -> Result<Scenario, Error> {
    let text = read_regular_file(path, limits)?;
    Scenario::from_json(&path.display().to_string(), &text)
}

fn read_regular_file(path: &Path, limits: Limits) -> Result<String, Error> {
    use std::io::Read;
    let refuse = |why: String| Error::invalid_input(format!("{}: {why}", path.display()));
    let metadata = std::fs::metadata(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(refuse(format!(
            "not a regular file ({}); only regular files are read",
            kind_of(&metadata.file_type())
        )));
    }
    if metadata.len() > limits.max_bytes {
        return Err(refuse(too_large(limits)));
    }
    let file = std::fs::File::open(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
    let mut bytes = Vec::new();
    // The file may have grown since it was measured: never read more than the limit allows.
    file.take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(refuse(too_large(limits)));
    }
    String::from_utf8(bytes).map_err(|e| refuse(format!("is not UTF-8 text: {e}")))
}

fn too_large(limits: Limits) -> String {
    format!(
        "larger than {} bytes; a scenario file is a few kilobytes (raise the limit with --max-bytes)",
        limits.max_bytes
    )
}

fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// The scenario files a path names: the file itself, or every regular `*.json` file in a
/// folder, sorted by name (FIFOs, devices and sub-folders are passed over). A folder with
/// none is refused, saying so.
pub fn files_in(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Error::invalid_input(format!("{}: cannot be read: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        // `DirEntry::file_type` does not follow links; a link to a regular file is kept.
        .filter(|entry| std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()))
        .map(|entry| entry.path())
        .filter(|file| file.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::invalid_input(format!(
            "{}: no scenario files (*.json) in this folder",
            path.display()
        )));
    }
    Ok(files)
}

/// The totals of a run over many files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Scenarios whose every step held.
    pub passed: usize,
    /// Scenarios that failed, or files that could not be read or were refused.
    pub failed: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// Runs every scenario the paths name within the default [`Limits`]; see
/// [`run_paths_within`].
pub fn run_paths(paths: &[PathBuf], out: &mut dyn std::io::Write) -> std::io::Result<Summary> {
    run_paths_within(paths, Limits::default(), out)
}

/// Runs every scenario the paths name, writing each timeline to `out`, then the closing
/// `N passed, M failed` line. A file that cannot be read or is refused, and a folder with
/// no scenario files, count as failed.
pub fn run_paths_within(
    paths: &[PathBuf],
    limits: Limits,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    for path in paths {
        let files = match files_in(path) {
            Ok(files) => files,
            Err(error) => {
                writeln!(out, "REFUSED {error}\n")?;
                summary.failed += 1;
                continue;
            }
        };
        for file in files {
            match read_scenario_within(&file, limits) {
                Ok(scenario) => {
                    let report = scenario.run();
                    if report.passed() {
                        summary.passed += 1;
                    } else {
                        summary.failed += 1;
                    }
                    writeln!(out, "{report}")?;
                }
                Err(error) => {
                    summary.failed += 1;
                    writeln!(out, "REFUSED {error}\n")?;
                }
            }
        }
    }
    writeln!(out, "{summary}")?;
    Ok(summary)
}

/// The repository's root: the folder of the workspace this crate was built in.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder of the scenarios bundled with the project.
pub fn bundled_dir() -> PathBuf {
    repository_root().join("scenarios")
}

/// What [`update_docs`] did to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocUpdate {
    /// The generated sections were stale and were rewritten.
    Updated(String),
    /// The document already held what the code generates.
    Unchanged(String),
}

/// Rewrites the generated sections of `README.md` and `docs/RULES.md` under `root` from the
/// rules the state machine runs on ([`crate::render::update_sections`]).
pub fn update_docs(root: &Path) -> Result<Vec<DocUpdate>, String> {
    let mut done = Vec::new();
    for doc in ["README.md", "docs/RULES.md"] {
        let path = root.join(doc);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{doc}: {e}"))?;
        let fresh = crate::render::update_sections(&text).map_err(|e| format!("{doc}: {e}"))?;
        if fresh == text {
            done.push(DocUpdate::Unchanged(doc.to_owned()));
        } else {
            std::fs::write(&path, fresh).map_err(|e| format!("{doc}: {e}"))?;
            done.push(DocUpdate::Updated(doc.to_owned()));
        }
    }
    Ok(done)
}

/// `inquiry-rules explain`: why the rule book allows or refuses an action on a status
/// (`explain approved resume`, `explain completed approve redacted`), or what a rule says
/// (`explain S4b`). The text printed, or why the question cannot be answered (unknown
/// status, action or rule ID, with the ones that exist).
pub fn explain(args: &[&str]) -> Result<String, String> {
    use inquiry_lifecycle::rules::{self, Action, Verdict, RULE_IDS};
    use inquiry_lifecycle::{Error, ErrorCode, Status};
    match args {
        [rule] if RULE_IDS.contains(rule) => rule_text(rule),
        [status, action] | [status, action, "redacted"] => {
            let status: Status = status.parse().map_err(|e: Error| e.detail().to_string())?;
            let action: Action = action.parse().map_err(|e: Error| e.detail().to_string())?;
            let why = rules::explain(status, args.len() == 3, action);
            let verdict = match why.verdict {
                Ok(Verdict::Applies(_)) => "allowed".to_owned(),
                Ok(Verdict::Repeat) => "allowed, a no-op".to_owned(),
                Err(code) => format!("refused, {code} (HTTP {})", ErrorCode::http_status(code)),
            };
            Ok(format!("{verdict}\n{}\n", why.text))
        }
        [other] => Err(format!(
            "unknown rule ID {other:?}; expected one of {}",
            RULE_IDS.join(", ")
        )),
        _ => Err("explain takes a rule ID (explain S4b) or a status and an action (explain approved resume [redacted])".to_owned()),
    }
}

/// What a rule says: the transition table's sentence for T1–T11 and L1, else its paragraph
/// in `docs/RULES.md`.
fn rule_text(id: &str) -> Result<String, String> {
    use inquiry_lifecycle::rules::{action_rules, CREATE};
    if id == CREATE.id {
        return Ok(format!(
            "{id}: create: an inquiry is created `{}`, yielding `{}`\n",
            CREATE.to, CREATE.event
        ));
    }
    if let Some(rule) = action_rules().find(|rule| rule.id == id) {
        return Ok(format!("{id}: {}: {}\n", rule.action, rule.summary));
    }
    let path = repository_root().join("docs/RULES.md");
    let doc = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = doc.lines().skip_while(|line| {
        let bullet = line.trim_start().strip_prefix("- **").unwrap_or("");
        !(bullet.starts_with(&format!("{id}**")) || bullet.starts_with(&format!("{id} (")))
    });
    let first = lines
        .next()
        .ok_or_else(|| format!("{id} has no paragraph in {}", path.display()))?;
    let mut text = first.trim_start().trim_start_matches("- ").to_owned();
    // The paragraph runs to a blank line or the next bullet, at any depth.
    for line in lines {
        if line.trim().is_empty() || line.trim_start().starts_with("- ") {
            break;
        }
        text.push(' ');
        text.push_str(line.trim());
    }
    Ok(format!("{}\n", text.replace("**", "")))
}

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
