//! The rules rendered from the data the state machine runs on: Markdown tables, a Mermaid
//! state diagram and a Graphviz DOT graph.
//!
//! The committed docs (`README.md`, `docs/RULES.md`) embed these between markers, and a test
//! fails when they drift; `cargo run --bin inquiry-rules -- --update-docs` rewrites them.
//!
//! ```
//! let table = inquiry_lifecycle_cli::render::transitions_markdown();
//! assert!(table.contains("| T7 | resume | expired | pending | `inquiry.resumed` |"));
//! ```

use std::fmt::Write as _;

use inquiry_lifecycle::rules::{
    action_rules, AccessVerdict, Presented, Target, TransitionRule, ACCESS_TABLE, CREATE,
    REDEMPTION_TABLE, TRANSITIONS,
};
use inquiry_lifecycle::{Error, ErrorCode, EventName, Status};

/// The command that regenerates the committed docs.
pub const UPDATE_COMMAND: &str =
    "cargo run -p inquiry-lifecycle-cli --bin inquiry-rules -- --update-docs";

fn from_statuses(rule: &TransitionRule) -> String {
    let names = |statuses: &mut dyn Iterator<Item = Status>| {
        statuses.map(Status::as_str).collect::<Vec<_>>().join(", ")
    };
    if rule.from.len() == Status::ALL.len() {
        "every status".to_owned()
    } else if rule.from.len() > Status::ALL.len() / 2 {
        let mut missing = Status::ALL.into_iter().filter(|s| !rule.from.contains(s));
        format!("every status but {}", names(&mut missing))
    } else {
        names(&mut rule.from.iter().copied())
    }
}

fn target(rule: &TransitionRule) -> &'static str {
    match rule.to {
        Target::Status(status) => status.as_str(),
        Target::Unchanged => "unchanged",
    }
}

/// The transition table, T1–T11, and link (L1), with a one-sentence summary of each rule.
pub fn transitions_markdown() -> String {
    let mut out = String::from("| ID | action | from | to | event | what it does |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    let _ = writeln!(
        out,
        "| {} | create | (none) | {} | `{}` | an inquiry is created; anyone with the link may open it |",
        CREATE.id, CREATE.to, CREATE.event
    );
    for rule in action_rules() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}` | {} |",
            rule.id,
            rule.action.verb(),
            from_statuses(rule),
            target(rule),
            rule.event,
            rule.summary
        );
    }
    out
}

/// The access table.
pub fn access_markdown() -> String {
    let mut out = String::from("| inquiry |");
    for presented in Presented::ALL {
        let _ = write!(out, " {} |", presented.label());
    }
    out.push_str("\n|---|---|---|---|---|\n");
    for (row, cells) in ACCESS_TABLE {
        let _ = write!(out, "| {} |", row.label());
        for cell in cells {
            match cell {
                AccessVerdict::Granted => out.push_str(" granted |"),
                AccessVerdict::Refused(code) => {
                    let _ = write!(out, " `{code}` |");
                }
            }
        }
        out.push('\n');
    }
    out
}

/// What redeeming a one-time link's code answers (L3, L4), in the order it is decided.
pub fn redemption_markdown() -> String {
    let mut out = String::from("| rule | when | answer |\n|---|---|---|\n");
    for row in REDEMPTION_TABLE {
        let _ = writeln!(out, "| {} | {} | {} |", row.id, row.when, row.answer);
    }
    out
}

/// The error vocabulary: code, when, HTTP status.
pub fn errors_markdown() -> String {
    let mut out = String::from("| code | when | HTTP |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        let _ = writeln!(
            out,
            "| `{code}` | {} | {} |",
            code.description(),
            code.http_status()
        );
    }
    out
}

/// The event names, inquiry events then session events.
pub fn events_markdown() -> String {
    let mut out = String::from("| event | kind |\n|---|---|\n");
    for name in EventName::ALL {
        let kind = if name.is_session_event() {
            "session"
        } else {
            "inquiry"
        };
        let _ = writeln!(out, "| `{name}` | {kind} |");
    }
    out
}

/// Every table, with headings.
pub fn markdown() -> String {
    format!(
        "### Transitions\n\n{}\n### Access\n\n{}\n### Redeeming a one-time link\n\n{}\n### Errors\n\n{}\n### Events\n\n{}",
        transitions_markdown(),
        access_markdown(),
        redemption_markdown(),
        errors_markdown(),
        events_markdown()
    )
}

/// The status changes of the table, one per (from, to) pair, with the labels of every rule
/// that makes it: T11 (redact, status unchanged) is left to a note, as is L1 (link), which
/// is not in the transition table.
fn edges() -> Vec<(Status, Status, String)> {
    let mut edges: Vec<(Status, Status, String)> = Vec::new();
    for rule in TRANSITIONS {
        for from in rule.from {
            let to = match rule.to {
                Target::Status(to) => to,
                Target::Unchanged if rule.action == inquiry_lifecycle::Action::Redact => continue,
                Target::Unchanged => *from,
            };
            let label = format!("{} ({})", rule.action.verb(), rule.id);
            match edges.iter_mut().find(|(f, t, _)| f == from && *t == to) {
                Some((_, _, labels)) => {
                    labels.push_str(", ");
                    labels.push_str(&label);
                }
                None => edges.push((*from, to, label)),
            }
        }
    }
    edges
}

/// A Mermaid state diagram of the transition table.
pub fn mermaid() -> String {
    let mut out = String::from("stateDiagram-v2\n");
    let _ = writeln!(out, "    [*] --> {}: create ({})", CREATE.to, CREATE.id);
    for (from, to, label) in edges() {
        let _ = writeln!(out, "    {from} --> {to}: {label}");
    }
    out.push_str("    note right of declined\n");
    out.push_str("        redact (T11) applies to every status and leaves it unchanged;\n");
    out.push_str("        link (L1) applies to created and pending and leaves them unchanged;\n");
    out.push_str("        approved and declined are final\n");
    out.push_str("    end note\n");
    out
}

/// Whether a rule applies to more than half the statuses ("every status but …": T8–T10).
/// The DOT graph draws such a rule as one edge from a box around its statuses.
fn is_wide(rule: &TransitionRule) -> bool {
    rule.from.len() > Status::ALL.len() / 2 && rule.from.len() < Status::ALL.len()
}

/// A Graphviz DOT graph of the transition table.
///
/// The rules that apply to "every status but …" (T8–T10) are drawn once each, from a box
/// around the statuses they apply to, so the graph reads at a glance: the undecided
/// statuses in one box, those that can still be sent to review in a box inside it.
pub fn dot() -> String {
    let mut out = String::from("digraph inquiry_lifecycle {\n");
    out.push_str("    rankdir=LR;\n    compound=true;\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("    init [shape=point, label=\"\"];\n");
    // The boxes: one per distinct set of statuses of the wide rules, largest outermost.
    let mut boxes: Vec<&'static [Status]> = Vec::new();
    for rule in TRANSITIONS.iter().filter(|rule| is_wide(rule)) {
        if !boxes.contains(&rule.from) {
            boxes.push(rule.from);
        }
    }
    boxes.sort_by_key(|from| std::cmp::Reverse(from.len()));
    let nested = boxes
        .windows(2)
        .all(|pair| pair[1].iter().all(|status| pair[0].contains(status)));
    let node = |out: &mut String, status: Status, indent: &str| {
        let style = if status.is_decided() {
            ", peripheries=2"
        } else {
            ""
        };
        let _ = writeln!(out, "{indent}{status} [label=\"{status}\"{style}];");
    };
    if nested {
        // Open a cluster per box, each inside the one before; put each status in the
        // innermost box that holds it.
        let mut indent = String::from("    ");
        for (depth, from) in boxes.iter().enumerate() {
            let _ = writeln!(out, "{indent}subgraph cluster_{depth} {{");
            indent.push_str("    ");
            let _ = writeln!(out, "{indent}style=dashed; color=gray50; label=\"\";");
            let inner = boxes.get(depth + 1);
            for status in from
                .iter()
                .filter(|s| inner.is_none_or(|inner| !inner.contains(s)))
            {
                node(&mut out, *status, &indent);
            }
        }
        for _ in &boxes {
            indent.truncate(indent.len() - 4);
            let _ = writeln!(out, "{indent}}}");
        }
    }
    for status in Status::ALL {
        if !nested || !boxes.iter().any(|from| from.contains(&status)) {
            node(&mut out, status, "    ");
        }
    }
    let _ = writeln!(
        out,
        "    init -> {} [label=\"create ({})\"];",
        CREATE.to, CREATE.id
    );
    for (from, to, label) in edges() {
        if nested && wide_edge(from, to) {
            continue;
        }
        let _ = writeln!(out, "    {from} -> {to} [label=\"{label}\"];");
    }
    if nested {
        for rule in TRANSITIONS.iter().filter(|rule| is_wide(rule)) {
            let (Target::Status(to), Some(depth)) =
                (rule.to, boxes.iter().position(|from| *from == rule.from))
            else {
                continue;
            };
            // The edge leaves from the box (`ltail`); its tail is any status inside it.
            let Some(tail) = rule.from.last() else {
                continue;
            };
            let _ = writeln!(
                out,
                "    {tail} -> {to} [label=\"{} ({}), from every status in the box\", ltail=cluster_{depth}];",
                rule.action.verb(),
                rule.id
            );
        }
    }
    out.push_str("    note [shape=note, label=\"redact (T11): every status, unchanged\\nlink (L1): created, pending, unchanged\\napproved, declined: final\"];\n");
    out.push_str("}\n");
    out
}

/// Whether the status change `from` -> `to` is made only by wide rules (drawn from a box).
fn wide_edge(from: Status, to: Status) -> bool {
    let makes = |rule: &&TransitionRule| rule.from.contains(&from) && rule.to == Target::Status(to);
    let mut rules = TRANSITIONS.iter().filter(makes).peekable();
    rules.peek().is_some() && rules.all(is_wide)
}

/// The generated sections the committed docs embed, by name.
pub fn section(name: &str) -> Option<String> {
    match name {
        "transitions" => Some(transitions_markdown()),
        "access" => Some(access_markdown()),
        "redemption" => Some(redemption_markdown()),
        "errors" => Some(errors_markdown()),
        "events" => Some(events_markdown()),
        "mermaid" => Some(format!("```mermaid\n{}```\n", mermaid())),
        _ => None,
    }
}

/// Replaces every generated section of `doc` (between `<!-- generated:NAME -->` and
/// `<!-- end generated:NAME -->`) with what the code generates now.
pub fn update_sections(doc: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(start) = rest.find("<!-- generated:") {
        let header_end = rest[start..]
            .find("-->")
            .map(|i| start + i + 3)
            .ok_or_else(|| Error::invalid_input("an unclosed `<!-- generated:` marker"))?;
        let name = rest[start + "<!-- generated:".len()..header_end - 3].trim();
        let content = section(name)
            .ok_or_else(|| Error::invalid_input(format!("unknown generated section {name:?}")))?;
        let end_marker = format!("<!-- end generated:{name} -->");
        let end = rest[header_end..]
            .find(&end_marker)
            .map(|i| header_end + i)
            .ok_or_else(|| Error::invalid_input(format!("no `{end_marker}` marker")))?;
        out.push_str(&rest[..header_end]);
        out.push('\n');
        out.push_str(&content);
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}
