//! The shipping context's events.

use contracts::Address;
use contracts::shipping_rates::ServiceLevel;
use kernel::event_store::DomainEvent;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything the shipping context records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[allow(missing_docs, reason = "fields are named for what they hold")]
pub enum ShippingEvent {
    /// A parcel was booked with the carrier.
    ShipmentCreated {
        shipment_id: Uuid,
        order_id: Uuid,
        customer_id: Uuid,
        destination: Address,
        weight_grams: u64,
        zone: String,
        cost: Money,
        /// Standard for shipments booked before there was a choice.
        #[serde(default = "standard")]
        service: ServiceLevel,
    },
    /// No zone covers the destination.
    ShippingUnavailable { order_id: Uuid, country: String, message: String },
    /// The order's shipment was cancelled (`shipment_id` is `None` when none was booked;
    /// the stream is then closed, so a late `CreateShipment` books nothing). Recorded again
    /// when asked again, to answer again.
    ShipmentCancelled { order_id: Uuid, shipment_id: Option<Uuid> },
    /// A booking came after the order's shipment was cancelled: refused, nothing booked. The
    /// saga is undoing the order by then; this answers the late command all the same.
    ShipmentRefused { order_id: Uuid },
    /// A cancellation came after the parcel left (`stage` is where it stood): nothing was
    /// cancelled. Recorded each time it is asked, to answer each time.
    ShipmentCancellationRefused { shipment_id: Uuid, order_id: Uuid, stage: String },
    /// The parcel was labelled and handed to the carrier, who tracks it by `tracking_number`.
    ShipmentShipped { shipment_id: Uuid, order_id: Uuid, carrier: String, tracking_number: String },
    /// The carrier scanned the parcel on its way (recorded at each scan it reports).
    ShipmentInTransit { shipment_id: Uuid, order_id: Uuid, location: String },
    /// The carrier delivered the parcel.
    ShipmentDelivered { shipment_id: Uuid, order_id: Uuid },
    /// The order was cancelled after its parcel left: the carrier is to bring it back to
    /// the warehouse.
    ShipmentReturnRequested { shipment_id: Uuid, order_id: Uuid },
    /// The return was asked for again (its first answer may have been lost): answered
    /// again; nothing else changes.
    ReturnRequestRepeated { shipment_id: Uuid, order_id: Uuid },
    /// The carrier scanned the parcel on its way back.
    ReturnInTransit { shipment_id: Uuid, order_id: Uuid, location: String },
    /// The parcel is back at the warehouse.
    ShipmentReturned { shipment_id: Uuid, order_id: Uuid },
}

impl DomainEvent for ShippingEvent {
    const TYPES: &'static [&'static str] = &[
        "ShipmentCreated",
        "ShippingUnavailable",
        "ShipmentCancelled",
        "ShipmentRefused",
        "ShipmentCancellationRefused",
        "ShipmentShipped",
        "ShipmentInTransit",
        "ShipmentDelivered",
        "ShipmentReturnRequested",
        "ReturnRequestRepeated",
        "ReturnInTransit",
        "ShipmentReturned",
    ];
}

fn standard() -> ServiceLevel {
    ServiceLevel::Standard
}

/// The stream of an order's shipment.
pub(crate) fn shipment_stream(order_id: Uuid) -> String {
    format!("shipment-{order_id}")
}

/// The shipment id of an order (one shipment per order).
pub(crate) fn shipment_id(order_id: Uuid) -> Uuid {
    kernel::ids::derived_id(&["shipment", &order_id.to_string()])
}
