//! W1–W4: the documents an API answers with.

use std::borrow::Cow;
use std::fmt;

use inquiry_lifecycle::{Error, InquiryId, LinkCode, SessionToken};
use zeroize::Zeroizing;

use crate::inflection::Key;
use crate::read::{self, Reader};
use crate::write::{self, Data, Errors, Inflected, WithMeta};
use crate::{Inflection, InquiryResource, SessionResource};

/// An inquiry document (W1), with the `meta` of an action response where it has one (W3):
/// `{"data": <inquiry>, "meta": {"session-token": "…"}}`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
/// use inquiry_lifecycle_wire::{ActionMeta, Inflection, InquiryDocument, InquiryResource};
///
/// let mut random = SeededRandom::new(1);
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (mut inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut random)?;
/// let opened = inquiry.start(t0, &mut random)?;
/// let response = InquiryDocument::answer(
///     InquiryResource::at(&inquiry, t0),
///     ActionMeta::SessionToken(opened.token),
/// );
/// let text = response.to_json(Inflection::Kebab);
/// assert!(text.contains(r#""status":"pending""#));
/// assert!(text.contains(r#""meta":{"session-token":"iqse_"#));
///
/// let read = InquiryDocument::from_json(&text)?;
/// assert_eq!(read.inquiry, response.inquiry);
/// assert!(matches!(read.meta, Some(ActionMeta::SessionToken(_))));
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct InquiryDocument {
    /// The inquiry (`data`).
    pub inquiry: InquiryResource,
    /// The action's `meta`, if any.
    pub meta: Option<ActionMeta>,
}

/// What an action hands out with its answer (W3): the secret is written into `meta` and
/// nowhere else; `Debug` never shows it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ActionMeta {
    /// Start and resume (and a sandbox `start_inquiry`): `meta.session-token`.
    SessionToken(SessionToken),
    /// Creating a one-time link: `meta.one-time-link`.
    OneTimeLink(OneTimeLink),
}

impl InquiryDocument {
    /// An inquiry document without `meta` (a GET, or an action that hands out nothing).
    pub fn new(inquiry: InquiryResource) -> InquiryDocument {
        InquiryDocument {
            inquiry,
            meta: None,
        }
    }

    /// An action's answer: the inquiry and what the action handed out.
    pub fn answer(inquiry: InquiryResource, meta: ActionMeta) -> InquiryDocument {
        InquiryDocument {
            inquiry,
            meta: Some(meta),
        }
    }

    /// The document as compact JSON text, keys in `inflection`.
    pub fn to_json(&self, inflection: Inflection) -> String {
        match &self.meta {
            Some(meta) => write::to_json(&Inflected(&WithMeta(&self.inquiry, meta), inflection)),
            None => write::to_json(&Inflected(&Data(&self.inquiry), inflection)),
        }
    }

    /// Reads an inquiry document in any inflection (W7): a malformed id, status, timestamp
    /// or `type` is `invalid_input` naming its JSON path; unknown keys are ignored.
    pub fn from_json(text: &str) -> Result<InquiryDocument, Error> {
        let reader = Reader::parse("inquiry document", text)?;
        let root = reader.root()?;
        let inquiry = read::inquiry(&root.field(Key::Data)?)?;
        let meta = match root.optional(Key::Meta)? {
            Some(meta) => read::action_meta(&meta)?,
            None => None,
        };
        Ok(InquiryDocument { inquiry, meta })
    }
}

/// A one-time link (W3): `<public URL>/verify?inquiry-id=inq_…&code=…`. The link names its
/// inquiry, so the service needs no index from codes to inquiries. It carries the link's
/// code, a secret: `Debug` shows the rest only.
///
/// ```
/// use inquiry_lifecycle::{InquiryId, LinkCode, SessionId, SeededRandom};
/// use inquiry_lifecycle_wire::OneTimeLink;
///
/// let inquiry = InquiryId::parse("inq_RQ4jHMYx8wHMCSjQ2M43jf4r")?;
/// let session = SessionId::parse("iqse_000000000000000000000000")?;
/// let code = LinkCode::generate(session, &mut SeededRandom::new(1));
/// let secret = code.expose_secret().to_string();
/// let link = OneTimeLink::new("https://verify.example/", inquiry, code);
/// let url = link.expose_url();
/// assert!(url.starts_with("https://verify.example/verify?inquiry-id=inq_RQ4jHMYx8wHMCSjQ2M43jf4r&code=iqse_"));
/// assert!(url.ends_with(&secret));
/// assert!(!format!("{link:?}").contains(&secret)); // no code in Debug
/// assert_eq!(OneTimeLink::parse(&url)?.inquiry_id(), inquiry);
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
pub struct OneTimeLink {
    base: String,
    inquiry: InquiryId,
    code: LinkCode,
}

impl OneTimeLink {
    /// The link for `code` of `inquiry`, under the service's public URL (a trailing `/` is
    /// dropped).
    pub fn new(public_url: &str, inquiry: InquiryId, code: LinkCode) -> OneTimeLink {
        OneTimeLink {
            base: public_url.trim_end_matches('/').to_owned(),
            inquiry,
            code,
        }
    }

    /// Reads a link as [`OneTimeLink::expose_url`] writes it; anything else is
    /// `invalid_input` (which never shows the code).
    pub fn parse(url: &str) -> Result<OneTimeLink, Error> {
        let malformed = |problem: &str| {
            Error::invalid_input(format!(
                "malformed one-time link: {problem}; expected <public URL>/verify?inquiry-id=inq_…&code=…"
            ))
        };
        let (base, query) = url
            .split_once("/verify?")
            .ok_or_else(|| malformed("no /verify? in it"))?;
        let (mut inquiry, mut code) = (None, None);
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("inquiry-id", id)) => inquiry = Some(InquiryId::parse(id)?),
                Some(("code", text)) => {
                    code = Some(LinkCode::parse(text).map_err(|_| malformed("a malformed code"))?)
                }
                _ => {}
            }
        }
        match (inquiry, code) {
            (Some(inquiry), Some(code)) => Ok(OneTimeLink {
                base: base.to_owned(),
                inquiry,
                code,
            }),
            _ => Err(malformed("inquiry-id or code is missing")),
        }
    }

    /// The inquiry the link opens.
    pub fn inquiry_id(&self) -> InquiryId {
        self.inquiry
    }

    /// The link's code, to redeem (L3).
    pub fn code(&self) -> &LinkCode {
        &self.code
    }

    /// The whole URL, code included: hand it to the person, never to a log.
    pub fn expose_url(&self) -> Zeroizing<String> {
        let code = self.code.expose_secret();
        Zeroizing::new(format!(
            "{}/verify?inquiry-id={}&code={}",
            self.base,
            self.inquiry,
            code.as_str()
        ))
    }
}

impl fmt::Debug for OneTimeLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OneTimeLink({}/verify?inquiry-id={}&code=<redacted>)",
            self.base, self.inquiry
        )
    }
}

/// The sessions of an inquiry (S1's `GET …/sessions`): `{"data": [<session>…]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionsDocument {
    /// The sessions, oldest first.
    pub sessions: Vec<SessionResource>,
}

impl SessionsDocument {
    /// A document listing `sessions`.
    pub fn new(sessions: Vec<SessionResource>) -> SessionsDocument {
        SessionsDocument { sessions }
    }

    /// The document as compact JSON text, keys in `inflection`.
    pub fn to_json(&self, inflection: Inflection) -> String {
        write::to_json(&Inflected(&Data(self.sessions.as_slice()), inflection))
    }

    /// Reads a session list in any inflection; as [`InquiryDocument::from_json`].
    pub fn from_json(text: &str) -> Result<SessionsDocument, Error> {
        let reader = Reader::parse("session list", text)?;
        let sessions = reader
            .root()?
            .field(Key::Data)?
            .elements()?
            .iter()
            .map(read::session)
            .collect::<Result<_, _>>()?;
        Ok(SessionsDocument { sessions })
    }
}

/// A JSON:API error object (W4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorObject {
    /// The HTTP status (written as a string, `"409"`).
    pub status: u16,
    /// The stable snake_case code: the rule book's (`not_resumable`) or a service's own
    /// (`unauthorized`).
    pub code: Cow<'static, str>,
    /// A short summary that depends only on the code (`Not resumable`).
    pub title: String,
    /// What went wrong this time, with the rule IDs that refused it.
    pub detail: String,
}

impl ErrorObject {
    /// An error object; its title is the code in words (`payload_too_large` →
    /// `Payload too large`).
    pub fn new(status: u16, code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        let code = code.into();
        let title = title_of(&code);
        ErrorObject {
            status,
            code,
            title,
            detail: detail.into(),
        }
    }
}

impl From<&Error> for ErrorObject {
    /// The refusal's HTTP status and code; its message, with the rule IDs, as the detail.
    fn from(error: &Error) -> Self {
        ErrorObject::new(
            error.http_status(),
            error.code().as_str(),
            error.detail().to_string(),
        )
    }
}

/// A code in words, capitalized: `not_resumable` → `Not resumable`.
fn title_of(code: &str) -> String {
    let mut title = code.replace('_', " ");
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    title
}

/// An error document (W4): `{"errors": [<error object>…]}`.
///
/// ```
/// use inquiry_lifecycle::{Error, Status};
/// use inquiry_lifecycle_wire::{ErrorDocument, Inflection};
///
/// let refusal = Error::NotResumable { status: Status::Approved };
/// let text = ErrorDocument::from(&refusal).to_json(Inflection::Kebab);
/// assert!(text.starts_with(r#"{"errors":[{"status":"409","code":"not_resumable","title":"Not resumable","detail":"an approved inquiry"#));
/// assert!(text.contains("(T6, T7)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDocument {
    /// The errors, most important first.
    pub errors: Vec<ErrorObject>,
}

impl ErrorDocument {
    /// A document with one error.
    pub fn new(error: ErrorObject) -> ErrorDocument {
        ErrorDocument {
            errors: vec![error],
        }
    }

    /// The HTTP status to answer with: the first error's.
    pub fn status(&self) -> u16 {
        self.errors.first().map_or(500, |error| error.status)
    }

    /// The document as compact JSON text, keys in `inflection`.
    pub fn to_json(&self, inflection: Inflection) -> String {
        write::to_json(&Inflected(&Errors(&self.errors), inflection))
    }

    /// Reads an error document in any inflection; as [`InquiryDocument::from_json`].
    pub fn from_json(text: &str) -> Result<ErrorDocument, Error> {
        let reader = Reader::parse("error document", text)?;
        let errors = reader
            .root()?
            .field(Key::Errors)?
            .elements()?
            .iter()
            .map(read::error_object)
            .collect::<Result<_, _>>()?;
        Ok(ErrorDocument { errors })
    }
}

impl From<&Error> for ErrorDocument {
    fn from(error: &Error) -> Self {
        ErrorDocument::new(ErrorObject::from(error))
    }
}
