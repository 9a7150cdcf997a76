//! Prints the rules from the data the state machine runs on, or refreshes the committed docs.
//!
//! Usage: `inquiry-rules --format markdown|mermaid|dot` or `inquiry-rules --update-docs`.

use std::process::ExitCode;

use inquiry_lifecycle::render;
use inquiry_lifecycle_cli::{repository_root, update_docs, DocUpdate};

const USAGE: &str = "usage: inquiry-rules --format markdown|mermaid|dot\n       inquiry-rules --update-docs   (rewrites the generated sections of README.md and docs/RULES.md)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--format", "markdown"] => print!("{}", render::markdown()),
        ["--format", "mermaid"] => print!("{}", render::mermaid()),
        ["--format", "dot"] => print!("{}", render::dot()),
        ["--update-docs"] => match update_docs(&repository_root()) {
            Ok(done) => {
                for update in done {
                    match update {
                        DocUpdate::Updated(doc) => println!("updated {doc}"),
                        DocUpdate::Unchanged(doc) => println!("unchanged {doc}"),
                    }
                }
            }
            Err(error) => {
                eprintln!("inquiry-rules: {error}");
                return ExitCode::FAILURE;
            }
        },
        ["-h" | "--help"] => println!("{USAGE}"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
