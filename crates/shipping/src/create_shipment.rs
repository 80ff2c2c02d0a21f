//! Saga step: book the parcel of a confirmed order (`CreateShipment`).
//! Also receives the compensation, `CancelShipment` (see `cancel_shipment`): one consumer
//! for both keeps them in order, so a cancellation always comes after the booking it undoes.

use crate::events::{ShippingEvent, shipment_id, shipment_stream};
use async_trait::async_trait;
use contracts::shipping::{CancelShipment, CreateShipment};
use contracts::shipping_rates::RateCard;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};

/// The consumer of the saga's shipping commands.
pub(crate) struct ShipmentCommands {
    pub(crate) store: EventStore,
}

/// Inbox name of [`ShipmentCommands`].
pub(crate) const CONSUMER: &str = "shipping.commands";

/// Decides the outcome for one order: a shipment booked with the chosen service at the
/// carrier's price, or no such service to the destination.
fn decide(command: &CreateShipment) -> ShippingEvent {
    let country = command.destination.country.clone();
    let booking =
        RateCard::zone_of(&country).zip(RateCard::carrier_price(&country, command.weight_grams, command.service));
    match booking {
        Some((zone, cost)) => ShippingEvent::ShipmentCreated {
            shipment_id: shipment_id(command.order_id),
            order_id: command.order_id,
            customer_id: command.customer_id,
            destination: command.destination.clone(),
            weight_grams: command.weight_grams,
            zone: zone.to_owned(),
            cost,
            service: command.service,
        },
        None => ShippingEvent::ShippingUnavailable {
            order_id: command.order_id,
            message: if RateCard::zone_of(&country).is_some() {
                format!("{} shipping to {country} does not carry a parcel this heavy.", command.service.as_str())
            } else {
                format!("We do not ship to {country}.")
            },
            country,
        },
    }
}

#[async_trait]
impl MessageHandler for ShipmentCommands {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![CreateShipment::TYPE, CancelShipment::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        if envelope.is::<CancelShipment>() {
            crate::cancel_shipment::cancel(&self.store, envelope, envelope.decode()?).await?;
            return Ok(());
        }
        let command: CreateShipment = envelope.decode()?;
        let metadata = Metadata::caused_by(envelope);
        let (command, metadata) = (&command, &metadata);
        handle_once(&self.store, CONSUMER, envelope, |mut uow| async move {
            let stream = shipment_stream(command.order_id);
            let recorded = uow.load(&stream).await?;
            let mut cancelled = false;
            for event in &recorded {
                cancelled |= matches!(event.decode_known()?, Some(ShippingEvent::ShipmentCancelled { .. }));
            }
            let (outcome, expected) = if recorded.is_empty() {
                (decide(command), ExpectedVersion::NoStream)
            } else if cancelled {
                // Cancelled before it arrived (the saga is undoing the order): refuse it, in a reply.
                tracing::info!(order_id = %command.order_id, "a booking came after its cancellation; refused");
                let version = i64::try_from(recorded.len()).unwrap_or(i64::MAX);
                (ShippingEvent::ShipmentRefused { order_id: command.order_id }, ExpectedVersion::Exact(version))
            } else {
                // Decided before: this command's answer is already on its way.
                return Ok((uow, ()));
            };
            let event = NewEvent::from_domain(&outcome, metadata)?;
            uow.append(&stream, expected, &[event]).await?;
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::Address;
    use contracts::shipping_rates::ServiceLevel;
    use uuid::Uuid;

    fn command(country: &str) -> CreateShipment {
        CreateShipment {
            order_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            destination: Address {
                name: "Ada".into(),
                line1: "1 Main St".into(),
                line2: None,
                city: "Springfield".into(),
                postal_code: "12345".into(),
                country: country.into(),
            },
            weight_grams: 1200,
            service: ServiceLevel::Standard,
        }
    }

    #[test]
    fn a_covered_destination_gets_a_priced_shipment() {
        assert!(
            matches!(decide(&command("US")), ShippingEvent::ShipmentCreated { cost, .. } if cost.amount_minor == 800)
        );
    }

    #[test]
    fn an_uncovered_destination_is_unavailable() {
        assert!(
            matches!(decide(&command("AQ")), ShippingEvent::ShippingUnavailable { country, .. } if country == "AQ")
        );
    }
}
