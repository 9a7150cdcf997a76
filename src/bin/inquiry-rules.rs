//! Prints the rules from the data the state machine runs on, or refreshes the committed docs.
//!
//! Usage: `inquiry-rules --format markdown|mermaid|dot` or `inquiry-rules --update-docs`.

use std::path::Path;
use std::process::ExitCode;

use inquiry_lifecycle::render;

const USAGE: &str = "usage: inquiry-rules --format markdown|mermaid|dot\n       inquiry-rules --update-docs   (rewrites the generated sections of README.md and docs/RULES.md)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--format", "markdown"] => print!("{}", render::markdown()),
        ["--format", "mermaid"] => print!("{}", render::mermaid()),
        ["--format", "dot"] => print!("{}", render::dot()),
        ["--update-docs"] => return update_docs(),
        ["-h" | "--help"] => println!("{USAGE}"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn update_docs() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in ["README.md", "docs/RULES.md"] {
        let path = root.join(doc);
        let result = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| render::update_sections(&text).map_err(|e| e.to_string()))
            .and_then(|text| std::fs::write(&path, text).map_err(|e| e.to_string()));
        match result {
            Ok(()) => println!("updated {doc}"),
            Err(error) => {
                eprintln!("inquiry-rules: {doc}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
