//! Tools for a person running the platform (admin only): the dead letters of every
//! context, and replaying or discarding one once its cause is fixed. The same operations
//! back the REST endpoints and the `emporium dead-letters` commands.

use axum::extract::State;
use kernel::auth::Admin;
use kernel::dead_letters::{self, DeadLetterView, LetterError, LetterStatus};
use kernel::error::ApiError;
use kernel::event_store::EventStore;
use kernel::http::{Json, Path, Query};
use kernel::messaging::MessageHandler;
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Every context's store and every consumer running in this process.
#[derive(Clone)]
pub struct Operations {
    stores: Vec<EventStore>,
    consumers: Vec<(Arc<dyn MessageHandler>, EventStore)>,
}

impl Operations {
    /// Operations over `stores`, replaying through `consumers` (each with its own store).
    pub fn new(stores: Vec<EventStore>, consumers: Vec<(Arc<dyn MessageHandler>, EventStore)>) -> Operations {
        Operations { stores, consumers }
    }

    /// Every context's dead letters with `status` (all when `None`), newest first.
    pub async fn dead_letters(&self, status: Option<LetterStatus>) -> Result<Vec<DeadLetterView>, LetterError> {
        let mut letters = Vec::new();
        for store in &self.stores {
            letters.extend(dead_letters::list(store, status).await?);
        }
        letters.sort_by(|a, b| b.failed_at.cmp(&a.failed_at));
        Ok(letters)
    }

    async fn locate(&self, id: Uuid) -> Result<(&EventStore, DeadLetterView), LetterError> {
        for store in &self.stores {
            if let Some(letter) = dead_letters::find(store, id).await? {
                return Ok((store, letter));
            }
        }
        Err(LetterError::NotFound(id))
    }

    /// Hands dead letter `id` to its consumer again.
    pub async fn replay(&self, id: Uuid) -> Result<DeadLetterView, LetterError> {
        let (store, letter) = self.locate(id).await?;
        let handler = self
            .consumers
            .iter()
            .find(|(handler, sink)| handler.consumer() == letter.consumer && sink.db().name() == store.db().name())
            .map(|(handler, _)| handler.clone())
            .ok_or(LetterError::NoConsumer(letter.consumer))?;
        dead_letters::replay(store, handler.as_ref(), id).await
    }

    /// Marks dead letter `id` discarded.
    pub async fn discard(&self, id: Uuid) -> Result<DeadLetterView, LetterError> {
        let (store, _) = self.locate(id).await?;
        dead_letters::discard(store, id).await
    }
}

fn problem(error: LetterError) -> ApiError {
    match error {
        LetterError::NotFound(_) => ApiError::not_found(error.to_string()),
        LetterError::Resolved { .. } | LetterError::NoConsumer(_) => ApiError::conflict(error.to_string()),
        LetterError::StillFailing(_) => ApiError::rejected("still_failing", error.to_string()),
        LetterError::Store(store) => ApiError::from(store),
    }
}

/// Which dead letters to list.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum StatusFilter {
    /// Waiting for a person (the default).
    #[default]
    Open,
    /// Replayed by an operator.
    Replayed,
    /// Discarded by an operator.
    Discarded,
    /// Every one.
    All,
}

/// `?status=`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct LetterQuery {
    /// `open` (default), `replayed`, `discarded` or `all`.
    #[serde(default)]
    #[param(inline)]
    status: StatusFilter,
}

/// The operations endpoints, under `/admin`.
pub fn routes(operations: Operations) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_dead_letters))
        .routes(routes!(replay_dead_letter))
        .routes(routes!(discard_dead_letter))
        .with_state(operations)
}

/// Every context's dead letters, newest first (admin).
#[utoipa::path(get, path = "/admin/dead-letters", tag = "operations", security(("bearer" = [])), params(LetterQuery),
    responses((status = 200, description = "Dead letters", body = [DeadLetterView]), (status = 400, description = "Malformed request", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 403, description = "Not an admin", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
async fn list_dead_letters(
    State(operations): State<Operations>,
    _admin: Admin,
    Query(query): Query<LetterQuery>,
) -> Result<Json<Vec<DeadLetterView>>, ApiError> {
    let status = match query.status {
        StatusFilter::Open => Some(LetterStatus::Open),
        StatusFilter::Replayed => Some(LetterStatus::Replayed),
        StatusFilter::Discarded => Some(LetterStatus::Discarded),
        StatusFilter::All => None,
    };
    operations.dead_letters(status).await.map(Json).map_err(problem)
}

/// Hands an open dead letter to its consumer again, once its cause is fixed (admin). The
/// consumer's inbox keeps the effect single.
#[utoipa::path(post, path = "/admin/dead-letters/{id}/replay", tag = "operations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Dead letter id")),
    responses((status = 200, description = "Handled; the letter is marked replayed", body = DeadLetterView), (status = 400, description = "Malformed request", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 403, description = "Not an admin", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 404, description = "Not found", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 409, description = "Replayed or discarded already", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 422, description = "Its consumer failed again; the letter stays open", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
async fn replay_dead_letter(
    State(operations): State<Operations>,
    _admin: Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<DeadLetterView>, ApiError> {
    operations.replay(id).await.map(Json).map_err(problem)
}

/// Marks an open dead letter discarded (admin); its record stays.
#[utoipa::path(post, path = "/admin/dead-letters/{id}/discard", tag = "operations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Dead letter id")),
    responses((status = 200, description = "The letter, marked discarded", body = DeadLetterView), (status = 400, description = "Malformed request", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 403, description = "Not an admin", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 404, description = "Not found", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 409, description = "Replayed or discarded already", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
async fn discard_dead_letter(
    State(operations): State<Operations>,
    _admin: Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<DeadLetterView>, ApiError> {
    operations.discard(id).await.map(Json).map_err(problem)
}
