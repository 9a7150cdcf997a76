//! H1: webhook signatures, checked against vectors computed by OpenSSL
//! (`tests/vectors/make.sh`, which records the commands) and against the vendor's format.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle_wire::{
    sign, verify, SecretError, SignatureError, WebhookSecret, DEFAULT_TOLERANCE, MIN_SECRET_BYTES,
};

struct Vector {
    secret: String,
    t: i64,
    body: Vec<u8>,
    v1: String,
}

fn vectors() -> Vec<Vector> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
    let table = std::fs::read_to_string(format!("{folder}/signatures.tsv")).unwrap();
    let vectors: Vec<Vector> = table
        .lines()
        .map(|line| {
            let [secret, t, body, v1] = line.split('\t').collect::<Vec<_>>()[..] else {
                panic!("bad line {line:?}")
            };
            Vector {
                secret: secret.to_owned(),
                t: t.parse().unwrap(),
                body: std::fs::read(format!("{folder}/{body}")).unwrap(),
                v1: v1.to_owned(),
            }
        })
        .collect();
    assert_eq!(vectors.len(), 5);
    vectors
}

fn at(t: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(t, 0).unwrap()
}

#[test]
fn h1_signatures_equal_openssl_hmac_sha256_of_t_dot_body() {
    for vector in vectors() {
        let header = sign(
            &[WebhookSecret::new(&vector.secret).unwrap()],
            vector.t,
            &vector.body,
        );
        assert_eq!(header, format!("t={},v1={}", vector.t, vector.v1));
        assert_eq!(
            verify(
                Some(&header),
                &vector.body,
                &[WebhookSecret::new(&vector.secret).unwrap()],
                at(vector.t),
                DEFAULT_TOLERANCE
            ),
            Ok(())
        );
    }
}

#[test]
fn h1_a_header_in_the_vendors_form_verifies() {
    // The vendor's documented form: `t=<unix seconds>,v1=<hex>`, and during a rotation two
    // such pairs separated by a space; one match suffices, in either position.
    let [.., test, rotated, _, _] = &vectors()[..] else {
        unreachable!()
    };
    let (test, rotated) = (test, rotated);
    assert_eq!(test.body, rotated.body);
    let header = format!(
        "t={},v1={} t={},v1={}",
        rotated.t, rotated.v1, test.t, test.v1
    );
    for secret in [&test.secret, &rotated.secret] {
        let secrets = [WebhookSecret::new(secret).unwrap()];
        assert_eq!(
            verify(
                Some(&header),
                &test.body,
                &secrets,
                at(test.t),
                DEFAULT_TOLERANCE
            ),
            Ok(())
        );
    }
    // Signing with both secrets writes both pairs, each verifiable alone.
    let both = [
        WebhookSecret::new(&test.secret).unwrap(),
        WebhookSecret::new(&rotated.secret).unwrap(),
    ];
    let signed = sign(&both, test.t, &test.body);
    let pairs: Vec<&str> = signed.split(' ').collect();
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[0], format!("t={},v1={}", test.t, test.v1));
    // The receiver may hold old and new secrets too: one match is enough.
    let receiver = [
        WebhookSecret::new("wbhsec_other_0123456789").unwrap(),
        WebhookSecret::new(&test.secret).unwrap(),
    ];
    assert_eq!(
        verify(
            Some(pairs[0]),
            &test.body,
            &receiver,
            at(test.t),
            DEFAULT_TOLERANCE
        ),
        Ok(())
    );
}

#[test]
fn h1_refusals_say_why_without_echoing_the_secret_or_the_signature() {
    let vector = &vectors()[1];
    let secrets = [WebhookSecret::new(&vector.secret).unwrap()];
    let now = at(vector.t);
    let good = format!("t={},v1={}", vector.t, vector.v1);
    let check = |header: Option<&str>, body: &[u8], now| {
        verify(header, body, &secrets, now, DEFAULT_TOLERANCE)
    };

    assert_eq!(check(None, &vector.body, now), Err(SignatureError::Missing));
    // A changed body, a wrong secret, a flipped digit: no match.
    let mut changed = vector.body.clone();
    changed.push(b' ');
    assert_eq!(
        check(Some(&good), &changed, now),
        Err(SignatureError::NoMatch)
    );
    let flipped = format!(
        "t={},v1={}{}",
        vector.t,
        if &vector.v1[..1] == "0" { "1" } else { "0" },
        &vector.v1[1..]
    );
    assert_eq!(
        check(Some(&flipped), &vector.body, now),
        Err(SignatureError::NoMatch)
    );
    assert_eq!(
        verify(
            Some(&good),
            &vector.body,
            &[WebhookSecret::new("wbhsec_wrong_0123456789").unwrap()],
            now,
            DEFAULT_TOLERANCE
        ),
        Err(SignatureError::NoMatch)
    );
    // Malformed headers.
    for header in [
        "",
        "   ",
        "v1=abc",
        &format!("t={}", vector.t),
        &format!("t=,v1={}", vector.v1),
        &format!("t=-5,v1={}", vector.v1),
        &format!("t=99999999999999999999,v1={}", vector.v1),
        &format!("t={},v1={}", vector.t, &vector.v1[..63]),
        &format!("t={},v1={}zz", vector.t, &vector.v1[..62]),
        "t=1,v1",
        &[good.as_str(); 9].join(" "),
    ] {
        let refused = check(Some(header), &vector.body, now).unwrap_err();
        assert!(
            matches!(refused, SignatureError::Malformed(_)),
            "{header:?}: {refused:?}"
        );
    }
    // Unknown schemes beside v1 are ignored.
    let with_v0 = format!("t={},v0=deadbeef,v1={}", vector.t, vector.v1);
    assert_eq!(check(Some(&with_v0), &vector.body, now), Ok(()));

    // The tolerance, either side, inclusive; beyond it, stale even with a good signature.
    for off in [-300, 300] {
        assert_eq!(
            check(Some(&good), &vector.body, now + TimeDelta::seconds(off)),
            Ok(())
        );
    }
    for off in [-301, 301, 86_400] {
        let refused = check(Some(&good), &vector.body, now + TimeDelta::seconds(off)).unwrap_err();
        assert_eq!(
            refused,
            SignatureError::Stale {
                signed_at: vector.t,
                off_by_seconds: i64::abs(off),
                tolerance_seconds: 300
            }
        );
    }
    // A fresh pair beside a stale one is checked on its own merits.
    let stale_and_fresh = format!("t={},v1={} {good}", vector.t - 3600, vector.v1);
    assert_eq!(check(Some(&stale_and_fresh), &vector.body, now), Ok(()));

    // No message echoes the secret or the signature.
    let messages = [
        SignatureError::Missing.to_string(),
        SignatureError::NoMatch.to_string(),
        check(Some("t=1,v1=zz"), &vector.body, now)
            .unwrap_err()
            .to_string(),
        check(Some(&good), &vector.body, now + TimeDelta::hours(1))
            .unwrap_err()
            .to_string(),
    ];
    for message in messages {
        assert!(
            !message.contains(&vector.secret) && !message.contains(&vector.v1),
            "{message}"
        );
        assert!(message.contains("Persona-Signature"), "{message}");
    }
    assert_eq!(format!("{:?}", secrets[0]), "WebhookSecret(<redacted>)");
}

/// Issue 25, item 6: every `v1` of a `t=…,v1=…,v1=…` pair is checked (only the last was,
/// so a header with the right signature first was refused), up to 8 in all.
#[test]
fn h1_every_v1_of_a_pair_is_checked() {
    let vector = &vectors()[1];
    let secrets = [WebhookSecret::new(&vector.secret).unwrap()];
    let now = at(vector.t);
    let wrong = "0".repeat(64);
    for header in [
        format!("t={},v1={},v1={wrong}", vector.t, vector.v1),
        format!("t={},v1={wrong},v1={}", vector.t, vector.v1),
        format!("t={},v1={wrong},v1={wrong},v1={}", vector.t, vector.v1),
    ] {
        assert_eq!(
            verify(
                Some(&header),
                &vector.body,
                &secrets,
                now,
                DEFAULT_TOLERANCE
            ),
            Ok(()),
            "{header}"
        );
    }
    let only_wrong = format!("t={},v1={wrong},v1={wrong}", vector.t);
    assert_eq!(
        verify(
            Some(&only_wrong),
            &vector.body,
            &secrets,
            now,
            DEFAULT_TOLERANCE
        ),
        Err(SignatureError::NoMatch)
    );
    let nine = format!("t={}{}", vector.t, format!(",v1={wrong}").repeat(9));
    assert_eq!(
        verify(Some(&nine), &vector.body, &secrets, now, DEFAULT_TOLERANCE),
        Err(SignatureError::Malformed("more than 8 signatures"))
    );
    let eight = format!(
        "t={}{},v1={}",
        vector.t,
        format!(",v1={wrong}").repeat(7),
        vector.v1
    );
    assert_eq!(
        verify(Some(&eight), &vector.body, &secrets, now, DEFAULT_TOLERANCE),
        Ok(())
    );
}

/// Issue 25, item 6: an empty or short secret is refused (an empty key signs every body
/// with no secret at all); 16 bytes is the least, and the refusal never shows it.
#[test]
fn h1_an_empty_or_short_secret_is_refused() {
    assert_eq!(MIN_SECRET_BYTES, 16);
    for short in ["", "wbhsec_", "wbhsec_01234567"] {
        let error = WebhookSecret::new(short).unwrap_err();
        assert_eq!(error, SecretError::TooShort { bytes: short.len() });
        assert!(error.to_string().contains("at least 16 bytes"), "{error}");
        if !short.is_empty() {
            assert!(!error.to_string().contains(short), "{error}");
        }
    }
    assert!(WebhookSecret::new("wbhsec_0123456789").is_ok());
    assert!(WebhookSecret::new(&"x".repeat(16)).is_ok());
}
