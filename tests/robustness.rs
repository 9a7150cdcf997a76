//! Every parser and deserializer gets arbitrary and mutated input: it returns a typed error
//! or a value that keeps every invariant, and never panics. Case counts (over 100,000 in
//! all) are fixed here; `PROPTEST_CASES` overrides them for quick runs.
#![cfg(feature = "proptest")]

use inquiry_lifecycle::strategies::{self, TextEdit};
use inquiry_lifecycle::*;
use proptest::prelude::*;
use proptest::test_runner::Config;

mod common;

fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        ..Config::default()
    }
}

fn invalid_input<T: std::fmt::Debug>(result: Result<T, Error>) -> Result<(), TestCaseError> {
    if let Err(error) = result {
        prop_assert_eq!(error.code(), ErrorCode::InvalidInput);
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(30_000))]

    /// Ids and tokens, arbitrary or mutated from valid ones: typed errors, and whatever is
    /// accepted prints back exactly as given.
    #[test]
    fn ids_and_tokens(
        arbitrary in "\\PC{0,48}",
        seed in any::<u64>(),
        mutations in prop::collection::vec(strategies::text_edit(), 1..3),
    ) {
        let mut random = SeededRandom::new(seed);
        let session = SessionId::generate(&mut random);
        let token = SessionToken::generate(session, &mut random).expose_secret().to_string();
        let valid = [
            InquiryId::generate(&mut random).to_string(),
            session.to_string(),
            // Revision 1's form: the verifier alone.
            token.split_once('.').map(|(_, verifier)| verifier.to_owned()).unwrap_or_default(),
            token,
            LinkCode::generate(session, &mut random).expose_secret().to_string(),
        ];
        for text in valid.iter().map(|v| TextEdit::apply_all(v, &mutations)).chain([arbitrary]) {
            if let Ok(id) = InquiryId::parse(&text) { prop_assert_eq!(id.to_string(), text.clone()); }
            if let Ok(id) = SessionId::parse(&text) { prop_assert_eq!(id.to_string(), text.clone()); }
            if let Ok(token) = SessionToken::parse(&text) {
                let shown = token.expose_secret();
                prop_assert_eq!(shown.as_str(), text.as_str());
            }
            if let Ok(code) = LinkCode::parse(&text) {
                let shown = code.expose_secret();
                prop_assert_eq!(shown.as_str(), text.as_str());
            }
            invalid_input(InquiryId::parse(&text))?;
            invalid_input(SessionId::parse(&text))?;
            invalid_input(SessionToken::parse(&text))?;
            invalid_input(LinkCode::parse(&text))?;
        }
    }
}

proptest! {
    #![proptest_config(cases(20_000))]

    /// Intervals and policies: accepted ones are positive and at most 3650 days; bad policy
    /// builders are refused.
    #[test]
    fn intervals_and_policies(
        text in "[0-9dhms]{0,12}|\\PC{0,16}",
        bad in strategies::invalid_policy(),
        good in strategies::policy(),
    ) {
        match text.parse::<Interval>() {
            Ok(interval) => prop_assert!(interval.as_secs() > 0 && interval <= Interval::MAX),
            Err(error) => prop_assert_eq!(error.code(), ErrorCode::InvalidInput),
        }
        prop_assert_eq!(bad.build().unwrap_err().code(), ErrorCode::InvalidInput);
        let intervals = good.intervals();
        let json = serde_json::to_string(&intervals).unwrap();
        prop_assert_eq!(serde_json::from_str::<Intervals>(&json).unwrap(), intervals);
    }
}

proptest! {
    #![proptest_config(cases(30_000))]

    /// Stored inquiries, mutated: refused with `invalid_input` by the typed loader, or
    /// accepted only if the record keeps every invariant of a reachable record (the one
    /// definition, `check_invariants`), round-trips, and every action on it either is
    /// refused changing nothing or writes a record that loads again.
    #[test]
    fn stored_inquiries(
        player in strategies::played(),
        mutations in prop::collection::vec(strategies::text_edit(), 1..4),
        later in 0i64..100_000,
    ) {
        let text = serde_json::to_string(player.inquiry()).unwrap();
        let mutated = TextEdit::apply_all(&text, &mutations);
        let loaded = Inquiry::from_json(&mutated);
        // The typed loader and serde agree on what they accept.
        prop_assert_eq!(loaded.is_ok(), serde_json::from_str::<Inquiry>(&mutated).is_ok());
        let mut inquiry = match loaded {
            Ok(inquiry) => inquiry,
            Err(error) => {
                prop_assert_eq!(error.code(), ErrorCode::InvalidInput);
                return Ok(());
            }
        };
        prop_assert!(inquiry.check_invariants().is_ok());
        // Accepted text may be a lenient spelling of a valid record; its canonical form
        // must read back to the same inquiry.
        let canonical = serde_json::to_string(&inquiry).unwrap();
        prop_assert_eq!(serde_json::from_str::<Inquiry>(&canonical).unwrap(), inquiry.clone());
        prop_assert!(inquiry.revision() >= 1 && inquiry.sessions().len() <= MAX_SESSIONS);
        if let Some(due) = inquiry.next_due() {
            prop_assert!(due > inquiry.updated_at(), "accepted a record with overdue work");
        }
        let now = inquiry.updated_at() + chrono::TimeDelta::seconds(later);
        let mut random = SeededRandom::new(1);
        for action in Action::ALL {
            let before = inquiry.clone();
            if inquiry.act(action, now, &mut random).is_err() {
                prop_assert_eq!(&inquiry, &before);
            } else {
                let text = serde_json::to_string(&inquiry).unwrap();
                prop_assert_eq!(&Inquiry::from_json(&text).unwrap(), &inquiry);
            }
        }
        for (_, code) in player.codes() {
            let before = inquiry.clone();
            if inquiry.redeem(code, now, &mut random).is_err() {
                prop_assert_eq!(&inquiry, &before);
            } else {
                let text = serde_json::to_string(&inquiry).unwrap();
                prop_assert_eq!(&Inquiry::from_json(&text).unwrap(), &inquiry);
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(20_000))]

    /// Hostile link codes and tokens (L2, L4, S2): the secrets an inquiry handed out,
    /// mutated, and arbitrary text, presented to `redeem` and `access` at any time. Each
    /// either is refused with a typed error, changing nothing, or is exactly a secret the
    /// inquiry handed out (a mutation can leave the text as it was).
    #[test]
    fn hostile_link_codes_and_tokens(
        player in strategies::played(),
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(strategies::text_edit(), 1..3),
        arbitrary in "\\PC{0,80}",
        later in -3_600i64..200_000,
    ) {
        let handed: Vec<String> = player
            .codes()
            .iter()
            .map(|(_, code)| code.expose_secret().to_string())
            .chain(player.issued().iter().map(|(_, token)| token.expose_secret().to_string()))
            .collect();
        let original = if handed.is_empty() { String::new() } else { which.get(&handed).clone() };
        let now = player.inquiry().updated_at() + chrono::TimeDelta::seconds(later);
        let mut random = SeededRandom::new(3);
        for text in [TextEdit::apply_all(&original, &mutations), arbitrary] {
            let mut inquiry = player.inquiry().clone();
            match LinkCode::parse(&text) {
                Err(error) => prop_assert_eq!(error.code(), ErrorCode::InvalidInput),
                Ok(code) => match inquiry.redeem(&code, now, &mut random) {
                    Err(error) => {
                        prop_assert_ne!(error.code(), ErrorCode::InvalidInput);
                        prop_assert_eq!(&inquiry, player.inquiry());
                        prop_assert!(!error.to_string().contains(text.as_str()));
                    }
                    Ok(_) => prop_assert!(player.codes().iter().any(|(_, c)| *c == code)),
                },
            }
            let mut inquiry = player.inquiry().clone();
            if let Ok(token) = SessionToken::parse(&text) {
                match inquiry.access(Some(&token), now) {
                    Err(error) => {
                        prop_assert_eq!(&inquiry, player.inquiry());
                        prop_assert!(!error.to_string().contains(text.as_str()));
                    }
                    Ok(granted) => {
                        let issued = player.issued().iter().any(|(_, t)| *t == token);
                        // Granted with a token only if the inquiry handed it out; a
                        // created inquiry opens without one, but never with a wrong one (A1).
                        prop_assert!(issued, "granted {:?} to a token it never handed out", granted);
                    }
                }
            }
        }
    }
}
