//! Tools for a person running the platform (admin only): the dead letters of every
//! context, and replaying or discarding one once its cause is fixed; the sagas by status,
//! one saga's timeline, and retrying a parked saga's compensation now. The same operations
//! back the REST endpoints and the `emporium dead-letters` and `emporium sagas` commands.

use async_graphql::ErrorExtensions;
use axum::extract::State;
use kernel::auth::Admin;
use kernel::dead_letters::{self, DeadLetterView, LetterError, LetterStatus};
use kernel::error::ApiError;
use kernel::event_store::EventStore;
use kernel::graphql::{admin, state};
use kernel::http::{Json, Path, Query};
use kernel::messaging::MessageHandler;
use kernel::saga::{SagaControl, SagaStatus};
use kernel::saga_operations::{self, SagaDetail, SagaSummary};
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
    sagas: Vec<Arc<dyn SagaControl>>,
}

/// Why an operator's request about a saga was refused.
#[derive(Debug, thiserror::Error)]
pub enum SagaOpError {
    /// No context runs a saga with this id.
    #[error("no saga {0}")]
    NotFound(Uuid),
    /// It awaits no compensation, so there is nothing to retry.
    #[error("saga {id} is {status}: only a compensation can be retried", status = .status.as_str())]
    NothingToRetry {
        /// The saga.
        id: Uuid,
        /// Where it stands.
        status: SagaStatus,
    },
    /// Its engine does not run in this process.
    #[error("no engine for {0} sagas runs here")]
    NoEngine(String),
    /// The saga could not move.
    #[error(transparent)]
    Saga(#[from] kernel::saga::SagaError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] kernel::event_store::StoreError),
}

impl Operations {
    /// Operations over `stores`, replaying through `consumers` (each with its own store) and
    /// retrying through the `sagas` engines.
    pub fn new(
        stores: Vec<EventStore>,
        consumers: Vec<(Arc<dyn MessageHandler>, EventStore)>,
        sagas: Vec<Arc<dyn SagaControl>>,
    ) -> Operations {
        Operations { stores, consumers, sagas }
    }

    /// Every context's sagas with `status` (all when `None`), most recently changed first.
    pub async fn sagas(&self, status: Option<SagaStatus>) -> Result<Vec<SagaSummary>, SagaOpError> {
        let mut sagas = Vec::new();
        for store in &self.stores {
            sagas.extend(saga_operations::list(store, status).await?);
        }
        sagas.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
        Ok(sagas)
    }

    /// Saga `id` with its timeline.
    pub async fn saga(&self, id: Uuid) -> Result<SagaDetail, SagaOpError> {
        for store in &self.stores {
            if let Some(saga) = saga_operations::find(store, id).await? {
                return Ok(saga);
            }
        }
        Err(SagaOpError::NotFound(id))
    }

    /// Sends saga `id`'s awaited compensation again now, instead of at its scheduled retry
    /// (for a saga parked in `needs_attention` once the cause is fixed).
    pub async fn retry_saga(&self, id: Uuid) -> Result<SagaDetail, SagaOpError> {
        let before = self.saga(id).await?;
        let engine = self
            .sagas
            .iter()
            .find(|engine| engine.saga_type() == before.saga.saga_type)
            .ok_or_else(|| SagaOpError::NoEngine(before.saga.saga_type.clone()))?;
        if !engine.retry(id).await? {
            return Err(SagaOpError::NothingToRetry { id, status: before.saga.status });
        }
        self.saga(id).await
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

fn saga_problem(error: SagaOpError) -> ApiError {
    match error {
        SagaOpError::NotFound(_) => ApiError::not_found(error.to_string()),
        SagaOpError::NothingToRetry { .. } | SagaOpError::NoEngine(_) => ApiError::conflict(error.to_string()),
        SagaOpError::Saga(saga) => ApiError::internal(&saga),
        SagaOpError::Store(store) => ApiError::from(store),
    }
}

/// Which dead letters to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(name = "DeadLetterFilter")]
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

impl StatusFilter {
    /// The status it picks; `None` for every one.
    fn status(self) -> Option<LetterStatus> {
        match self {
            StatusFilter::Open => Some(LetterStatus::Open),
            StatusFilter::Replayed => Some(LetterStatus::Replayed),
            StatusFilter::Discarded => Some(LetterStatus::Discarded),
            StatusFilter::All => None,
        }
    }
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

/// Which sagas to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
enum SagaFilter {
    /// Parked: a compensation keeps failing (the default).
    #[default]
    NeedsAttention,
    /// Doing steps.
    Running,
    /// Undoing steps.
    Compensating,
    /// Finished with every step done.
    Completed,
    /// Finished with every step undone.
    Compensated,
    /// Every one.
    All,
}

impl SagaFilter {
    /// The status it picks; `None` for every one.
    fn status(self) -> Option<SagaStatus> {
        match self {
            SagaFilter::NeedsAttention => Some(SagaStatus::NeedsAttention),
            SagaFilter::Running => Some(SagaStatus::Running),
            SagaFilter::Compensating => Some(SagaStatus::Compensating),
            SagaFilter::Completed => Some(SagaStatus::Completed),
            SagaFilter::Compensated => Some(SagaStatus::Compensated),
            SagaFilter::All => None,
        }
    }
}

/// `?status=`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SagaQuery {
    /// `needs_attention` (default), `running`, `compensating`, `completed`, `compensated` or `all`.
    #[serde(default)]
    #[param(inline)]
    status: SagaFilter,
}

/// The operations endpoints, under `/admin`.
pub fn routes(operations: Operations) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_dead_letters))
        .routes(routes!(replay_dead_letter))
        .routes(routes!(discard_dead_letter))
        .routes(routes!(list_sagas))
        .routes(routes!(get_saga))
        .routes(routes!(retry_saga))
        .with_state(operations)
}

/// Every context's sagas with a status, most recently changed first (admin).
#[utoipa::path(get, path = "/admin/sagas", tag = "operations", security(("bearer" = [])), params(SagaQuery),
    responses((status = 200, description = "Sagas", body = [SagaSummary]), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin))]
async fn list_sagas(
    State(operations): State<Operations>,
    _admin: Admin,
    Query(query): Query<SagaQuery>,
) -> Result<Json<Vec<SagaSummary>>, ApiError> {
    operations.sagas(query.status.status()).await.map(Json).map_err(saga_problem)
}

/// One saga with its whole timeline (admin).
#[utoipa::path(get, path = "/admin/sagas/{id}", tag = "operations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Saga id (the order id for place-order)")),
    responses((status = 200, description = "The saga", body = SagaDetail), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound))]
async fn get_saga(
    State(operations): State<Operations>,
    _admin: Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<SagaDetail>, ApiError> {
    operations.saga(id).await.map(Json).map_err(saga_problem)
}

/// Sends a saga's awaited compensation again now rather than at its scheduled retry, once
/// the cause of its failures is fixed (admin). Receivers answer a repeated compensation
/// with the same reply, so a retry never undoes twice.
#[utoipa::path(post, path = "/admin/sagas/{id}/retry", tag = "operations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Saga id")),
    responses((status = 200, description = "Sent; the saga as it stands now", body = SagaDetail), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, (status = 409, description = "It awaits no compensation: nothing to retry", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
async fn retry_saga(
    State(operations): State<Operations>,
    _admin: Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<SagaDetail>, ApiError> {
    operations.retry_saga(id).await.map(Json).map_err(saga_problem)
}

/// Every context's dead letters, newest first (admin).
#[utoipa::path(get, path = "/admin/dead-letters", tag = "operations", security(("bearer" = [])), params(LetterQuery),
    responses((status = 200, description = "Dead letters", body = [DeadLetterView]), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin))]
async fn list_dead_letters(
    State(operations): State<Operations>,
    _admin: Admin,
    Query(query): Query<LetterQuery>,
) -> Result<Json<Vec<DeadLetterView>>, ApiError> {
    operations.dead_letters(query.status.status()).await.map(Json).map_err(problem)
}

/// Hands an open dead letter to its consumer again, once its cause is fixed (admin). The
/// consumer's inbox keeps the effect single.
#[utoipa::path(post, path = "/admin/dead-letters/{id}/replay", tag = "operations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Dead letter id")),
    responses((status = 200, description = "Handled; the letter is marked replayed", body = DeadLetterView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, (status = 409, description = "Replayed or discarded already", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), (status = 422, description = "Its consumer failed again; the letter stays open", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
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
    responses((status = 200, description = "The letter, marked discarded", body = DeadLetterView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, (status = 409, description = "Replayed or discarded already", body = kernel::error::ProblemDocument, content_type = "application/problem+json")))]
async fn discard_dead_letter(
    State(operations): State<Operations>,
    _admin: Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<DeadLetterView>, ApiError> {
    operations.discard(id).await.map(Json).map_err(problem)
}

/// The operator's tools in the GraphQL schema (admin only), merged into the platform's
/// `Query`: the same operations as the REST endpoints above.
#[derive(Default)]
pub struct OperationsQuery;

#[async_graphql::Object]
impl OperationsQuery {
    /// Every context's dead letters with a status (open by default), newest first.
    async fn dead_letters(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(default)] status: StatusFilter,
    ) -> async_graphql::Result<Vec<DeadLetterView>> {
        admin(ctx)?;
        state::<Operations>(ctx)?.dead_letters(status.status()).await.map_err(|error| problem(error).extend())
    }

    /// Every context's sagas with a status (parked ones by default), most recently changed first.
    async fn sagas(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(default)] status: SagaFilter,
    ) -> async_graphql::Result<Vec<SagaSummary>> {
        admin(ctx)?;
        state::<Operations>(ctx)?.sagas(status.status()).await.map_err(|error| saga_problem(error).extend())
    }

    /// One saga (the order's id for place-order) with its whole timeline.
    async fn saga(&self, ctx: &async_graphql::Context<'_>, id: Uuid) -> async_graphql::Result<SagaDetail> {
        admin(ctx)?;
        state::<Operations>(ctx)?.saga(id).await.map_err(|error| saga_problem(error).extend())
    }
}

/// The operator's actions in the GraphQL schema (admin only), merged into the platform's
/// `Mutation`.
#[derive(Default)]
pub struct OperationsMutation;

#[async_graphql::Object]
impl OperationsMutation {
    /// Hands an open dead letter to its consumer again once its cause is fixed; `REJECTED`
    /// (`still_failing`) when the consumer fails again, `CONFLICT` when already resolved.
    async fn replay_dead_letter(
        &self,
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<DeadLetterView> {
        admin(ctx)?;
        state::<Operations>(ctx)?.replay(id).await.map_err(|error| problem(error).extend())
    }

    /// Marks an open dead letter discarded; its record stays.
    async fn discard_dead_letter(
        &self,
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<DeadLetterView> {
        admin(ctx)?;
        state::<Operations>(ctx)?.discard(id).await.map_err(|error| problem(error).extend())
    }

    /// Sends a parked saga's awaited compensation again now; `CONFLICT` when it awaits none.
    async fn retry_saga(&self, ctx: &async_graphql::Context<'_>, id: Uuid) -> async_graphql::Result<SagaDetail> {
        admin(ctx)?;
        state::<Operations>(ctx)?.retry_saga(id).await.map_err(|error| saga_problem(error).extend())
    }
}
