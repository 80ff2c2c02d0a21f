//! Slice: an order's timeline, each moment with its time, read from the events that made
//! it: the order's own stream (placed, confirmed, the parcel's news, cancellation), the
//! place-order saga's (stock reserved, paid, and what was undone) and the cancel-order
//! saga's (refund, release). They share one store, so their positions give one order,
//! except for news from other contexts (a refund an admin made, a parcel's scan), which
//! may be recorded after moments that came later: those take the time they happened at
//! their source.

use crate::Orders;
use crate::cancel_order::saga::{Refunded, Step as CancelStep, StockGivenBack, saga_id as cancellation_saga_id};
use crate::get_order::visible_order;
use crate::order::{OrdersEvent, order_stream};
use crate::place_order::saga::Step as PlaceStep;
use axum::extract::State;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::http::{Json, Path};
use kernel::saga::{SagaEvent, SagaStep, stream_id as saga_stream};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Orders> {
    OpenApiRouter::new().routes(routes!(get_timeline))
}

/// What happened to an order at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OrderMoment {
    Placed,
    StockReserved,
    Paid,
    Confirmed,
    /// A parcel was booked with Shipping: the order is complete.
    Completed,
    Shipped,
    /// The authorized total was charged to the card (when the parcel left, or at
    /// confirmation where configured so).
    Charged,
    InTransit,
    Delivered,
    CancellationRequested,
    /// The order was cancelled after its parcel left: the carrier is bringing it back.
    ReturnRequested,
    /// The returned parcel is back at the warehouse.
    Returned,
    CancellationRefused,
    /// A captured payment was given back.
    Refunded,
    /// The payment's hold on the card was released before anything was charged.
    PaymentReleased,
    StockReleased,
    Cancelled,
    /// The saga stopped and waits for an operator.
    NeedsAttention,
}

/// One moment of an order's life.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct OrderTimelineEntry {
    moment: OrderMoment,
    /// When it was recorded (RFC 3339).
    at: String,
    /// What a person should know of it: the carrier and tracking number, where the parcel
    /// was scanned, why the order was cancelled or a cancellation refused, how much an
    /// admin gave back and why, what needs attention.
    detail: Option<String>,
}

/// The response body.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OrderTimeline {
    /// Oldest first.
    items: Vec<OrderTimelineEntry>,
}

/// An order's timeline, oldest first (the caller's order, or any for admins).
#[utoipa::path(get, path = "/orders/{id}/timeline", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, description = "The order's moments, oldest first", body = OrderTimeline), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn get_timeline(
    State(orders): State<Orders>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<OrderTimeline>, ApiError> {
    visible_order(&orders, principal, id).await?;
    Ok(Json(OrderTimeline { items: timeline(&orders, id).await? }))
}

/// Order `id`'s moments, oldest first (REST and GraphQL alike; the caller checked access).
pub(crate) async fn timeline(orders: &Orders, id: Uuid) -> Result<Vec<OrderTimelineEntry>, StoreError> {
    let mut events = orders.store.load(&order_stream(id)).await?;
    events.extend(orders.store.load(&saga_stream(id)).await?);
    events.extend(orders.store.load(&saga_stream(cancellation_saga_id(id))).await?);
    in_order_of_happening(&mut events);
    let mut moments = Vec::new();
    for event in &events {
        if let Some((moment, detail)) = moment_of(event)? {
            moments.push(OrderTimelineEntry { moment, at: kernel::time::format(happened_at(event)), detail });
        }
    }
    Ok(moments)
}

/// When `event`'s fact happened: at its source for news, else when it was recorded.
fn happened_at(event: &RecordedEvent) -> chrono::DateTime<chrono::Utc> {
    event.metadata.occurred_at.unwrap_or(event.recorded_at)
}

/// Sorts the order's events by when they happened, and by position where that ties.
fn in_order_of_happening(events: &mut [RecordedEvent]) {
    events.sort_by_key(|event| (happened_at(event), event.position));
}

/// The moment `event` marks, if it is one a person would want to see.
fn moment_of(event: &RecordedEvent) -> Result<Option<(OrderMoment, Option<String>)>, StoreError> {
    if let Some(order_event) = event.decode_known::<OrdersEvent>()? {
        return Ok(order_moment(order_event));
    }
    let Some(saga_event) = event.decode_known::<SagaEvent>()? else { return Ok(None) };
    // The two sagas' step names differ, so a name says which saga and step it is.
    let steps = |name: &str| (PlaceStep::from_name(name), CancelStep::from_name(name));
    Ok(match saga_event {
        SagaEvent::SagaStepSucceeded { step, result } => match steps(&step) {
            (Some(PlaceStep::ReserveInventory), _) => Some((OrderMoment::StockReserved, None)),
            (Some(PlaceStep::ProcessPayment), _) => Some((OrderMoment::Paid, None)),
            (_, Some(CancelStep::RefundPayment)) => Some(refund_moment(result)),
            // Units that left with a returned parcel are not released: they come back with it.
            (_, Some(CancelStep::ReleaseInventory)) => match serde_json::from_value(result) {
                Ok(StockGivenBack { units: 0 }) => None,
                _ => Some((OrderMoment::StockReleased, None)),
            },
            _ => None,
        },
        SagaEvent::SagaStepCompensated { step } => match steps(&step).0 {
            Some(PlaceStep::ProcessPayment) => Some((OrderMoment::PaymentReleased, None)),
            Some(PlaceStep::ReserveInventory) => Some((OrderMoment::StockReleased, None)),
            _ => None,
        },
        SagaEvent::SagaNeedsAttention { reason, .. } => Some((OrderMoment::NeedsAttention, Some(reason))),
        _ => None,
    })
}

/// What a cancellation's `RefundPayment` step did, from its result: a refund of how much,
/// or the release of a hold (none is kept for cancellations made before results were).
fn refund_moment(result: serde_json::Value) -> (OrderMoment, Option<String>) {
    let Ok(Refunded { amount }) = serde_json::from_value(result) else { return (OrderMoment::Refunded, None) };
    match amount {
        Some(amount) if amount.amount_minor > 0 => {
            (OrderMoment::Refunded, Some(format!("{} {} given back", amount.decimal(), amount.currency)))
        }
        Some(_) => (OrderMoment::Refunded, Some("Nothing was left to give back.".to_owned())),
        None => {
            (OrderMoment::PaymentReleased, Some("Nothing was charged; the hold on the card was released.".to_owned()))
        }
    }
}

fn order_moment(event: OrdersEvent) -> Option<(OrderMoment, Option<String>)> {
    Some(match event {
        OrdersEvent::OrderPlaced { .. } => (OrderMoment::Placed, None),
        OrdersEvent::OrderConfirmed { .. } => (OrderMoment::Confirmed, None),
        OrdersEvent::OrderCompleted { .. } => (OrderMoment::Completed, None),
        OrdersEvent::ParcelShipped { carrier, tracking_number, .. } => {
            (OrderMoment::Shipped, Some(format!("{carrier}, tracking number {tracking_number}")))
        }
        OrdersEvent::ParcelInTransit { location, .. } => {
            (OrderMoment::InTransit, Some(location).filter(|place| !place.is_empty()))
        }
        OrdersEvent::OrderDelivered { .. } => (OrderMoment::Delivered, None),
        OrdersEvent::ParcelReturning { .. } => (
            OrderMoment::ReturnRequested,
            Some("The parcel had left; the carrier is bringing it back to us.".to_owned()),
        ),
        OrdersEvent::ParcelReturned { .. } => (OrderMoment::Returned, Some("The parcel is back with us.".to_owned())),
        OrdersEvent::CancellationRequested { reason, .. } => {
            (OrderMoment::CancellationRequested, Some(reason).filter(|reason| !reason.is_empty()))
        }
        OrdersEvent::CancellationRefused { message, .. } => (OrderMoment::CancellationRefused, Some(message)),
        OrdersEvent::OrderCancelled { message, .. } => (OrderMoment::Cancelled, Some(message)),
        OrdersEvent::ChargeRecorded { amount, .. } => {
            (OrderMoment::Charged, Some(format!("{} {} charged to the card", amount.decimal(), amount.currency)))
        }
        OrdersEvent::RefundRecorded { amount, reason, .. } => {
            (OrderMoment::Refunded, Some(format!("{} {} given back: {reason}", amount.decimal(), amount.currency)))
        }
        OrdersEvent::CancellationRepeated { .. } | OrdersEvent::CompletionRepeated { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::event_store::{Metadata, Position};

    fn recorded(row: i64, recorded_at: chrono::DateTime<chrono::Utc>, metadata: Metadata) -> RecordedEvent {
        RecordedEvent {
            position: Position { transaction: 0, sequence: row },
            stream_id: "order-1".to_owned(),
            stream_version: row,
            event_id: Uuid::now_v7(),
            event_type: "RefundRecorded".to_owned(),
            schema_version: 1,
            payload: serde_json::Value::Null,
            metadata,
            recorded_at,
        }
    }

    #[test]
    fn news_recorded_late_takes_its_place_by_when_it_happened() {
        let start = chrono::Utc::now();
        let at = |ms| start + chrono::Duration::milliseconds(ms);
        // An admin's refund happened first, but its news reached the order only after the
        // cancellation's own refund was recorded.
        let cancellation_refund = recorded(10, at(5), Metadata::default());
        let admin_refund = recorded(11, at(6), Metadata { occurred_at: Some(at(1)), ..Metadata::default() });
        let placed = recorded(1, at(0), Metadata::default());
        let mut events = vec![cancellation_refund, admin_refund, placed];

        in_order_of_happening(&mut events);

        let rows: Vec<i64> = events.iter().map(|event| event.position.sequence).collect();
        assert_eq!(rows, [1, 11, 10]);
        assert_eq!(happened_at(&events[1]), at(1), "dated at its source");
        assert_eq!(happened_at(&events[2]), at(5), "a moment of the order's own is dated when recorded");
    }
}
