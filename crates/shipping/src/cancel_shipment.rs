//! Compensation: cancel an order's shipment (`CancelShipment`); when none is booked yet,
//! close the order's shipment stream so that a late `CreateShipment` books nothing.

use crate::create_shipment::CONSUMER;
use crate::events::{ShippingEvent, shipment_id, shipment_stream};
use contracts::shipping::CancelShipment;
use kernel::bus::Envelope;
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, StoreError};
use kernel::messaging::handle_once;

/// Records the cancellation, which is answered with `ShipmentCancelled` every time it is
/// asked for (a retried compensation's first answer may have been lost).
pub(crate) async fn cancel(store: &EventStore, envelope: &Envelope, command: CancelShipment) -> Result<(), StoreError> {
    let metadata = Metadata::caused_by(envelope);
    let (metadata, order_id) = (&metadata, command.order_id);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let stream = shipment_stream(order_id);
        let recorded = uow.load(&stream).await?;
        let mut booked = false;
        for event in &recorded {
            booked |= matches!(event.decode_known::<ShippingEvent>()?, Some(ShippingEvent::ShipmentCreated { .. }));
        }
        let cancelled =
            ShippingEvent::ShipmentCancelled { order_id, shipment_id: booked.then(|| shipment_id(order_id)) };
        let event = NewEvent::from_domain(&cancelled, metadata)?;
        let version = i64::try_from(recorded.len()).unwrap_or(i64::MAX);
        let expected = if version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(version) };
        uow.append(&stream, expected, &[event]).await?;
        Ok::<_, StoreError>((uow, ()))
    })
    .await?;
    Ok(())
}
