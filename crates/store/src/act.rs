//! Load, act, save: the helpers every service writes once.

use chrono::{DateTime, Utc};
use inquiry_lifecycle::{
    Error, Event, Events, Granted, Inquiry, InquiryId, Linked, Opened, Outcome,
};

use crate::{
    ActError, IdempotencyKey, IdempotencyStore, InquiryStore, KeptAnswer, Keyed, Outgoing, Render,
    StoreError,
};

/// What an operation on an inquiry hands back: something holding the call's events, and
/// perhaps more (a token, a session id). [`act`] saves the events with the inquiry.
pub trait Change {
    /// The events the call yielded, in order; none for a no-op.
    fn events(&self) -> &[Event];

    /// What the change rendered for its events itself, one [`Outgoing`] per event in
    /// order, to be saved as it is: a change made of several calls renders each call from
    /// the state that call started from, which no [`Render`] given the state before and
    /// after the whole change can do. `None` (the default): the events are saved plain, or
    /// as [`act_rendering`]'s `Render` makes them.
    fn rendered(&self) -> Option<&[Outgoing]> {
        None
    }
}

impl Change for Events {
    fn events(&self) -> &[Event] {
        self
    }
}

impl Change for Opened {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Change for Linked {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Change for Granted {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Change for Outcome {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

/// What [`act`] did: the operation's own result (an [`Opened`] with its token, a
/// [`Granted`], the [`Events`]) and the inquiry as it now stands in the store.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the outcome may hold a token that is handed out only once"]
pub struct Acted<T> {
    /// What the operation returned. Its events are in the outbox already.
    pub outcome: T,
    /// The inquiry as saved (as loaded, for a no-op).
    pub inquiry: Inquiry,
}

/// Loads the inquiry, applies `operation`, and saves it with compare-and-swap together
/// with the events, retrying up to `attempts` times when a concurrent change wins. Returns
/// what the operation returned (so a start or resume hands back its token) and the inquiry
/// as saved. A no-op (revision unchanged) saves nothing.
///
/// `operation` may run more than once: it must only act on the inquiry it is given.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use inquiry_lifecycle_store::{act, InquiryStore, MemoryStore, Outgoing};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
///
/// let store = MemoryStore::new();
/// let mut random = SeededRandom::new(1);
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random)?;
/// store.insert(&inquiry, &Outgoing::plain(&events), None).await?;
///
/// let started = act(&store, inquiry.id(), 3, |inquiry| inquiry.start(t0, &mut random)).await?;
/// let token = started.outcome.token; // hand it to the person, once
/// assert_eq!(started.inquiry.recorded_status(), Status::Pending);
/// let later = t0 + TimeDelta::minutes(1);
/// let opened = act(&store, inquiry.id(), 3, |inquiry| inquiry.access(Some(&token), later)).await?;
/// assert_eq!(opened.outcome.events[0].name.as_str(), "inquiry-session.started");
/// # Ok(())
/// # }
/// ```
pub async fn act<S, T, F>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    operation: F,
) -> Result<Acted<T>, ActError>
where
    S: InquiryStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
{
    act_with::<_, _, _, NoAnswer<T>>(store, id, attempts, None, None, operation)
        .await
        .map(|(acted, _)| acted)
}

/// [`act`], committing what `render` makes of the change's events (a webhook document per
/// event, say) instead of the plain events.
pub async fn act_rendering<S, T, F>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    render: &dyn Render,
    operation: F,
) -> Result<Acted<T>, ActError>
where
    S: InquiryStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
{
    act_with::<_, _, _, NoAnswer<T>>(store, id, attempts, Some(render), None, operation)
        .await
        .map(|(acted, _)| acted)
}

/// [`act_rendering`] for a request that holds an `Idempotency-Key`
/// ([`IdempotencyStore::claim_key`]): what `answer` makes of the saved inquiry and the
/// outcome is recorded for the key **in the same write as the change** (a store that
/// commits the change commits the answer). A change that turns out to be a no-op records
/// its answer on its own ([`IdempotencyStore::keep_answer`]). The key is left as it is when
/// the call fails: the caller keeps a refusal's answer or releases the key.
pub async fn act_keyed<S, T, F, A>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    render: Option<&dyn Render>,
    key: &IdempotencyKey,
    operation: F,
    answer: A,
) -> Result<Acted<T>, ActError>
where
    S: InquiryStore + IdempotencyStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
    A: FnMut(&Inquiry, &T) -> KeptAnswer + Send,
{
    let keyed = Some(KeyedAnswer { key, answer });
    let (acted, unsaved) = act_with(store, id, attempts, render, keyed, operation).await?;
    if let Some(answer) = unsaved {
        store.keep_answer(key, &answer).await?;
    }
    Ok(acted)
}

/// The key and how to make its answer, for [`act_with`].
struct KeyedAnswer<'a, A> {
    key: &'a IdempotencyKey,
    answer: A,
}

/// The answer function type of a call without a key.
type NoAnswer<T> = fn(&Inquiry, &T) -> KeptAnswer;

async fn act_with<S, T, F, A>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    render: Option<&dyn Render>,
    mut keyed: Option<KeyedAnswer<'_, A>>,
    mut operation: F,
) -> Result<(Acted<T>, Option<KeptAnswer>), ActError>
where
    S: InquiryStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
    A: FnMut(&Inquiry, &T) -> KeptAnswer + Send,
{
    for _ in 0..attempts {
        let mut inquiry = store.load(id).await?.ok_or(StoreError::NotFound(id))?;
        let expected = inquiry.revision();
        // The state before, only when something is rendered from it.
        let before = render.map(|_| inquiry.clone());
        let outcome = operation(&mut inquiry)?;
        let kept = keyed
            .as_mut()
            .map(|keyed| (keyed.key, (keyed.answer)(&inquiry, &outcome)));
        // V3: an operation changed the inquiry exactly when it bumped the revision (a
        // repeat redemption within its grace changes a token and yields no event, L3).
        if inquiry.revision() == expected {
            // Nothing to write: the answer, if any, is kept on its own by the caller.
            let unsaved = kept.map(|(_, answer)| answer);
            return Ok((Acted { outcome, inquiry }, unsaved));
        }
        let rendered;
        let events: &[Outgoing] = match (outcome.rendered(), render) {
            (Some(rendered), _) => rendered,
            (None, None) => {
                rendered = Outgoing::plain(outcome.events());
                &rendered
            }
            (None, Some(render)) => {
                rendered = render.render(before.as_ref(), &inquiry, outcome.events());
                &rendered
            }
        };
        let keyed = kept.as_ref().map(|(key, answer)| Keyed { key, answer });
        match store.save(&inquiry, expected, events, keyed).await {
            Ok(()) => return Ok((Acted { outcome, inquiry }, None)),
            Err(StoreError::Conflict { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ActError::GaveUp(attempts))
}

/// What a [`sweep`] did: the events of the changes it saved (in the outbox already), and the
/// inquiries it set aside because their change could not be made.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "inquiries set aside need an operator's attention"]
pub struct Swept {
    /// The events of every change saved, in order.
    pub events: Events,
    /// The due inquiries whose change failed (a record that fails validation, a refusal,
    /// conflicts until the attempts ran out), each with why. The others were applied: one
    /// bad record never holds back the rest.
    pub set_aside: Vec<(InquiryId, ActError)>,
}

/// Applies what is due at `now` to up to `limit` due inquiries (E5). An inquiry whose change
/// fails is set aside and reported in [`Swept::set_aside`], and the sweep goes on with the
/// next; only a store that cannot be reached ends it early
/// ([`StoreError::Unavailable`], returned).
pub async fn sweep<S: InquiryStore + ?Sized>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Swept, StoreError> {
    sweep_with(store, now, limit, None).await
}

/// [`sweep`], committing what `render` makes of each change's events, as
/// [`act_rendering`] does.
pub async fn sweep_rendering<S: InquiryStore + ?Sized>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
    render: &dyn Render,
) -> Result<Swept, StoreError> {
    sweep_with(store, now, limit, Some(render)).await
}

async fn sweep_with<S: InquiryStore + ?Sized>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
    render: Option<&dyn Render>,
) -> Result<Swept, StoreError> {
    let mut events = Vec::new();
    let mut set_aside = Vec::new();
    for id in store.claim_due(now, limit).await? {
        let apply = |inquiry: &mut Inquiry| Ok(inquiry.apply_due(now));
        match act_with::<_, _, _, NoAnswer<Events>>(store, id, 3, render, None, apply).await {
            Ok((acted, _)) => events.extend(acted.outcome),
            Err(ActError::Store(error @ StoreError::Unavailable(_))) => return Err(error),
            Err(error) => set_aside.push((id, error)),
        }
    }
    Ok(Swept {
        events: events.into(),
        set_aside,
    })
}
