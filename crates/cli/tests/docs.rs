//! The committed docs say what the code does: generated sections, the DOT file and the SVG
//! drawn from it cannot drift from the rules the state machine runs on.

use inquiry_lifecycle::rules::{explain, Action, Verdict, ACCESS_TABLE, RULE_IDS};
use inquiry_lifecycle::{ErrorCode, Status};
use inquiry_lifecycle_cli::render::{self, UPDATE_COMMAND};

fn read(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap()
}

#[test]
fn committed_docs_embed_what_the_code_generates() {
    for doc in ["README.md", "docs/RULES.md"] {
        let text = read(doc);
        assert!(
            text.contains("<!-- generated:transitions -->"),
            "{doc} lost its markers"
        );
        let fresh = render::update_sections(&text).unwrap();
        assert!(
            fresh == text,
            "{doc} differs from what the code generates; run `{UPDATE_COMMAND}` and commit"
        );
    }
}

#[test]
fn committed_dot_graph_and_svg_match_the_transition_table() {
    let dot = read("docs/lifecycle.dot");
    assert!(
        dot == render::dot(),
        "docs/lifecycle.dot is stale; run `cargo run --bin inquiry-rules -- --format dot > docs/lifecycle.dot && dot -Tsvg docs/lifecycle.dot > docs/lifecycle.svg`"
    );
    let svg = read("docs/lifecycle.svg");
    let edges: Vec<&str> = dot.lines().filter(|l| l.contains(" -> ")).collect();
    // Every rule of the transition table is drawn; T8-T10 once each, from a box.
    for id in [
        "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "L1",
    ] {
        assert!(dot.contains(&format!("({id})")), "{id} is not in the graph");
    }
    for id in ["T8", "T9", "T10"] {
        let drawn: Vec<_> = edges
            .iter()
            .filter(|e| e.contains(&format!("({id})")))
            .collect();
        assert_eq!(drawn.len(), 1, "{id}: {drawn:?}");
        assert!(
            drawn[0].contains("ltail=cluster_"),
            "{id} leaves from its box"
        );
    }
    assert!(
        edges.len() <= 13,
        "{} edges: the graph is to read at a glance",
        edges.len()
    );
    for line in edges {
        let mut ends = line.trim().split(' ');
        let (from, to) = (ends.next().unwrap(), ends.nth(1).unwrap());
        let title = format!("<title>{from}&#45;&gt;{to}</title>");
        assert!(
            svg.contains(&title),
            "docs/lifecycle.svg lacks the edge {from} -> {to}; re-render it from the DOT"
        );
    }
}

#[test]
fn every_status_action_pair_is_explained_by_a_rule_id() {
    for status in Status::ALL {
        for redacted in [false, true] {
            for action in Action::ALL {
                let why = explain(status, redacted, action);
                assert!(
                    RULE_IDS.iter().any(|id| why.text.contains(id)),
                    "{action} on {status}: {}",
                    why.text
                );
                if let Err(code) = why.verdict {
                    assert!(why.text.starts_with(code.as_str()), "{}", why.text);
                }
                if let Ok(Verdict::Applies(rule)) = why.verdict {
                    assert!(why.text.starts_with(rule.id));
                }
            }
        }
    }
}

#[test]
fn the_access_table_is_the_rule_books() {
    use ErrorCode::*;
    let rendered = render::access_markdown();
    assert!(rendered.contains(
        "| `pending` | `session_required` | granted | `invalid_token` | `session_expired` |"
    ));
    assert!(rendered
        .contains("| `created` | granted | granted | `invalid_token` | `session_expired` |"));
    assert_eq!(ACCESS_TABLE.len(), 5);
    for code in [InquiryExpired, InquiryFinished, Redacted] {
        assert!(rendered.contains(&format!("`{code}` | `{code}` | `{code}` | `{code}` |")));
    }
}

#[test]
fn the_full_markdown_has_every_table() {
    let all = render::markdown();
    for heading in ["### Transitions", "### Access", "### Errors", "### Events"] {
        assert!(all.contains(heading), "{heading}");
    }
    for name in inquiry_lifecycle::EventName::ALL {
        assert!(all.contains(&format!("| `{name}` |")), "{name}");
    }
    assert!(all.contains(&render::errors_markdown()));
    assert!(all.contains(&render::access_markdown()));
}

/// A stale generated section is replaced, and everything around it is kept exactly;
/// refreshing again changes nothing.
#[test]
fn a_stale_section_is_replaced_and_the_rest_kept_as_it_is() {
    let doc =
        "before\n<!-- generated:mermaid -->\nstale text\n<!-- end generated:mermaid -->\nafter\n";
    let fresh = render::update_sections(doc).unwrap();
    assert!(
        fresh.starts_with("before\n<!-- generated:mermaid -->\n```mermaid\n"),
        "{fresh}"
    );
    assert!(
        fresh.ends_with("```\n<!-- end generated:mermaid -->\nafter\n"),
        "{fresh}"
    );
    assert!(!fresh.contains("stale"), "{fresh}");
    assert_eq!(fresh.matches("generated:mermaid").count(), 2, "{fresh}");
    assert_eq!(render::update_sections(&fresh).unwrap(), fresh);
}
