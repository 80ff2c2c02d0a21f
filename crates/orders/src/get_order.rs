//! Slices: a customer reads one of their orders; an admin reads any order's saga history.

use crate::Orders;
use crate::read_model::{self, OrderView};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::auth::{Admin, Principal};
use kernel::error::ApiError;
use kernel::http::{Json, Path};
use kernel::saga::SagaView;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

pub(crate) fn routes() -> Router<Orders> {
    Router::new().route("/orders/{id}", get(get_order)).route("/orders/{id}/saga", get(get_saga))
}

async fn get_order(
    State(orders): State<Orders>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<OrderView>, ApiError> {
    read_model::order(&orders, id)
        .await?
        // Another customer's order is "not found": its existence is not theirs to learn.
        .filter(|order| principal.can_see(order.customer_id))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no order {id}")))
}

/// One recorded saga transition.
#[derive(Serialize)]
struct SagaEntry {
    version: i64,
    #[serde(rename = "type")]
    event_type: String,
    data: Value,
    recorded_at: String,
}

/// A saga's state and full history, for support.
#[derive(Serialize)]
struct SagaHistory {
    order_id: Uuid,
    #[serde(flatten)]
    view: SagaView,
    history: Vec<SagaEntry>,
}

async fn get_saga(State(orders): State<Orders>, _: Admin, Path(id): Path<Uuid>) -> Result<Json<SagaHistory>, ApiError> {
    let view = orders.saga.view(id).await?.ok_or_else(|| ApiError::not_found(format!("no saga for order {id}")))?;
    let history = orders
        .store
        .load(&kernel::saga::stream_id(id))
        .await?
        .into_iter()
        .map(|e| SagaEntry {
            version: e.stream_version,
            event_type: e.event_type,
            data: e.payload,
            recorded_at: kernel::time::format(e.recorded_at),
        })
        .collect();
    Ok(Json(SagaHistory { order_id: id, view, history }))
}
