//! Given / when / then tests of the saga transition function with a four-step saga
//! shaped like place-order: place (undo: cancel), reserve (undo: release),
//! pay (undo: refund), ship (nothing to undo).

use super::*;
use chrono::TimeZone;

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum Step {
    Place,
    Reserve,
    Pay,
    Ship,
}

/// A reply naming its saga, one message type per answer.
macro_rules! replies {
    ($($name:ident = $type:literal),* $(,)?) => {$(
        #[derive(Serialize, Deserialize)]
        struct $name {
            saga: Uuid,
        }
        impl Message for $name {
            const TYPE: &'static str = $type;
        }
    )*};
}
replies!(
    Reserved = "test.Reserved",
    Released = "test.Released",
    Paid = "test.Paid",
    Refunded = "test.Refunded",
    Shipped = "test.Shipped",
    Cancelled = "test.Cancelled",
    Paying = "test.Paying",
);

#[derive(Serialize, Deserialize)]
struct Do {
    what: String,
}
impl Message for Do {
    const TYPE: &'static str = "test.Do";
}

struct Toy;

impl SagaDefinition for Toy {
    type Step = Step;
    type Data = String;
    const NAME: &'static str = "toy";
    const CONSUMER: &'static str = "toy";

    fn action(&self, step: Step, _: &SagaContext<'_, String>) -> Result<Option<Command>, BusError> {
        if step == Step::Place { Ok(None) } else { Command::new(&Do { what: step.name().into() }).map(Some) }
    }

    fn compensation(&self, step: Step, _: &SagaContext<'_, String>) -> Result<Option<Command>, BusError> {
        let undo = match step {
            Step::Place => "cancel",
            Step::Reserve => "release",
            Step::Pay => "refund",
            Step::Ship => return Ok(None),
        };
        Command::new(&Do { what: undo.into() }).map(Some)
    }

    fn answers(&self) -> Vec<Answer<Step>> {
        let done = |saga| (saga, Outcome::Succeeded(Value::Null));
        vec![
            Answer::action(Step::Reserve, move |m: Reserved| done(m.saga)),
            Answer::undone(Step::Reserve, |m: Released| m.saga),
            Answer::action(Step::Pay, move |m: Paid| done(m.saga)),
            Answer::undone(Step::Pay, |m: Refunded| m.saga),
            Answer::action(Step::Ship, move |m: Shipped| done(m.saga)),
            Answer::undone(Step::Place, |m: Cancelled| m.saga),
        ]
    }
}

/// Toy with one answer left out of its table, as an edit that adds a step could forget it.
struct Forgetful(&'static str);

impl SagaDefinition for Forgetful {
    type Step = Step;
    type Data = String;
    const NAME: &'static str = "forgetful";
    const CONSUMER: &'static str = "forgetful";

    fn action(&self, step: Step, saga: &SagaContext<'_, String>) -> Result<Option<Command>, BusError> {
        Toy.action(step, saga)
    }

    fn compensation(&self, step: Step, saga: &SagaContext<'_, String>) -> Result<Option<Command>, BusError> {
        Toy.compensation(step, saga)
    }

    fn answers(&self) -> Vec<Answer<Step>> {
        Toy.answers().into_iter().filter(|answer| answer.message_type != self.0).collect()
    }
}

/// Toy whose payment receiver announces when it begins (when `announces`), so waiting for
/// it is timed apart from its work.
struct Patient {
    announces: bool,
}

impl SagaDefinition for Patient {
    type Step = Step;
    type Data = String;
    const NAME: &'static str = "patient";
    const CONSUMER: &'static str = "patient";

    fn action(&self, step: Step, saga: &SagaContext<'_, String>) -> Result<Option<Command>, BusError> {
        Toy.action(step, saga)
    }

    fn compensation(&self, step: Step, saga: &SagaContext<'_, String>) -> Result<Option<Command>, BusError> {
        Toy.compensation(step, saga)
    }

    fn answers(&self) -> Vec<Answer<Step>> {
        let mut answers = Toy.answers();
        if self.announces {
            answers.push(Answer::started(Step::Pay, |m: Paying| m.saga));
        }
        answers
    }

    fn queue_deadline(&self, step: Step) -> Option<Duration> {
        (step == Step::Pay).then(|| Duration::seconds(600))
    }
}

#[test]
fn a_command_waiting_for_its_receiver_has_not_failed_and_its_work_is_timed_from_its_start() {
    let patient = Patient { announces: true };
    let mut state = SagaState::default();
    let mut now = t0();
    let apply = |state: &mut SagaState, input: Input<Step>, now| {
        let events = decide(&patient, SAGA, "test", state, input, now, None).unwrap();
        for event in &events {
            state.evolve(event);
        }
        events
    };
    let reply = |step, outcome| Input::Reply { step, phase: Phase::Forward, outcome };
    apply(&mut state, Input::Start(Value::String("data".into())), now);
    apply(&mut state, reply(Step::Reserve, Outcome::Succeeded(Value::Null)), now);
    now += Duration::seconds(300);
    assert!(apply(&mut state, Input::Tick, now).is_empty(), "five minutes in a queue is not a failure");

    let started = apply(&mut state, reply(Step::Pay, Outcome::Started), now);
    assert!(matches!(started.as_slice(), [SagaEvent::SagaStepStarted { .. }]), "{started:?}");
    now += Duration::seconds(29);
    assert!(apply(&mut state, Input::Tick, now).is_empty(), "its work has 30 s from its start");
    let restarted = apply(&mut state, reply(Step::Pay, Outcome::Started), now);
    assert_eq!(restarted.len(), 1, "a receiver that begins again (a restart) gets its time again");
    now += Duration::seconds(31);
    let failed = apply(&mut state, Input::Tick, now);
    let Some(SagaEvent::SagaStepFailed { failure, .. }) = failed.first() else { panic!("{failed:?}") };
    assert_eq!(failure.message, "pay got no answer within 30 s");
}

#[test]
fn a_command_never_taken_up_fails_at_its_queue_deadline() {
    let patient = Patient { announces: true };
    let mut state = SagaState::default();
    for (input, at) in [
        (Input::Start(Value::String("data".into())), 0),
        (Input::Reply { step: Step::Reserve, phase: Phase::Forward, outcome: Outcome::Succeeded(Value::Null) }, 0),
    ] {
        for event in decide(&patient, SAGA, "test", &state, input, t0() + Duration::seconds(at), None).unwrap() {
            state.evolve(&event);
        }
    }
    let late = decide(&patient, SAGA, "test", &state, Input::Tick, t0() + Duration::seconds(601), None).unwrap();
    let Some(SagaEvent::SagaStepFailed { failure, .. }) = late.first() else { panic!("{late:?}") };
    assert_eq!(failure.message, "pay was not taken up within 600 s");
}

#[test]
fn waiting_for_a_start_nobody_announces_is_found() {
    let (data, results) = sample();
    let context = SagaContext { saga_id: SAGA, data: &data, results: &results, failure: None };
    assert_eq!(unanswered(&Patient { announces: true }, &context), Vec::<String>::new());
    assert_eq!(
        unanswered(&Patient { announces: false }, &context),
        ["pay waits for its receiver to begin, but nothing says it began"]
    );
}

fn sample() -> (String, BTreeMap<String, Value>) {
    ("data".to_owned(), BTreeMap::new())
}

#[test]
fn every_command_of_a_complete_definition_is_answered() {
    let (data, results) = sample();
    let context = SagaContext { saga_id: SAGA, data: &data, results: &results, failure: None };
    assert_eq!(unanswered(&Toy, &context), Vec::<String>::new());
}

#[test]
fn a_step_without_its_reply_mapping_is_found() {
    let (data, results) = sample();
    let context = SagaContext { saga_id: SAGA, data: &data, results: &results, failure: None };
    assert_eq!(
        unanswered(&Forgetful(Refunded::TYPE), &context),
        ["pay (Compensation) sends test.Do but nothing answers it"]
    );
    assert_eq!(
        unanswered(&Forgetful(Shipped::TYPE), &context),
        ["ship (Forward) sends test.Do but nothing answers it"]
    );
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

const SAGA: Uuid = Uuid::from_u128(42);

struct Scenario {
    state: SagaState,
    now: DateTime<Utc>,
    last: Vec<SagaEvent>,
}

impl Scenario {
    fn given_started() -> Self {
        let mut scenario = Scenario { state: SagaState::default(), now: t0(), last: vec![] };
        scenario.when(Input::Start(Value::String("data".into())));
        scenario
    }

    fn when(&mut self, input: Input<Step>) -> &mut Self {
        self.last = decide(&Toy, SAGA, "test", &self.state, input, self.now, None).unwrap();
        for event in &self.last {
            self.state.evolve(event);
        }
        self
    }

    fn ok(&mut self, step: Step) -> &mut Self {
        self.when(Input::Reply { step, phase: Phase::Forward, outcome: Outcome::Succeeded(Value::Null) })
    }

    fn fails(&mut self, step: Step) -> &mut Self {
        let outcome = Outcome::Failed(Failure::new("nope", "it failed"));
        self.when(Input::Reply { step, phase: Phase::Forward, outcome })
    }

    fn undone(&mut self, step: Step) -> &mut Self {
        self.when(Input::Reply { step, phase: Phase::Compensation, outcome: Outcome::Succeeded(Value::Null) })
    }

    fn undo_fails(&mut self, step: Step) -> &mut Self {
        let outcome = Outcome::Failed(Failure::new("down", "gateway down"));
        self.when(Input::Reply { step, phase: Phase::Compensation, outcome })
    }

    fn after(&mut self, seconds: i64) -> &mut Self {
        self.now += Duration::seconds(seconds);
        self.when(Input::Tick)
    }

    /// The commands the last input sent, as "what" strings.
    fn sent(&self) -> Vec<String> {
        self.last
            .iter()
            .filter_map(|e| match e {
                SagaEvent::SagaCommandIssued { envelope, .. } => {
                    Some(envelope.payload["what"].as_str().unwrap().to_owned())
                }
                _ => None,
            })
            .collect()
    }
}

#[test]
fn starting_completes_the_local_first_step_and_sends_the_second() {
    let scenario = Scenario::given_started();
    assert_eq!(scenario.sent(), ["reserve"]);
    assert_eq!(scenario.state.status, SagaStatus::Running);
    assert_eq!(scenario.state.steps["place"].0, StepStatus::Succeeded);
}

#[test]
fn every_step_succeeding_completes_the_saga() {
    let mut scenario = Scenario::given_started();
    assert_eq!(scenario.ok(Step::Reserve).sent(), ["pay"]);
    assert_eq!(scenario.ok(Step::Pay).sent(), ["ship"]);
    scenario.ok(Step::Ship);
    assert_eq!(scenario.state.status, SagaStatus::Completed);
    assert!(scenario.last.contains(&SagaEvent::SagaCompleted));
}

#[test]
fn a_failed_first_step_only_cancels() {
    let mut scenario = Scenario::given_started();
    assert_eq!(scenario.fails(Step::Reserve).sent(), ["cancel"]);
    scenario.undone(Step::Place);
    assert_eq!(scenario.state.status, SagaStatus::Compensated);
    assert_eq!(scenario.state.failure.as_ref().unwrap().code, "nope");
    let view = scenario.state.view::<Step>();
    let statuses: Vec<_> = view.steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StepStatus::Compensated, StepStatus::Failed, StepStatus::Pending, StepStatus::Pending]);
}

#[test]
fn a_failed_payment_releases_then_cancels() {
    let mut scenario = Scenario::given_started();
    scenario.ok(Step::Reserve);
    assert_eq!(scenario.fails(Step::Pay).sent(), ["release"]);
    assert_eq!(scenario.undone(Step::Reserve).sent(), ["cancel"]);
    scenario.undone(Step::Place);
    assert_eq!(scenario.state.status, SagaStatus::Compensated);
}

#[test]
fn a_failed_last_step_refunds_releases_and_cancels_in_that_order() {
    let mut scenario = Scenario::given_started();
    scenario.ok(Step::Reserve).ok(Step::Pay);
    assert_eq!(scenario.fails(Step::Ship).sent(), ["refund"]);
    assert_eq!(scenario.undone(Step::Pay).sent(), ["release"]);
    assert_eq!(scenario.undone(Step::Reserve).sent(), ["cancel"]);
    scenario.undone(Step::Place);
    assert_eq!(scenario.state.status, SagaStatus::Compensated);
}

#[test]
fn duplicate_and_stale_replies_change_nothing() {
    let mut scenario = Scenario::given_started();
    scenario.ok(Step::Reserve);
    assert!(scenario.ok(Step::Reserve).last.is_empty(), "duplicate reply");
    assert!(scenario.ok(Step::Ship).last.is_empty(), "reply for a step not yet reached");
    assert!(scenario.undone(Step::Reserve).last.is_empty(), "undo reply while running");
}

#[test]
fn a_step_that_misses_its_deadline_fails_and_is_undone_too() {
    let mut scenario = Scenario::given_started();
    scenario.ok(Step::Reserve);
    assert!(scenario.after(29).last.is_empty(), "not due yet");
    assert_eq!(scenario.after(1).sent(), ["refund"], "the payment may have gone through");
    assert_eq!(scenario.state.failure.as_ref().unwrap().code, "timeout");
    assert_eq!(scenario.undone(Step::Pay).sent(), ["release"]);
    assert!(scenario.ok(Step::Pay).last.is_empty(), "a late success no longer counts");
}

#[test]
fn a_failing_compensation_is_retried_flags_the_saga_and_a_late_success_clears_it() {
    let mut scenario = Scenario::given_started();
    scenario.ok(Step::Reserve).fails(Step::Pay);
    for attempt in 1..Toy::MAX_COMPENSATION_ATTEMPTS {
        scenario.undo_fails(Step::Reserve);
        assert_eq!(scenario.state.status, SagaStatus::Compensating);
        let wait = Toy.retry_delay(attempt).num_seconds();
        assert!(scenario.after(wait - 1).last.is_empty(), "retry waits its delay");
        assert_eq!(scenario.after(1).sent(), ["release"], "retry {attempt}");
    }
    scenario.undo_fails(Step::Reserve);
    assert_eq!(scenario.state.status, SagaStatus::NeedsAttention, "flagged for a person");
    let wait = Toy.retry_delay(Toy::MAX_COMPENSATION_ATTEMPTS).num_seconds();
    assert_eq!(scenario.after(wait).sent(), ["release"], "and still retried");
    scenario.undo_fails(Step::Reserve);
    assert_eq!(scenario.state.status, SagaStatus::NeedsAttention);
    let flags = scenario.last.iter().filter(|e| matches!(e, SagaEvent::SagaNeedsAttention { .. })).count();
    assert_eq!(flags, 0, "flagged once, not at every failure");
    let wait = Toy.retry_delay(Toy::MAX_COMPENSATION_ATTEMPTS + 1).num_seconds();
    assert_eq!(scenario.after(wait).sent(), ["release"]);
    assert_eq!(scenario.undone(Step::Reserve).sent(), ["cancel"], "a late success moves undoing on");
    assert_eq!(scenario.state.status, SagaStatus::Compensating, "and clears the flag");
    scenario.undone(Step::Place);
    assert_eq!(scenario.state.status, SagaStatus::Compensated);
}

#[test]
fn an_undo_refused_for_good_flags_the_saga_at_once_and_is_still_asked_again() {
    let mut scenario = Scenario::given_started();
    scenario.ok(Step::Reserve).fails(Step::Pay);
    let outcome = Outcome::Refused(Failure::new("already_shipped", "the parcel has left"));
    scenario.when(Input::Reply { step: Step::Reserve, phase: Phase::Compensation, outcome });
    assert_eq!(scenario.state.status, SagaStatus::NeedsAttention, "flagged on the first refusal");
    assert!(scenario.last.iter().any(|e| matches!(e, SagaEvent::SagaNeedsAttention { .. })));
    let wait = Toy.retry_delay(Toy::MAX_COMPENSATION_ATTEMPTS).num_seconds();
    assert!(scenario.after(wait - 1).last.is_empty(), "asked again only after the longest pause");
    assert_eq!(scenario.after(1).sent(), ["release"]);
    assert_eq!(scenario.when(Input::Retry).sent(), ["release"], "and a person may ask again at once");
}

#[test]
fn a_person_can_retry_a_parked_compensation_at_once_but_nothing_else() {
    let mut scenario = Scenario::given_started();
    assert!(scenario.when(Input::Retry).last.is_empty(), "a forward step is not retried by hand");
    scenario.ok(Step::Reserve).fails(Step::Pay);
    for _ in 0..Toy::MAX_COMPENSATION_ATTEMPTS {
        scenario.undo_fails(Step::Reserve);
        let wait = Toy.retry_delay(Toy::MAX_COMPENSATION_ATTEMPTS).num_seconds();
        scenario.after(wait);
    }
    scenario.undo_fails(Step::Reserve);
    assert_eq!(scenario.state.status, SagaStatus::NeedsAttention);
    let parked_attempt = scenario.state.awaiting.as_ref().unwrap().attempt;

    assert_eq!(scenario.when(Input::Retry).sent(), ["release"], "sent now, not at the scheduled retry");
    let awaiting = scenario.state.awaiting.clone().unwrap();
    assert_eq!(awaiting.attempt, parked_attempt + 1, "a new attempt, so a new message id");
    assert!(!awaiting.retry_scheduled, "it now waits for the answer");
    scenario.undone(Step::Reserve).undone(Step::Place);
    assert_eq!(scenario.state.status, SagaStatus::Compensated);
    assert!(scenario.when(Input::Retry).last.is_empty(), "a finished saga has nothing to retry");
}

#[test]
fn an_unanswered_compensation_is_sent_again_with_a_new_id() {
    let mut scenario = Scenario::given_started();
    scenario.fails(Step::Reserve);
    let first = scenario.last.clone();
    scenario.after(30);
    let id = |events: &[SagaEvent]| {
        events.iter().find_map(|e| match e {
            SagaEvent::SagaCommandIssued { envelope, attempt, .. } => Some((envelope.message_id, *attempt)),
            _ => None,
        })
    };
    let (first_id, first_attempt) = id(&first).unwrap();
    let (second_id, second_attempt) = id(&scenario.last).unwrap();
    assert_eq!((first_attempt, second_attempt), (1, 2));
    assert_ne!(first_id, second_id);
}

#[test]
fn command_ids_are_deterministic() {
    let one = Scenario::given_started();
    let two = Scenario::given_started();
    assert_eq!(one.last, two.last);
}

#[test]
fn starting_twice_is_refused() {
    let scenario = Scenario::given_started();
    let again = decide(&Toy, SAGA, "test", &scenario.state, Input::Start(Value::Null), t0(), None);
    assert!(matches!(again, Err(SagaError::AlreadyStarted(_))));
}
