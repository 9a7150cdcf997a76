//! Prints the rules from the data the state machine runs on, or refreshes the committed docs.
//!
//! Usage: `inquiry-rules --format markdown|mermaid|dot`,
//! `inquiry-rules explain STATUS ACTION [redacted]`, `inquiry-rules explain RULE`, or
//! `inquiry-rules --update-docs [DIR]` (DIR: the repository root, by default this one).

use std::process::ExitCode;

use inquiry_lifecycle_cli::render;
use inquiry_lifecycle_cli::{explain, repository_root, update_docs, DocUpdate};

const USAGE: &str = "usage: inquiry-rules --format markdown|mermaid|dot\n       inquiry-rules explain STATUS ACTION [redacted]   (e.g. explain approved resume)\n       inquiry-rules explain RULE   (e.g. explain S4b)\n       inquiry-rules --update-docs [DIR]   (rewrites the generated sections of DIR/README.md and DIR/docs/RULES.md; DIR defaults to the repository root)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--format", "markdown"] => print!("{}", render::markdown()),
        ["--format", "mermaid"] => print!("{}", render::mermaid()),
        ["--format", "dot"] => print!("{}", render::dot()),
        ["--format", other] => {
            eprintln!("inquiry-rules: unknown format {other:?}; expected markdown, mermaid or dot\n{USAGE}");
            return ExitCode::from(2);
        }
        ["explain", question @ ..] => match explain(question) {
            Ok(text) => print!("{text}"),
            Err(why) => {
                eprintln!("inquiry-rules: {why}");
                return ExitCode::from(2);
            }
        },
        ["--update-docs", rest @ ..] if rest.len() <= 1 => {
            let root = rest
                .first()
                .map_or_else(repository_root, std::path::PathBuf::from);
            return refresh(&root);
        }
        ["-h" | "--help"] => println!("{USAGE}"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn refresh(root: &std::path::Path) -> ExitCode {
    match update_docs(root) {
        Ok(done) => {
            for update in done {
                match update {
                    DocUpdate::Updated(doc) => println!("updated {doc}"),
                    DocUpdate::Unchanged(doc) => println!("unchanged {doc}"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("inquiry-rules: {error}");
            ExitCode::FAILURE
        }
    }
}
