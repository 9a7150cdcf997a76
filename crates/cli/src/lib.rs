//! The file-system side of the command-line tools: finding scenario files, reading them,
//! running them with a printed report, and refreshing the generated sections of the docs.
//!
//! The core crate, `inquiry-lifecycle`, never touches the file system: it parses scenarios
//! from text ([`Scenario::from_json`]) and renders tables as strings. This crate reads and
//! writes the files, for the `inquiry-scenarios` and `inquiry-rules` binaries.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::path::{Path, PathBuf};

use inquiry_lifecycle::scenario::Scenario;
use inquiry_lifecycle::Error;

/// Reads and checks one scenario file; the message of a refusal names the file.
pub fn read_scenario(path: &Path) -> Result<Scenario, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_input(format!("{}: cannot be read: {e}", path.display())))?;
    Scenario::from_json(&path.display().to_string(), &text)
}

/// The scenario files a path names: the file itself, or every `*.json` in a folder,
/// sorted by name.
pub fn files_in(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Error::invalid_input(format!("{}: cannot be read: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
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

/// Runs every scenario the paths name, writing each timeline to `out`, then the closing
/// `N passed, M failed` line. A file that cannot be read or is refused counts as failed.
pub fn run_paths(paths: &[PathBuf], out: &mut dyn std::io::Write) -> std::io::Result<Summary> {
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
            match read_scenario(&file) {
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
/// rules the state machine runs on ([`inquiry_lifecycle::render::update_sections`]).
pub fn update_docs(root: &Path) -> Result<Vec<DocUpdate>, String> {
    let mut done = Vec::new();
    for doc in ["README.md", "docs/RULES.md"] {
        let path = root.join(doc);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{doc}: {e}"))?;
        let fresh =
            inquiry_lifecycle::render::update_sections(&text).map_err(|e| format!("{doc}: {e}"))?;
        if fresh == text {
            done.push(DocUpdate::Unchanged(doc.to_owned()));
        } else {
            std::fs::write(&path, fresh).map_err(|e| format!("{doc}: {e}"))?;
            done.push(DocUpdate::Updated(doc.to_owned()));
        }
    }
    Ok(done)
}
