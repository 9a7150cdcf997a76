//! Model-based test: random transitions, time moving between them, driven through a plain
//! reference model of the rule book (`reference.rs`) and through the library, with their
//! outcomes and observable state compared after every step. Also measures which
//! (status, action) and access-table cells the generated runs reach, and fails unless every
//! pair of the transition and access tables is hit.
#![cfg(feature = "proptest")]

mod reference;

use std::collections::BTreeSet;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::rules::{action_rules, AccessRow, Presented, ACCESS_TABLE};
use inquiry_lifecycle::strategies::{self, CodeChoice, Player, Step, TokenChoice};
use inquiry_lifecycle::{Action, ErrorCode, Policy, Status};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestRng, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use reference::Model;

#[derive(Debug, Clone)]
enum Transition {
    /// Moves the clock (possibly backwards: E6).
    Advance(i64),
    Act(Action),
    Access(TokenChoice),
    Redeem(CodeChoice),
    Tick,
}

/// Cells reached: "status/action" and "access/row/column".
static REACHED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn reach(cell: String) {
    REACHED.lock().unwrap().insert(cell);
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Model> {
        let interval = || prop::sample::select(vec![600i64, 1_800, 3_600, 7_200]);
        // After-start often shorter than after-create, so that a session opened while
        // `created` can outlive the deadline that `start` sets (S5).
        let after_start = prop::sample::select(vec![300i64, 600, 3_600]);
        // Link TTLs short and long, so that unredeemed links both time out and outlive
        // their inquiry's deadline.
        let link_ttl = prop::sample::select(vec![120i64, 600, 7_200]);
        (interval(), after_start, interval(), interval(), link_ttl)
            .prop_map(|(c, s, r, t, l)| {
                Model::new(
                    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                    [c, s, r, t, l],
                )
            })
            .boxed()
    }

    fn transitions(model: &Model) -> BoxedStrategy<Transition> {
        // Like a simulated clock, sometimes jump to just past the next thing that falls due.
        let to_next_due = model
            .next_due()
            .map_or(600, |due| (due - model.clock).num_seconds().max(0));
        let live = if model.status_now().is_live() && !model.redacted {
            3
        } else {
            0
        };
        // Steer toward the rare corner of S5: a session opened while `created`, used, then
        // outliving the shorter deadline that `start` sets; present its token once the
        // inquiry is (due) expired.
        let used_while_created =
            model.status == Status::Created && model.sessions.iter().any(|s| s.used && !s.expired);
        let start_now = if used_while_created { 4 } else { 0 };
        let now = model.now();
        let outliving = model
            .sessions
            .iter()
            .position(|s| s.kept && !s.expired && now < s.expiry())
            .filter(|_| model.status_now() == Status::Expired && !model.redacted);
        let present_outliving = if outliving.is_some() { 4 } else { 0 };
        let outliving = model
            .tokens
            .iter()
            .position(|(session, _)| Some(*session) == outliving)
            .unwrap_or(0);
        // Redeem a link again soon after its first redemption (within and just past the
        // grace, L3), and sometimes step a little, so the five minutes are crossed.
        let redeemed = model.codes.iter().position(|i| {
            let session = &model.sessions[*i];
            session.redeemed_at.is_some() && !session.expired && now < session.expiry()
        });
        let redeem_again = if redeemed.is_some() { 4 } else { 0 };
        let redeemed = redeemed.unwrap_or(0);
        // A finished inquiry: review and decisions are what is left to try (T8-T10 from
        // completed and failed are otherwise rare).
        let finished = if matches!(model.status_now(), Status::Completed | Status::Failed)
            && !model.redacted
        {
            3
        } else {
            0
        };
        let arms: Vec<(u32, BoxedStrategy<Transition>)> = vec![
            (start_now, Just(Transition::Act(Action::Start)).boxed()),
            (
                present_outliving,
                Just(Transition::Access(TokenChoice::Issued(outliving))).boxed(),
            ),
            (
                2,
                strategies::time_step()
                    .prop_map(|d| Transition::Advance(d.num_seconds()))
                    .boxed(),
            ),
            (
                2,
                (0i64..=90)
                    .prop_map(move |extra| Transition::Advance(to_next_due + extra))
                    .boxed(),
            ),
            (4, strategies::action().prop_map(Transition::Act).boxed()),
            // While live, resumes and accesses keep several sessions in play (S4, S5, S7).
            (live, Just(Transition::Act(Action::Resume)).boxed()),
            (
                finished,
                prop::sample::select(vec![
                    Action::MarkForReview,
                    Action::Approve,
                    Action::Decline,
                ])
                .prop_map(Transition::Act)
                .boxed(),
            ),
            (
                3,
                strategies::token_choice()
                    .prop_map(Transition::Access)
                    .boxed(),
            ),
            (
                2,
                strategies::code_choice()
                    .prop_map(Transition::Redeem)
                    .boxed(),
            ),
            (
                redeem_again,
                prop_oneof![
                    (120i64..=400).prop_map(Transition::Advance),
                    Just(Transition::Redeem(CodeChoice::Issued(redeemed))),
                ]
                .boxed(),
            ),
            (1, Just(Transition::Tick).boxed()),
        ];
        // Steering arms weigh nothing where they do not apply; proptest wants them left out.
        Union::new_weighted(arms.into_iter().filter(|(weight, _)| *weight > 0).collect()).boxed()
    }

    fn apply(mut model: Model, transition: &Transition) -> Model {
        let row = AccessRow::of(model.status_now(), model.redacted);
        model.last = match transition {
            Transition::Advance(seconds) => {
                model.clock += TimeDelta::seconds(*seconds);
                None
            }
            Transition::Act(action) => {
                let status = if model.redacted {
                    "redacted".to_owned()
                } else {
                    model.status_now().to_string()
                };
                reach(format!("{status}/{action}"));
                Some(model.act(*action))
            }
            Transition::Access(choice) => {
                let presented = presented(&model, *choice);
                reach(format!("access/{row:?}/{presented:?}"));
                Some(model.access(*choice))
            }
            Transition::Redeem(choice) => {
                let outcome = model.redeem(*choice);
                let cell = match &outcome {
                    Ok(events) if events.is_empty() => "granted again".to_owned(),
                    Ok(_) => "granted".to_owned(),
                    Err(code) => code.to_string(),
                };
                reach(format!("redeem/{cell}"));
                Some(outcome)
            }
            Transition::Tick => Some(model.tick()),
        };
        model
    }
}

/// Which column of the access table a choice falls in, seen from the model.
fn presented(model: &Model, choice: TokenChoice) -> Presented {
    let now = model.now();
    match choice {
        TokenChoice::None => Presented::NoToken,
        TokenChoice::Issued(_) if model.tokens.is_empty() => Presented::NoToken,
        TokenChoice::Code(_) if model.codes.is_empty() => Presented::NoToken,
        TokenChoice::Code(_) => Presented::WrongToken,
        TokenChoice::Issued(n) => {
            let (index, token) = model.tokens[n % model.tokens.len()];
            let session = &model.sessions[index];
            if !session.kept || session.token != token {
                Presented::WrongToken
            } else if session.expired || now >= session.expiry() {
                Presented::ExpiredSessionToken
            } else {
                Presented::ValidToken
            }
        }
        TokenChoice::Forged | TokenChoice::Foreign => Presented::WrongToken,
    }
}

struct Library {
    player: Player,
    clock: DateTime<Utc>,
}

impl StateMachineTest for Library {
    type SystemUnderTest = Library;
    type Reference = Reference;

    fn init_test(model: &Model) -> Library {
        let policy = Policy::builder()
            .expire_after_create(model.after_create)
            .expire_after_start(model.after_start)
            .expire_after_resume(model.after_resume)
            .session_token_ttl(model.ttl)
            .one_time_link_ttl(model.link_ttl)
            .build()
            .unwrap();
        Library {
            player: Player::new(&policy, 7, model.clock).unwrap(),
            clock: model.clock,
        }
    }

    fn apply(mut sut: Library, model: &Model, transition: Transition) -> Library {
        let step = match transition {
            Transition::Advance(seconds) => {
                sut.clock += TimeDelta::seconds(seconds);
                return sut;
            }
            Transition::Act(action) => Step::Act(action),
            Transition::Access(choice) => Step::Access(choice),
            Transition::Redeem(choice) => Step::Redeem(choice),
            Transition::Tick => Step::Tick,
        };
        let outcome = sut
            .player
            .step(step, sut.clock)
            .map(|events| events.iter().map(|e| e.name).collect::<Vec<_>>())
            .map_err(|e| e.code());
        assert_eq!(
            Some(&outcome),
            model.last.as_ref(),
            "{step:?} at {}",
            sut.clock
        );
        sut
    }

    fn check_invariants(sut: &Library, model: &Model) {
        let inquiry = sut.player.inquiry();
        assert_eq!(inquiry.recorded_status(), model.status);
        assert_eq!(inquiry.is_redacted(), model.redacted);
        assert_eq!(inquiry.revision(), model.revision);
        assert_eq!(inquiry.deadline(), model.deadline());
        assert_eq!(inquiry.next_due(), model.next_due());
        assert_eq!(inquiry.status_at(sut.clock), model.status_now());
        assert_eq!(
            inquiry.live_sessions_at(sut.clock),
            model.live_sessions_now()
        );
        assert_eq!(inquiry.updated_at(), model.last_change);
        assert!(inquiry.sessions().len() <= 25);
    }
}

#[test]
fn the_library_behaves_like_the_reference_model_and_reaches_every_table_cell() {
    // A fixed seed: the coverage assertion below must not depend on luck. The sequences
    // are still random, and 300 of them take a few seconds.
    let config = Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(
        &Reference::sequential_strategy(20..150),
        |(model, transitions, seen)| {
            Library::test_sequential(Config::default(), model, transitions, seen);
            Ok(())
        },
    );
    if let Err(error) = result {
        panic!("{error}");
    }

    let reached = REACHED.lock().unwrap().clone();
    let mut expected = BTreeSet::new();
    for rule in action_rules() {
        for status in rule.from {
            expected.insert(format!("{status}/{}", rule.action));
        }
    }
    // L3, L4: every answer a redemption can get.
    for cell in ["granted", "granted again"]
        .into_iter()
        .map(str::to_owned)
        .chain(
            [
                ErrorCode::InvalidToken,
                ErrorCode::SessionExpired,
                ErrorCode::LinkUsed,
                ErrorCode::InquiryExpired,
                ErrorCode::InquiryFinished,
                ErrorCode::Redacted,
            ]
            .map(|code| code.to_string()),
        )
    {
        expected.insert(format!("redeem/{cell}"));
    }
    for (row, _) in ACCESS_TABLE {
        for column in Presented::ALL {
            // S6 ends every session when an inquiry is finished or redacted, so no token is
            // valid there; those two cells cannot be reached by any sequence of calls.
            let unreachable = column == Presented::ValidToken
                && matches!(row, AccessRow::Finished | AccessRow::Redacted);
            if !unreachable {
                expected.insert(format!("access/{row:?}/{column:?}"));
            }
        }
    }
    let all_pairs = Status::ALL.len() * Action::ALL.len();
    let hit_pairs = Status::ALL
        .iter()
        .flat_map(|s| Action::ALL.iter().map(move |a| format!("{s}/{a}")))
        .filter(|cell| reached.contains(cell))
        .count();
    println!(
        "coverage: {hit_pairs}/{all_pairs} (status, action) pairs, {}/{} table cells, {} cells in all",
        expected.iter().filter(|c| reached.contains(*c)).count(),
        expected.len(),
        reached.len()
    );
    let missing: Vec<_> = expected.difference(&reached).collect();
    assert!(missing.is_empty(), "table cells never reached: {missing:?}");
}
