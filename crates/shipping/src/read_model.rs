//! The `shipments` read model.

use crate::events::ShippingEvent;
use async_trait::async_trait;
use contracts::Address;
use contracts::shipping_rates::ServiceLevel;
use kernel::db::{Db, Migration};
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::money::{Currency, Money};
use kernel::projection::Projection;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

/// Read-model tables.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "shipments read model", sqlite: SCHEMA, postgres: SCHEMA },
    Migration { version: 2, description: "the parcel's journey", sqlite: JOURNEY, postgres: JOURNEY },
    Migration { version: 3, description: "the service level chosen", sqlite: SERVICE, postgres: SERVICE },
    Migration {
        version: 4,
        description: "what each product weighs",
        sqlite: PRODUCT_WEIGHTS,
        postgres: PRODUCT_WEIGHTS,
    },
];

/// Kept by `product_weights` from Catalog's product events.
const PRODUCT_WEIGHTS: &str = "
    create table product_weights (
        product_id text primary key,
        weight_grams bigint not null,
        price_minor bigint not null,
        currency text not null,
        details_version bigint not null,
        price_version bigint not null,
        deleted integer not null default 0
    );
";

/// Standard or Express; shipments booked before there was a choice went Standard.
const SERVICE: &str = "alter table shipments add column service text not null default 'standard';";

/// Carrier, tracking number and each step of the journey (a JSON array, oldest first).
const JOURNEY: &str = "
    alter table shipments add column carrier text;
    alter table shipments add column tracking_number text;
    alter table shipments add column journey text not null default '[]';
    create index shipments_status on shipments (status, created_at);
";

const SCHEMA: &str = "
    create table shipments (
        id text primary key,
        order_id text not null,
        customer_id text not null,
        status text not null,
        zone text not null,
        cost_minor bigint not null,
        currency text not null,
        destination text not null,
        weight_grams bigint not null,
        created_at text not null
    );
";

/// Keeps `shipments` from shipping events.
pub(crate) struct ShipmentsProjection;

#[async_trait]
impl Projection for ShipmentsProjection {
    fn name(&self) -> &'static str {
        "shipments"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        let Some(shipping_event) = event.decode_known::<ShippingEvent>()? else { return Ok(()) };
        let at = kernel::time::format(event.recorded_at);
        match shipping_event {
            ShippingEvent::ShipmentCreated {
                shipment_id,
                order_id,
                customer_id,
                destination,
                weight_grams,
                zone,
                cost,
                service,
            } => {
                let journey = vec![JourneyStep { status: "created".to_owned(), location: None, at: at.clone() }];
                sqlx::query(
                    "insert into shipments (id, order_id, customer_id, status, zone, cost_minor, currency, \
                     destination, weight_grams, created_at, journey, service) \
                     values ($1, $2, $3, 'created', $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(shipment_id.to_string())
                .bind(order_id.to_string())
                .bind(customer_id.to_string())
                .bind(zone)
                .bind(cost.amount_minor)
                .bind(cost.currency.to_string())
                .bind(serde_json::to_string(&destination).map_err(StoreError::Encode)?)
                .bind(i64::try_from(weight_grams).unwrap_or(i64::MAX))
                .bind(at)
                .bind(serde_json::to_string(&journey).map_err(StoreError::Encode)?)
                .bind(service.as_str())
                .execute(conn)
                .await?;
            }
            ShippingEvent::ShipmentCancelled { shipment_id: Some(shipment_id), .. } => {
                record_step(conn, shipment_id, "cancelled", None, at).await?;
            }
            ShippingEvent::ShipmentShipped { shipment_id, carrier, tracking_number, .. } => {
                sqlx::query("update shipments set carrier = $2, tracking_number = $3 where id = $1")
                    .bind(shipment_id.to_string())
                    .bind(carrier)
                    .bind(tracking_number)
                    .execute(&mut *conn)
                    .await?;
                record_step(conn, shipment_id, "shipped", None, at).await?;
            }
            ShippingEvent::ShipmentInTransit { shipment_id, location, .. } => {
                record_step(conn, shipment_id, "in_transit", Some(location), at).await?;
            }
            ShippingEvent::ShipmentDelivered { shipment_id, .. } => {
                record_step(conn, shipment_id, "delivered", None, at).await?;
            }
            ShippingEvent::ShipmentReturnRequested { shipment_id, .. } => {
                record_step(conn, shipment_id, "returning", None, at).await?;
            }
            ShippingEvent::ReturnInTransit { shipment_id, location, .. } => {
                record_step(conn, shipment_id, "returning", Some(location), at).await?;
            }
            ShippingEvent::ShipmentReturned { shipment_id, .. } => {
                record_step(conn, shipment_id, "returned", None, at).await?;
            }
            ShippingEvent::ShipmentCancelled { shipment_id: None, .. }
            | ShippingEvent::ReturnRequestRepeated { .. }
            | ShippingEvent::ShippingUnavailable { .. }
            | ShippingEvent::ShipmentRefused { .. }
            | ShippingEvent::ShipmentCancellationRefused { .. } => {}
        }
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["shipments"]
    }
}

/// Sets shipment `id`'s status and adds the step to its journey.
async fn record_step(
    conn: &mut kernel::db::Conn,
    id: Uuid,
    status: &str,
    location: Option<String>,
    at: String,
) -> Result<(), StoreError> {
    let Some(stored) = sqlx::query_scalar::<_, String>("select journey from shipments where id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let mut journey: Vec<JourneyStep> = serde_json::from_str(&stored).map_err(StoreError::Decode)?;
    journey.push(JourneyStep { status: status.to_owned(), location, at });
    sqlx::query("update shipments set status = $2, journey = $3 where id = $1")
        .bind(id.to_string())
        .bind(status)
        .bind(serde_json::to_string(&journey).map_err(StoreError::Encode)?)
        .execute(conn)
        .await?;
    Ok(())
}

/// One step of a parcel's journey, for the customer's tracking timeline.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "ShipmentStep")]
pub(crate) struct JourneyStep {
    /// `created`, `shipped`, `in_transit`, `delivered`, `cancelled`, `returning` (called
    /// back after its order was cancelled; again at each scan on the way back) or
    /// `returned` (back at the warehouse).
    pub(crate) status: String,
    /// Where the carrier scanned it (in transit, or returning).
    pub(crate) location: Option<String>,
    /// When (RFC 3339).
    pub(crate) at: String,
}

/// A shipment as the API shows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Shipment")]
pub(crate) struct ShipmentView {
    pub(crate) id: Uuid,
    pub(crate) order_id: Uuid,
    #[serde(skip)]
    #[graphql(skip)]
    pub(crate) customer_id: Uuid,
    /// `created`, `shipped`, `in_transit`, `delivered`, `cancelled`, `returning` (on its
    /// way back: its order was cancelled after it left) or `returned`.
    pub(crate) status: String,
    pub(crate) zone: String,
    /// `standard` or `express`.
    pub(crate) service: ServiceLevel,
    pub(crate) cost: Money,
    pub(crate) destination: Address,
    pub(crate) weight_grams: i64,
    pub(crate) created_at: String,
    /// Who carries it, once shipped.
    pub(crate) carrier: Option<String>,
    /// The carrier's number for it, once shipped.
    pub(crate) tracking_number: Option<String>,
    /// Every step so far, oldest first.
    pub(crate) journey: Vec<JourneyStep>,
}

const SELECT_SHIPMENT: &str = "select id, order_id, customer_id, status, zone, cost_minor, currency, destination, \
     weight_grams, created_at, carrier, tracking_number, journey, service from shipments";

/// One shipment.
pub(crate) async fn shipment(db: &Db, id: Uuid) -> Result<Option<ShipmentView>, sqlx::Error> {
    let sql = format!("{SELECT_SHIPMENT} where id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(db.reader()).await?;
    row.as_ref().map(shipment_from_row).transpose()
}

/// Up to `limit` shipments, newest order first, of `status` (any when `None`), after the
/// one of order `before`.
pub(crate) async fn shipments(
    db: &Db,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ShipmentView>, sqlx::Error> {
    let sql = format!(
        "{SELECT_SHIPMENT} where ($1 = '' or status = $1) and ($2 = '' or order_id < $2) order by order_id desc limit $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status.unwrap_or_default())
        .bind(before.map(|b| b.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(shipment_from_row).collect()
}

fn shipment_from_row(row: &sqlx::any::AnyRow) -> Result<ShipmentView, sqlx::Error> {
    let decode = |e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::Decode(e);
    let uuid = |name: &str| -> Result<Uuid, sqlx::Error> {
        Uuid::parse_str(&row.try_get::<String, _>(name)?).map_err(|e| decode(Box::new(e)))
    };
    let currency: String = row.try_get("currency")?;
    let destination: String = row.try_get("destination")?;
    Ok(ShipmentView {
        id: uuid("id")?,
        order_id: uuid("order_id")?,
        customer_id: uuid("customer_id")?,
        status: row.try_get("status")?,
        zone: row.try_get("zone")?,
        service: ServiceLevel::named(&row.try_get::<String, _>("service")?).unwrap_or(ServiceLevel::Standard),
        cost: Money::new(row.try_get("cost_minor")?, Currency::parse(&currency).map_err(|e| decode(Box::new(e)))?),
        destination: serde_json::from_str(&destination).map_err(|e| decode(Box::new(e)))?,
        weight_grams: row.try_get("weight_grams")?,
        created_at: row.try_get("created_at")?,
        carrier: row.try_get("carrier")?,
        tracking_number: row.try_get("tracking_number")?,
        journey: serde_json::from_str(&row.try_get::<String, _>("journey")?).map_err(|e| decode(Box::new(e)))?,
    })
}
