//! The `stock_levels` read model admins look at.

use crate::stock::InventoryEvent;
use async_trait::async_trait;
use kernel::db::{Db, Migration};
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::projection::Projection;
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

/// Read-model tables.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "stock levels read model", sqlite: SCHEMA, postgres: SCHEMA },
    Migration { version: 2, description: "per-product low-stock thresholds", sqlite: THRESHOLDS, postgres: THRESHOLDS },
    Migration { version: 3, description: "units set aside as unavailable", sqlite: UNAVAILABLE, postgres: UNAVAILABLE },
];

/// Units on hand but not for sale (damaged, awaiting inspection).
const UNAVAILABLE: &str = "alter table stock_levels add column unavailable bigint not null default 0;";

/// Each product's own threshold (5 until an admin sets one).
const THRESHOLDS: &str = "alter table stock_levels add column low_stock_threshold bigint not null default 5;";

const SCHEMA: &str = "
    create table stock_levels (
        product_id text primary key,
        on_hand bigint not null,
        reserved bigint not null,
        updated_at text not null
    );
";

/// Keeps `stock_levels` from stock item events.
pub(crate) struct StockLevelsProjection;

#[async_trait]
impl Projection for StockLevelsProjection {
    fn name(&self) -> &'static str {
        "inventory_stock_levels"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        let at = kernel::time::format(event.recorded_at);
        let (sql, product_id, amount) = match event.decode_known::<InventoryEvent>()? {
            Some(InventoryEvent::StockItemOpened { product_id, on_hand }) => (
                "insert into stock_levels (product_id, on_hand, reserved, updated_at) values ($1, $2, 0, $3)",
                product_id,
                on_hand,
            ),
            Some(InventoryEvent::StockAdjusted { product_id, on_hand, unavailable_change, .. }) => {
                sqlx::query(
                    "update stock_levels set on_hand = $2, unavailable = unavailable + $3, updated_at = $4 \
                     where product_id = $1",
                )
                .bind(product_id.to_string())
                .bind(on_hand)
                .bind(unavailable_change)
                .bind(at)
                .execute(conn)
                .await?;
                return Ok(());
            }
            Some(InventoryEvent::StockSetAside { product_id, unavailable, .. }) => (
                "update stock_levels set unavailable = $2, updated_at = $3 where product_id = $1",
                product_id,
                unavailable,
            ),
            Some(InventoryEvent::StockReserved { product_id, quantity, .. }) => (
                "update stock_levels set reserved = reserved + $2, updated_at = $3 where product_id = $1",
                product_id,
                quantity,
            ),
            Some(InventoryEvent::StockReleased { product_id, quantity, .. }) => (
                "update stock_levels set reserved = reserved - $2, updated_at = $3 where product_id = $1",
                product_id,
                quantity,
            ),
            Some(InventoryEvent::LowStockThresholdSet { product_id, low_stock_threshold, .. }) => (
                "update stock_levels set low_stock_threshold = $2, updated_at = $3 where product_id = $1",
                product_id,
                low_stock_threshold,
            ),
            Some(InventoryEvent::StockShipped { product_id, quantity, .. }) => (
                "update stock_levels set on_hand = on_hand - $2, reserved = reserved - $2, updated_at = $3 \
                 where product_id = $1",
                product_id,
                quantity,
            ),
            Some(InventoryEvent::StockReturned { product_id, quantity, .. }) => (
                "update stock_levels set on_hand = on_hand + $2, updated_at = $3 where product_id = $1",
                product_id,
                quantity,
            ),
            _ => return Ok(()),
        };
        sqlx::query(sql).bind(product_id.to_string()).bind(amount).bind(at).execute(conn).await?;
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["stock_levels"]
    }
}

/// A product's stock as the API shows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct StockLevel {
    pub(crate) product_id: Uuid,
    /// Units in the warehouse: available + reserved + unavailable.
    on_hand: i64,
    /// Held for orders not yet shipped.
    reserved: i64,
    /// On hand but not for sale (damaged, awaiting inspection).
    unavailable: i64,
    /// What can still be promised to customers.
    available: i64,
    low_stock_threshold: i64,
}

const SELECT_LEVEL: &str = "select product_id, on_hand, reserved, unavailable, low_stock_threshold from stock_levels";

fn level_from_row(row: &sqlx::any::AnyRow) -> Result<StockLevel, sqlx::Error> {
    let product_id: String = row.try_get("product_id")?;
    let on_hand: i64 = row.try_get("on_hand")?;
    let reserved: i64 = row.try_get("reserved")?;
    let unavailable: i64 = row.try_get("unavailable")?;
    Ok(StockLevel {
        product_id: Uuid::parse_str(&product_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        on_hand,
        reserved,
        unavailable,
        available: on_hand - reserved - unavailable,
        low_stock_threshold: row.try_get("low_stock_threshold")?,
    })
}

/// One product's stock level, if it has a stock item.
pub(crate) async fn stock_level(db: &Db, product_id: Uuid) -> Result<Option<StockLevel>, sqlx::Error> {
    let sql = format!("{SELECT_LEVEL} where product_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(product_id.to_string()).fetch_optional(db.reader()).await?;
    row.as_ref().map(level_from_row).transpose()
}

/// Up to `limit` stock levels in product id order, after `after` when given.
pub(crate) async fn stock_levels(db: &Db, after: Option<Uuid>, limit: i64) -> Result<Vec<StockLevel>, sqlx::Error> {
    let sql = format!("{SELECT_LEVEL} where ($1 = '' or product_id > $1) order by product_id limit $2");
    let after = after.map(|id| id.to_string()).unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(db.reader()).await?;
    rows.iter().map(level_from_row).collect()
}

/// Every product at or below its threshold, those with least to promise first.
pub(crate) async fn low_levels(db: &Db) -> Result<Vec<StockLevel>, sqlx::Error> {
    let sql = format!(
        "{SELECT_LEVEL} where on_hand - reserved - unavailable - low_stock_threshold <= 0 \
         order by on_hand - reserved - unavailable, product_id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.reader()).await?;
    rows.iter().map(level_from_row).collect()
}
