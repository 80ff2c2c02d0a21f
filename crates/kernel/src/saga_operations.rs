//! Sagas as an operator sees them: listed by status from the `sagas` table every
//! transition keeps, and one saga's timeline read from its own stream. Retrying a parked
//! saga goes through its engine ([`crate::saga::SagaControl`]), since only the definition
//! knows what to send.

use crate::event_store::{EventStore, StoreError};
use crate::saga::{Phase, SagaEvent, SagaStatus, SagaView, stream_id};
use serde::Serialize;
use uuid::Uuid;

/// The most sagas one listing returns, most recently changed first.
const LIST_LIMIT: i64 = 500;

/// One saga in a listing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Saga")]
pub struct SagaSummary {
    /// The saga's id (the order's id for place-order).
    pub saga_id: Uuid,
    /// Its type, e.g. `place_order`.
    pub saga_type: String,
    /// The context that runs it.
    pub context: String,
    /// Where it stands.
    pub status: SagaStatus,
    /// When its awaited answer is due, or its failed compensation is retried.
    pub deadline_at: Option<String>,
    /// When it last changed.
    pub updated_at: String,
    /// Its steps.
    pub view: SagaView,
}

/// One event of a saga's life, as a line for a person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "SagaTimelineEntry")]
pub struct TimelineEntry {
    /// Its place in the saga's stream, from 1.
    pub version: i64,
    /// When it was recorded.
    pub recorded_at: String,
    /// The event, e.g. `SagaCompensationFailed`.
    pub event: String,
    /// The step it concerns, if any.
    pub step: Option<String>,
    /// What happened, in words.
    pub detail: String,
}

/// A saga with its whole timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct SagaDetail {
    /// Where it stands.
    pub saga: SagaSummary,
    /// Everything that happened to it, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

type Row = (String, String, String, Option<String>, String, String);

fn summary(context: &str, (saga_id, saga_type, status, deadline_at, updated_at, view): Row) -> SagaSummary {
    SagaSummary {
        saga_id: saga_id.parse().unwrap_or_default(),
        saga_type,
        context: context.to_owned(),
        status: serde_json::from_value(serde_json::Value::String(status)).unwrap_or_default(),
        deadline_at,
        updated_at,
        view: serde_json::from_str(&view).unwrap_or_else(|_| SagaView {
            status: SagaStatus::default(),
            failure: None,
            steps: Vec::new(),
        }),
    }
}

const COLUMNS: &str = "saga_id, saga_type, status, deadline_at, updated_at, view";

/// The sagas in `store` with `status` (every one when `None`), most recently changed first.
pub async fn list(store: &EventStore, status: Option<SagaStatus>) -> Result<Vec<SagaSummary>, StoreError> {
    let filter = if status.is_some() { "where status = $1" } else { "" };
    let sql = format!("select {COLUMNS} from sagas {filter} order by updated_at desc, saga_id limit {LIST_LIMIT}");
    let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
    if let Some(status) = status {
        query = query.bind(status.as_str());
    }
    let rows = query.fetch_all(store.db().reader()).await?;
    Ok(rows.into_iter().map(|row| summary(store.db().name(), row)).collect())
}

/// Saga `saga_id` in `store` with its timeline, if it runs there.
pub async fn find(store: &EventStore, saga_id: Uuid) -> Result<Option<SagaDetail>, StoreError> {
    let sql = format!("select {COLUMNS} from sagas where saga_id = $1");
    let row: Option<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(saga_id.to_string()).fetch_optional(store.db().reader()).await?;
    let Some(row) = row else { return Ok(None) };
    let mut timeline = Vec::new();
    for recorded in store.load(&stream_id(saga_id)).await? {
        let (step, detail) = describe(&recorded.decode::<SagaEvent>()?);
        timeline.push(TimelineEntry {
            version: recorded.stream_version,
            recorded_at: crate::time::format(recorded.recorded_at),
            event: recorded.event_type,
            step,
            detail,
        });
    }
    Ok(Some(SagaDetail { saga: summary(store.db().name(), row), timeline }))
}

/// The step an event concerns and what it says, in words.
fn describe(event: &SagaEvent) -> (Option<String>, String) {
    match event {
        SagaEvent::SagaStarted { saga_type, .. } => (None, format!("{saga_type} started")),
        SagaEvent::SagaCommandIssued { step, phase, attempt, envelope, in_place, .. } => {
            let what = match phase {
                Phase::Forward => "to do the step",
                Phase::Compensation => "to undo the step",
            };
            let how = if *in_place { "carried out" } else { "sent" };
            (Some(step.clone()), format!("{how} {} {what} (attempt {attempt})", envelope.message_type))
        }
        SagaEvent::SagaStepStarted { step, deadline_at } => {
            (Some(step.clone()), format!("its receiver began; it has until {}", crate::time::format(*deadline_at)))
        }
        SagaEvent::SagaStepSucceeded { step, .. } => (Some(step.clone()), "succeeded".to_owned()),
        SagaEvent::SagaStepFailed { step, failure, .. } => {
            (Some(step.clone()), format!("failed ({}): {}", failure.code, failure.message))
        }
        SagaEvent::SagaCompensationFailed { step, attempt, failure, retry_at } => (
            Some(step.clone()),
            format!(
                "undo attempt {attempt} failed: {}; retried at {}",
                failure.message,
                crate::time::format(*retry_at)
            ),
        ),
        SagaEvent::SagaStepCompensated { step } => (Some(step.clone()), "undone".to_owned()),
        SagaEvent::SagaCompleted => (None, "completed".to_owned()),
        SagaEvent::SagaCompensated { failure } => (None, format!("compensated after: {}", failure.message)),
        SagaEvent::SagaNeedsAttention { step, reason } => (Some(step.clone()), format!("needs attention: {reason}")),
    }
}
