//! Runs scenario files and prints each as a timeline.
//!
//! Usage: `inquiry-scenarios [--max-bytes N] [FILE_OR_FOLDER ...]`; with no paths, the
//! bundled scenarios. Ends with `N passed, M failed`; exits 1 if any scenario failed or was
//! refused, 2 on a bad command line.

use std::path::PathBuf;
use std::process::ExitCode;

use inquiry_lifecycle_cli::{bundled_dir, run_paths_within, Limits, DEFAULT_MAX_BYTES};

const USAGE: &str = "usage: inquiry-scenarios [--max-bytes N] [FILE_OR_FOLDER ...]

Runs scenario files and prints each as a timeline; a folder means every *.json file in it.
With no paths, runs the scenarios bundled with the project. Ends with 'N passed, M failed'
and exits 1 if any scenario failed or a file was refused.

  --max-bytes N   refuse files larger than N bytes (default 1048576)
  -h, --help      this text";

fn main() -> ExitCode {
    let mut limits = Limits::default();
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some("--max-bytes") => {
                let value = args.next();
                match value
                    .as_ref()
                    .and_then(|v| v.to_str())
                    .map(str::parse::<u64>)
                {
                    Some(Ok(max)) if max > 0 => limits.max_bytes = max,
                    _ => {
                        eprintln!(
                            "inquiry-scenarios: --max-bytes takes a positive whole number of bytes (default {DEFAULT_MAX_BYTES}), got {value:?}\n\n{USAGE}"
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        paths.push(bundled_dir());
    }
    let mut stdout = std::io::stdout().lock();
    match run_paths_within(&paths, limits, &mut stdout) {
        // Every path names at least one file or counts as failed: no failure means every
        // scenario of at least one ran and passed.
        Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("inquiry-scenarios: cannot write the report: {error}");
            ExitCode::FAILURE
        }
    }
}
