//! Subscriber: Orders' own price list, kept from Catalog's product events, so an order is
//! priced by the shop and never by the client.

use async_trait::async_trait;
use contracts::catalog::{ProductCreated, ProductPriceChanged};
use kernel::bus::{Envelope, Message};
use kernel::db::Db;
use kernel::event_store::{EventStore, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use kernel::money::{Currency, Money};
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// Keeps `price_list` up to date.
pub(crate) struct PriceList {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for PriceList {
    fn consumer(&self) -> &'static str {
        "orders.price_list"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ProductCreated::TYPE, ProductPriceChanged::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let created = envelope.is::<ProductCreated>().then(|| envelope.decode::<ProductCreated>()).transpose()?;
        let changed =
            envelope.is::<ProductPriceChanged>().then(|| envelope.decode::<ProductPriceChanged>()).transpose()?;
        let (created, changed) = (&created, &changed);
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            if let Some(product) = created {
                sqlx::query(
                    "insert into price_list (product_id, name, price_minor, currency, weight_grams) values ($1, $2, $3, $4, $5) \
                     on conflict (product_id) do update set name = excluded.name, price_minor = excluded.price_minor, \
                     currency = excluded.currency, weight_grams = excluded.weight_grams",
                )
                .bind(product.product_id.to_string())
                .bind(product.name.clone())
                .bind(product.price.amount_minor)
                .bind(product.price.currency.to_string())
                .bind(i64::from(product.weight_grams))
                .execute(uow.conn())
                .await?;
            } else if let Some(change) = changed {
                sqlx::query("update price_list set price_minor = $2, currency = $3 where product_id = $1")
                    .bind(change.product_id.to_string())
                    .bind(change.price.amount_minor)
                    .bind(change.price.currency.to_string())
                    .execute(uow.conn())
                    .await?;
            }
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        Ok(())
    }
}

/// A product as Orders prices it.
#[derive(Debug, Clone)]
pub(crate) struct PriceEntry {
    pub(crate) name: String,
    pub(crate) price: Money,
    pub(crate) weight_grams: u32,
}

/// The entries for `product_ids` that exist, in one query.
pub(crate) async fn prices(db: &Db, product_ids: &[Uuid]) -> Result<HashMap<Uuid, PriceEntry>, sqlx::Error> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Placeholders only, built from the count; every value is bound.
    let placeholders: Vec<String> = (1..=product_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "select product_id, name, price_minor, currency, weight_grams from price_list where product_id in ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in product_ids {
        query = query.bind(id.to_string());
    }
    let decode = |e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::Decode(e);
    let mut found = HashMap::new();
    for row in query.fetch_all(db.reader()).await? {
        let product_id = Uuid::parse_str(&row.try_get::<String, _>("product_id")?).map_err(|e| decode(Box::new(e)))?;
        let currency: String = row.try_get("currency")?;
        let weight: i64 = row.try_get("weight_grams")?;
        found.insert(
            product_id,
            PriceEntry {
                name: row.try_get("name")?,
                price: Money::new(
                    row.try_get("price_minor")?,
                    Currency::parse(&currency).map_err(|e| decode(Box::new(e)))?,
                ),
                weight_grams: u32::try_from(weight).unwrap_or(u32::MAX),
            },
        );
    }
    Ok(found)
}
