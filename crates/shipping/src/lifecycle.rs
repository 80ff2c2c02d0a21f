//! A parcel's journey: created → shipped → in transit → delivered, or cancelled before it
//! leaves, or — when an admin cancels the order after it left — returning → returned to the
//! warehouse. One function decides every move, whoever asks (an admin, the carrier's
//! webhook), so a move that is not allowed is refused the same way every time.

use crate::events::{ShippingEvent, shipment_stream};
use kernel::error::ApiError;
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, Position, RecordedEvent, StoreError, UnitOfWork};
use uuid::Uuid;

/// Where a shipment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Created,
    Shipped,
    InTransit,
    Delivered,
    Cancelled,
    /// On its way back to the warehouse: its order was cancelled after it left.
    Returning,
    /// Back at the warehouse.
    Returned,
}

impl Stage {
    /// Every stage, in journey order.
    const ALL: [Stage; 7] = [
        Stage::Created,
        Stage::Shipped,
        Stage::InTransit,
        Stage::Delivered,
        Stage::Cancelled,
        Stage::Returning,
        Stage::Returned,
    ];

    /// The stage named `word` in the API.
    pub(crate) fn named(word: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == word)
    }

    /// Its name in the API.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Stage::Created => "created",
            Stage::Shipped => "shipped",
            Stage::InTransit => "in_transit",
            Stage::Delivered => "delivered",
            Stage::Cancelled => "cancelled",
            Stage::Returning => "returning",
            Stage::Returned => "returned",
        }
    }

    /// Whether the parcel is with the carrier, on its way to the customer: what a return to
    /// sender can still call back.
    pub(crate) fn on_its_way(self) -> bool {
        matches!(self, Stage::Shipped | Stage::InTransit)
    }
}

/// A booked shipment as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shipment {
    pub(crate) shipment_id: Uuid,
    pub(crate) order_id: Uuid,
    pub(crate) stage: Stage,
    pub(crate) tracking_number: Option<String>,
    /// The stream's version: what an append after deciding on this state expects.
    pub(crate) version: i64,
}

impl Shipment {
    /// Folds an order's shipment stream; `None` when no parcel was booked.
    pub(crate) fn fold(events: &[RecordedEvent]) -> Result<Option<Shipment>, StoreError> {
        let mut shipment: Option<Shipment> = None;
        for recorded in events {
            let Some(event) = recorded.decode_known::<ShippingEvent>()? else { continue };
            match (event, shipment.as_mut()) {
                (ShippingEvent::ShipmentCreated { shipment_id, order_id, .. }, _) => {
                    shipment = Some(Shipment {
                        shipment_id,
                        order_id,
                        stage: Stage::Created,
                        tracking_number: None,
                        version: 0,
                    });
                }
                (ShippingEvent::ShipmentShipped { tracking_number, .. }, Some(s)) => {
                    (s.stage, s.tracking_number) = (Stage::Shipped, Some(tracking_number));
                }
                (ShippingEvent::ShipmentInTransit { .. }, Some(s)) => s.stage = Stage::InTransit,
                (ShippingEvent::ShipmentDelivered { .. }, Some(s)) => s.stage = Stage::Delivered,
                (ShippingEvent::ShipmentCancelled { .. }, Some(s)) => s.stage = Stage::Cancelled,
                (ShippingEvent::ShipmentReturnRequested { .. }, Some(s)) => s.stage = Stage::Returning,
                (ShippingEvent::ShipmentReturned { .. }, Some(s)) => s.stage = Stage::Returned,
                _ => {}
            }
        }
        if let (Some(s), Some(last)) = (shipment.as_mut(), events.last()) {
            s.version = last.stream_version;
        }
        Ok(shipment)
    }
}

/// A move along the journey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Move {
    /// Labelled and handed to `carrier`.
    Ship { carrier: String, tracking_number: String },
    /// Scanned at `location` on the way (to the customer, or back to the warehouse).
    Scan { location: String },
    /// At the customer's door.
    Deliver,
    /// Back at the warehouse after a return to sender.
    Return,
}

impl Move {
    fn verb(&self) -> &'static str {
        match self {
            Move::Ship { .. } => "shipped",
            Move::Scan { .. } => "reported in transit",
            Move::Deliver => "delivered",
            Move::Return => "returned",
        }
    }
}

/// The event `step` records on `shipment`, or why it may not happen now.
pub(crate) fn decide(shipment: &Shipment, step: Move) -> Result<ShippingEvent, ApiError> {
    let (shipment_id, order_id) = (shipment.shipment_id, shipment.order_id);
    let allowed = match &step {
        Move::Ship { .. } => shipment.stage == Stage::Created,
        Move::Scan { .. } => shipment.stage.on_its_way() || shipment.stage == Stage::Returning,
        // A parcel called back is not delivered: the carrier was told to bring it back.
        Move::Deliver => shipment.stage.on_its_way(),
        Move::Return => shipment.stage == Stage::Returning,
    };
    if !allowed {
        return Err(ApiError::conflict(format!(
            "shipment {shipment_id} is {}; it cannot be {} now",
            shipment.stage.as_str(),
            step.verb()
        )));
    }
    Ok(match step {
        Move::Ship { carrier, tracking_number } => {
            ShippingEvent::ShipmentShipped { shipment_id, order_id, carrier, tracking_number }
        }
        Move::Scan { location } if shipment.stage == Stage::Returning => {
            ShippingEvent::ReturnInTransit { shipment_id, order_id, location }
        }
        Move::Scan { location } => ShippingEvent::ShipmentInTransit { shipment_id, order_id, location },
        Move::Deliver => ShippingEvent::ShipmentDelivered { shipment_id, order_id },
        Move::Return => ShippingEvent::ShipmentReturned { shipment_id, order_id },
    })
}

/// Loads order `order_id`'s shipment in `uow`, decides `step` and appends its event; the
/// refusal when it may not happen (or there is no such shipment).
pub(crate) async fn advance(
    uow: &mut UnitOfWork,
    order_id: Uuid,
    step: Move,
    metadata: &Metadata,
) -> Result<Result<(Shipment, Option<Position>), ApiError>, StoreError> {
    let stream = shipment_stream(order_id);
    let Some(shipment) = Shipment::fold(&uow.load(&stream).await?)? else {
        return Ok(Err(ApiError::not_found(format!("no shipment for order {order_id}"))));
    };
    let event = match decide(&shipment, step) {
        Ok(event) => NewEvent::from_domain(&event, metadata)?,
        Err(refused) => return Ok(Err(refused)),
    };
    let position = uow.append(&stream, ExpectedVersion::Exact(shipment.version), &[event]).await?;
    Ok(Ok((shipment, position)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(stage: Stage) -> Shipment {
        Shipment { shipment_id: Uuid::nil(), order_id: Uuid::nil(), stage, tracking_number: None, version: 1 }
    }

    fn ship() -> Move {
        Move::Ship { carrier: "Parcelway".into(), tracking_number: "PW123456789".into() }
    }

    #[test]
    fn each_move_is_allowed_only_from_the_stages_before_it() {
        let allowed = |step: Move| {
            Stage::ALL.iter().filter(|stage| decide(&at(**stage), step.clone()).is_ok()).copied().collect::<Vec<_>>()
        };
        assert_eq!(allowed(ship()), [Stage::Created]);
        assert_eq!(
            allowed(Move::Scan { location: "Leeds".into() }),
            [Stage::Shipped, Stage::InTransit, Stage::Returning]
        );
        assert_eq!(allowed(Move::Deliver), [Stage::Shipped, Stage::InTransit]);
        assert_eq!(allowed(Move::Return), [Stage::Returning]);
    }

    #[test]
    fn a_parcel_on_its_way_back_is_scanned_as_returning_and_never_delivered() {
        let scanned = decide(&at(Stage::Returning), Move::Scan { location: "Leeds".into() }).unwrap();
        assert!(matches!(scanned, ShippingEvent::ReturnInTransit { .. }), "{scanned:?}");
        let refused = decide(&at(Stage::Returning), Move::Deliver).unwrap_err();
        assert_eq!(refused.status(), axum::http::StatusCode::CONFLICT);
        assert!(refused.detail().contains("is returning; it cannot be delivered now"), "{}", refused.detail());
    }

    #[test]
    fn a_refused_move_says_where_the_shipment_stands() {
        let refused = decide(&at(Stage::Delivered), Move::Scan { location: "Leeds".into() }).unwrap_err();
        assert_eq!(refused.status(), axum::http::StatusCode::CONFLICT);
        assert!(
            refused.detail().contains("is delivered; it cannot be reported in transit now"),
            "{}",
            refused.detail()
        );
    }
}
