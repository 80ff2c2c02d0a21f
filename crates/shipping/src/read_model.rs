//! The `shipments` read model.

use crate::events::ShippingEvent;
use async_trait::async_trait;
use contracts::Address;
use kernel::db::{Db, Migration};
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::money::{Currency, Money};
use kernel::projection::Projection;
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

/// Read-model tables.
pub(crate) const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, description: "shipments read model", sqlite: SCHEMA, postgres: SCHEMA }];

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

    async fn apply(&self, conn: &mut sqlx::AnyConnection, event: &RecordedEvent) -> Result<(), StoreError> {
        if let Some(ShippingEvent::ShipmentCreated {
            shipment_id,
            order_id,
            customer_id,
            destination,
            weight_grams,
            zone,
            cost,
        }) = event.decode_known::<ShippingEvent>()?
        {
            sqlx::query(
                "insert into shipments (id, order_id, customer_id, status, zone, cost_minor, currency, destination, \
                 weight_grams, created_at) values ($1, $2, $3, 'created', $4, $5, $6, $7, $8, $9)",
            )
            .bind(shipment_id.to_string())
            .bind(order_id.to_string())
            .bind(customer_id.to_string())
            .bind(zone)
            .bind(cost.amount_minor)
            .bind(cost.currency.to_string())
            .bind(serde_json::to_string(&destination).map_err(StoreError::Encode)?)
            .bind(i64::try_from(weight_grams).unwrap_or(i64::MAX))
            .bind(kernel::time::format(event.recorded_at))
            .execute(conn)
            .await?;
        } else if let Some(ShippingEvent::ShipmentCancelled { shipment_id: Some(shipment_id), .. }) =
            event.decode_known::<ShippingEvent>()?
        {
            sqlx::query("update shipments set status = 'cancelled' where id = $1")
                .bind(shipment_id.to_string())
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["shipments"]
    }
}

/// A shipment as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Shipment")]
pub(crate) struct ShipmentView {
    pub(crate) id: Uuid,
    pub(crate) order_id: Uuid,
    #[serde(skip)]
    #[graphql(skip)]
    pub(crate) customer_id: Uuid,
    pub(crate) status: String,
    pub(crate) zone: String,
    pub(crate) cost: Money,
    pub(crate) destination: Address,
    pub(crate) weight_grams: i64,
    pub(crate) created_at: String,
}

/// One shipment.
pub(crate) async fn shipment(db: &Db, id: Uuid) -> Result<Option<ShipmentView>, sqlx::Error> {
    let row = sqlx::query(
        "select id, order_id, customer_id, status, zone, cost_minor, currency, destination, weight_grams, created_at \
         from shipments where id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(db.reader())
    .await?;
    let decode = |e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::Decode(e);
    row.map(|row| {
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
            cost: Money::new(row.try_get("cost_minor")?, Currency::parse(&currency).map_err(|e| decode(Box::new(e)))?),
            destination: serde_json::from_str(&destination).map_err(|e| decode(Box::new(e)))?,
            weight_grams: row.try_get("weight_grams")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .transpose()
}
