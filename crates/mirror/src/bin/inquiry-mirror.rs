//! `inquiry-mirror FILE...`: replays webhook logs through the mirror and prints where each
//! inquiry ends up, one JSON line per inquiry, sorted by inquiry id.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::ExitCode;

use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::InquiryId;
use inquiry_lifecycle_mirror::{
    inquiry_of, read, read_unsigned, Answer, Arrival, Delivery, Mirror, Verifier,
};
use inquiry_lifecycle_wire::WebhookSecret;
use serde_json::Value;

const HELP: &str = "\
inquiry-mirror: replay webhook logs through the mirror (docs/INTEGRATION.md M1-M5)

usage: inquiry-mirror [--secret SECRET]... [--secret-file PATH]... FILE...

Each FILE (or - for standard input) is a JSON array of deliveries in arrival order. An
element is either an event document as the provider sent it ({\"data\": {\"type\": \"event\",
...}}), or a delivery as it was received:

  {\"headers\": {\"Persona-Signature\": \"t=...,v1=...\"}, \"body\": \"<the raw body, as text>\",
   \"received-at\": \"2026-01-01T00:05:00.000Z\"}

Files are read in the order given, as one stream of deliveries. The command prints one
line per inquiry, sorted by inquiry id:

  {\"inquiry\":\"inq_...\",\"status\":\"approved\",\"redacted\":false,\"last_event\":\"evt_...\",\"needs_reconcile\":false}

(`status` and `last_event` are null until an inquiry.* event arrived) and a summary of the
answers on standard error.

  --secret SECRET     verify every delivery's Persona-Signature with this endpoint secret (16 bytes or more)
                      (repeat it for a rotation: one match suffices). Without a secret,
                      signatures are not checked. A secret on the command line shows in
                      the process list; prefer --secret-file.
  --secret-file PATH  read one secret per line from PATH
  -h, --help          print this help

With a secret, an element's signature is checked against its `received-at` with a
tolerance of 5 minutes; without `received-at`, only who signed it is checked (a log is
replayed long after it was written). An event document without headers cannot be
verified, so it is refused when a secret is given.

Exit status: 0 when every delivery was taken in; 2 when some were refused (each is named
on standard error, with its file and index; the lines are printed all the same); 1 when a
file cannot be read or is not a JSON array, or the arguments are wrong (nothing printed).
";

struct Options {
    secrets: Vec<WebhookSecret>,
    files: Vec<String>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        secrets: Vec::new(),
        files: Vec::new(),
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--secret" => {
                let secret = args.next().ok_or("--secret needs a value")?;
                let secret =
                    WebhookSecret::new(&secret).map_err(|error| format!("--secret: {error}"))?;
                options.secrets.push(secret);
            }
            "--secret-file" => {
                let path = args.next().ok_or("--secret-file needs a path")?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|error| format!("cannot read --secret-file {path}: {error}"))?;
                let before = options.secrets.len();
                for (index, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let secret = WebhookSecret::new(line).map_err(|error| {
                        format!("--secret-file {path}, line {}: {error}", index + 1)
                    })?;
                    options.secrets.push(secret);
                }
                if options.secrets.len() == before {
                    return Err(format!("--secret-file {path} holds no secret"));
                }
            }
            "--" => options.files.extend(args.by_ref()),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}; see --help"));
            }
            _ => options.files.push(arg),
        }
    }
    if options.files.is_empty() {
        return Err("no FILE given; see --help".to_owned());
    }
    Ok(Some(options))
}

/// A file's deliveries, or why it cannot be read.
fn load(path: &str) -> Result<Vec<Value>, String> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|error| format!("cannot read {path}: {error}"))?
    };
    match serde_json::from_str(&text) {
        Ok(Value::Array(elements)) => Ok(elements),
        Ok(_) => Err(format!(
            "{path} is not a JSON array of deliveries; see --help"
        )),
        Err(error) => Err(format!("{path} is not JSON: {error}")),
    }
}

/// The secrets' two verifiers, built once: with the default tolerance, for deliveries that
/// say when they were received, and unbounded (who signed, not when) for those that do not.
struct Verifiers {
    fresh: Verifier,
    any_time: Verifier,
}

impl Verifiers {
    fn of(secrets: &[WebhookSecret]) -> Option<Verifiers> {
        (!secrets.is_empty()).then(|| Verifiers {
            fresh: Verifier::new(secrets.to_vec()),
            any_time: Verifier::new(secrets.to_vec()).with_tolerance(TimeDelta::MAX),
        })
    }
}

/// One element, verified if there are secrets, read.
fn arrival(element: &Value, verifiers: Option<&Verifiers>) -> Result<Arrival, String> {
    let Some(body) = element.get("body") else {
        // An event document as sent: it has no signature to check.
        if verifiers.is_some() {
            return Err("an event document without headers cannot be verified; log deliveries with their headers and raw body".to_owned());
        }
        return read_unsigned(element.to_string().as_bytes())
            .map_err(|refusal| refusal.to_string());
    };
    let body = body
        .as_str()
        .ok_or("`body` is not a string (it must be the raw body as text)")?;
    let Some(verifiers) = verifiers else {
        return read_unsigned(body.as_bytes()).map_err(|refusal| refusal.to_string());
    };
    let signature = element
        .get("headers")
        .and_then(Value::as_object)
        .and_then(|headers| {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("persona-signature"))
        })
        .and_then(|(_, value)| value.as_str());
    let (now, verifier) = match element.get("received-at") {
        // Who signed is checked, not when: any reference instant does with an unbounded
        // tolerance, and a fixed one keeps the output a function of the input.
        None => (DateTime::UNIX_EPOCH, &verifiers.any_time),
        Some(at) => {
            let at = at
                .as_str()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                .ok_or("`received-at` is not an RFC 3339 instant")?;
            (at.with_timezone(&Utc), &verifiers.fresh)
        }
    };
    let delivery = Delivery {
        body: body.as_bytes(),
        signature,
    };
    read(&delivery, verifier, now).map_err(|refusal| refusal.to_string())
}

/// One output line, its keys in the order the help shows.
#[derive(serde::Serialize)]
struct Line {
    inquiry: String,
    status: Option<&'static str>,
    redacted: bool,
    last_event: Option<String>,
    needs_reconcile: bool,
}

fn line(mirror: &Mirror) -> String {
    let line = Line {
        inquiry: mirror.inquiry().to_string(),
        status: mirror.status().map(|status| status.as_str()),
        redacted: mirror.is_redacted(),
        last_event: mirror.last_event().map(|event| event.to_string()),
        needs_reconcile: mirror.needs_reconcile().is_some(),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

fn run(options: &Options) -> Result<ExitCode, String> {
    // Read every file first: an unreadable one prints nothing.
    let mut files = Vec::new();
    for path in &options.files {
        files.push((path, load(path)?));
    }
    let verifiers = Verifiers::of(&options.secrets);
    let mut mirrors: BTreeMap<InquiryId, Mirror> = BTreeMap::new();
    let mut answers: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut refused = 0;
    let mut stderr = std::io::stderr().lock();
    for (path, elements) in &files {
        for (index, element) in elements.iter().enumerate() {
            let answer = match arrival(element, verifiers.as_ref()) {
                Err(why) => {
                    refused += 1;
                    let _ = writeln!(stderr, "{path}[{index}]: refused: {why}");
                    continue;
                }
                Ok(Arrival::Unknown { .. }) => Answer::Skipped,
                Ok(Arrival::Event(event)) => {
                    let inquiry = inquiry_of(&event);
                    mirrors
                        .entry(inquiry)
                        .or_insert_with(|| Mirror::new(inquiry))
                        .apply(&event)
                }
            };
            if let Answer::NeedsReconcile(unreachable) = &answer {
                let _ = writeln!(stderr, "{path}[{index}]: needs reconcile: {unreachable}");
            }
            *answers.entry(answer.code()).or_default() += 1;
        }
    }
    let mut stdout = std::io::stdout().lock();
    for mirror in mirrors.values() {
        writeln!(stdout, "{}", line(mirror)).map_err(|error| format!("cannot write: {error}"))?;
    }
    let total: usize = files.iter().map(|(_, elements)| elements.len()).sum();
    let counts: Vec<String> = answers
        .iter()
        .map(|(code, count)| format!("{count} {code}"))
        .chain((refused > 0).then(|| format!("{refused} refused")))
        .collect();
    let _ = writeln!(
        stderr,
        "inquiry-mirror: {total} deliveries from {} file(s), {} inquiries: {}",
        files.len(),
        mirrors.len(),
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        }
    );
    Ok(if refused > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(None) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(options)) => match run(&options) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("inquiry-mirror: {error}");
                ExitCode::from(1)
            }
        },
        Err(error) => {
            eprintln!("inquiry-mirror: {error}");
            ExitCode::from(1)
        }
    }
}
