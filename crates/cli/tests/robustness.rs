//! Scenario files get arbitrary and edited input: each is refused as a whole with
//! `invalid_input`, or runs to its end, and nothing panics. 20,000 cases unless
//! `PROPTEST_CASES` says otherwise.

use inquiry_lifecycle::strategies::{self, TextEdit};
use inquiry_lifecycle::ErrorCode;
use inquiry_lifecycle_cli::scenario::Scenario;
use inquiry_lifecycle_cli::{bundled_dir, files_in};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn bundled_texts() -> Vec<String> {
    let files = files_in(&bundled_dir()).expect("the bundled scenarios are readable");
    files
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a bundled scenario is text"))
        .collect()
}

proptest! {
    #![proptest_config(Config::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
    ))]

    /// Scenario files, arbitrary or edited from the bundled ones: refused as a whole with
    /// `invalid_input`, or run to the end without a panic.
    #[test]
    fn scenario_files(
        original in prop::sample::select(bundled_texts()),
        edits in prop::collection::vec(strategies::text_edit(), 1..4),
        arbitrary in "\\PC{0,64}",
    ) {
        for text in [TextEdit::apply_all(&original, &edits), arbitrary] {
            match Scenario::from_json("fuzz.json", &text) {
                Ok(scenario) => { let _ = scenario.run(); }
                Err(error) => prop_assert_eq!(error.code(), ErrorCode::InvalidInput),
            }
        }
    }
}
