//! Runs scenario files and prints each as a timeline.
//!
//! Usage: `inquiry-scenarios [FILE_OR_FOLDER ...]`; with no arguments, the bundled
//! scenarios. Ends with `N passed, M failed`; exits 1 if any scenario failed or was refused.

use std::path::PathBuf;
use std::process::ExitCode;

use inquiry_lifecycle_cli::{bundled_dir, run_paths};

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.iter().any(|p| p == "-h" || p == "--help") {
        println!("usage: inquiry-scenarios [FILE_OR_FOLDER ...]\nRuns scenario files (a folder: every *.json in it); with no arguments, the bundled scenarios.");
        return ExitCode::SUCCESS;
    }
    if paths.is_empty() {
        paths.push(bundled_dir());
    }
    let mut stdout = std::io::stdout().lock();
    match run_paths(&paths, &mut stdout) {
        Ok(summary) if summary.failed == 0 && summary.passed > 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("inquiry-scenarios: cannot write the report: {error}");
            ExitCode::FAILURE
        }
    }
}
