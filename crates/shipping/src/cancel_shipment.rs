//! Compensation: cancel an order's shipment (`CancelShipment`) while it is still in the
//! warehouse; when none is booked yet, close the order's shipment stream so that a late
//! `CreateShipment` books nothing. Once the parcel has left with the carrier, a command
//! with `return_to_sender` (an admin's cancellation) has the carrier bring it back; any
//! other is refused, in a reply, and the shipment stands. A delivered parcel is never
//! called back.

use crate::create_shipment::CONSUMER;
use crate::events::{ShippingEvent, shipment_id, shipment_stream};
use crate::lifecycle::{Shipment, Stage};
use contracts::shipping::CancelShipment;
use kernel::bus::Envelope;
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, StoreError};
use kernel::messaging::handle_once;
use uuid::Uuid;

/// Records the cancellation, or its refusal once the parcel has left; either is answered
/// every time it is asked for (a retried compensation's first answer may have been lost).
pub(crate) async fn cancel(store: &EventStore, envelope: &Envelope, command: CancelShipment) -> Result<(), StoreError> {
    let metadata = Metadata::caused_by(envelope);
    let (metadata, order_id) = (&metadata, command.order_id);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let stream = shipment_stream(order_id);
        let recorded = uow.load(&stream).await?;
        let outcome = decide(order_id, Shipment::fold(&recorded)?.as_ref(), command.return_to_sender);
        let event = NewEvent::from_domain(&outcome, metadata)?;
        let version = i64::try_from(recorded.len()).unwrap_or(i64::MAX);
        let expected = if version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(version) };
        uow.append(&stream, expected, &[event]).await?;
        Ok::<_, StoreError>((uow, ()))
    })
    .await?;
    Ok(())
}

/// What cancelling order `order_id`'s shipment records, given the shipment (if booked) and
/// whether a parcel that left is to be brought back.
fn decide(order_id: Uuid, shipment: Option<&Shipment>, return_to_sender: bool) -> ShippingEvent {
    match shipment {
        None => ShippingEvent::ShipmentCancelled { order_id, shipment_id: None },
        Some(shipment) if matches!(shipment.stage, Stage::Created | Stage::Cancelled) => {
            ShippingEvent::ShipmentCancelled { order_id, shipment_id: Some(shipment_id(order_id)) }
        }
        Some(shipment) if return_to_sender && shipment.stage.on_its_way() => {
            ShippingEvent::ShipmentReturnRequested { shipment_id: shipment.shipment_id, order_id }
        }
        Some(shipment) if return_to_sender && matches!(shipment.stage, Stage::Returning | Stage::Returned) => {
            ShippingEvent::ReturnRequestRepeated { shipment_id: shipment.shipment_id, order_id }
        }
        Some(shipment) => ShippingEvent::ShipmentCancellationRefused {
            shipment_id: shipment.shipment_id,
            order_id,
            stage: shipment.stage.as_str().to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment(order_id: Uuid, stage: Stage) -> Shipment {
        Shipment { shipment_id: shipment_id(order_id), order_id, stage, tracking_number: None, version: 1 }
    }

    #[test]
    fn a_parcel_still_in_the_warehouse_is_cancelled_and_again_when_asked_again() {
        let order_id = Uuid::now_v7();
        for stage in [Stage::Created, Stage::Cancelled] {
            assert_eq!(
                decide(order_id, Some(&shipment(order_id, stage)), false),
                ShippingEvent::ShipmentCancelled { order_id, shipment_id: Some(shipment_id(order_id)) }
            );
        }
        assert_eq!(decide(order_id, None, true), ShippingEvent::ShipmentCancelled { order_id, shipment_id: None });
    }

    #[test]
    fn a_parcel_that_left_is_not_cancelled() {
        let order_id = Uuid::now_v7();
        for stage in [Stage::Shipped, Stage::InTransit, Stage::Delivered] {
            let refused = decide(order_id, Some(&shipment(order_id, stage)), false);
            assert_eq!(
                refused,
                ShippingEvent::ShipmentCancellationRefused {
                    shipment_id: shipment_id(order_id),
                    order_id,
                    stage: stage.as_str().to_owned()
                }
            );
        }
    }

    #[test]
    fn an_admins_cancellation_brings_a_parcel_on_its_way_back_once_and_answers_again() {
        let order_id = Uuid::now_v7();
        let shipment_id = shipment_id(order_id);
        for stage in [Stage::Shipped, Stage::InTransit] {
            assert_eq!(
                decide(order_id, Some(&shipment(order_id, stage)), true),
                ShippingEvent::ShipmentReturnRequested { shipment_id, order_id }
            );
        }
        for stage in [Stage::Returning, Stage::Returned] {
            assert_eq!(
                decide(order_id, Some(&shipment(order_id, stage)), true),
                ShippingEvent::ReturnRequestRepeated { shipment_id, order_id }
            );
        }
        assert_eq!(
            decide(order_id, Some(&shipment(order_id, Stage::Created)), true),
            ShippingEvent::ShipmentCancelled { order_id, shipment_id: Some(shipment_id) },
            "still in the warehouse: cancelled, nothing to bring back"
        );
        let delivered = decide(order_id, Some(&shipment(order_id, Stage::Delivered)), true);
        assert!(matches!(delivered, ShippingEvent::ShipmentCancellationRefused { .. }), "{delivered:?}");
    }
}
