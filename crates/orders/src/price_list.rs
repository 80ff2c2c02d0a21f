//! Subscriber: Orders' own price list, kept from Catalog's product events, so an order is
//! priced by the shop and never by the client.

use async_trait::async_trait;
use contracts::catalog::{ProductCreated, ProductDeleted, ProductPriceChanged, ProductStatusChanged, ProductUpdated};
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

/// The catalog facts the price list follows.
enum ProductFact {
    Created(ProductCreated),
    Updated(ProductUpdated),
    PriceChanged(ProductPriceChanged),
    StatusChanged(ProductStatusChanged),
    Deleted(ProductDeleted),
}

impl ProductFact {
    fn decode(envelope: &Envelope) -> Result<Self, HandlerError> {
        Ok(match envelope.message_type.as_str() {
            ProductCreated::TYPE => ProductFact::Created(envelope.decode()?),
            ProductUpdated::TYPE => ProductFact::Updated(envelope.decode()?),
            ProductPriceChanged::TYPE => ProductFact::PriceChanged(envelope.decode()?),
            ProductStatusChanged::TYPE => ProductFact::StatusChanged(envelope.decode()?),
            ProductDeleted::TYPE => ProductFact::Deleted(envelope.decode()?),
            other => return Err(HandlerError::Permanent(format!("the price list does not follow {other}"))),
        })
    }

    /// The statement that records this fact, from version `version` of the product's stream.
    fn statement(&self, version: i64) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            ProductFact::Created(product) => sqlx::query(
                "insert into price_list (product_id, details_version, price_version, status_version, name, \
                 price_minor, currency, weight_grams, status) values ($1, $2, $2, $2, $3, $4, $5, $6, $7) \
                 on conflict (product_id) do nothing",
            )
            .bind(product.product_id.to_string())
            .bind(version)
            .bind(product.name.clone())
            .bind(product.price.amount_minor)
            .bind(product.price.currency.to_string())
            .bind(i64::from(product.weight_grams))
            .bind(product.status.as_str()),
            ProductFact::Updated(update) => sqlx::query(
                "update price_list set name = $3, weight_grams = $4, details_version = $2 \
                 where product_id = $1 and details_version < $2",
            )
            .bind(update.product_id.to_string())
            .bind(version)
            .bind(update.name.clone())
            .bind(i64::from(update.weight_grams)),
            ProductFact::PriceChanged(change) => sqlx::query(
                "update price_list set price_minor = $3, currency = $4, price_version = $2 \
                 where product_id = $1 and price_version < $2",
            )
            .bind(change.product_id.to_string())
            .bind(version)
            .bind(change.price.amount_minor)
            .bind(change.price.currency.to_string()),
            ProductFact::StatusChanged(change) => sqlx::query(
                "update price_list set status = $3, status_version = $2 where product_id = $1 and status_version < $2",
            )
            .bind(change.product_id.to_string())
            .bind(version)
            .bind(change.status.as_str()),
            // Deletion is final: no version to compare.
            ProductFact::Deleted(deleted) => sqlx::query("update price_list set deleted = 1 where product_id = $1")
                .bind(deleted.product_id.to_string()),
        }
    }
}

#[async_trait]
impl MessageHandler for PriceList {
    fn consumer(&self) -> &'static str {
        "orders.price_list"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![
            ProductCreated::TYPE,
            ProductUpdated::TYPE,
            ProductPriceChanged::TYPE,
            ProductStatusChanged::TYPE,
            ProductDeleted::TYPE,
        ]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let fact = ProductFact::decode(envelope)?;
        // Every delivered message carries it; without it "the latest" cannot be told apart.
        let version = envelope
            .source_version
            .ok_or_else(|| HandlerError::Permanent(format!("{} without a source version", envelope.message_type)))?;
        let fact = &fact;
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            fact.statement(version).execute(uow.conn()).await?;
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
    /// Active and not deleted: only such a product may be ordered.
    pub(crate) on_sale: bool,
}

/// The entries for `product_ids` that exist, in one query.
pub(crate) async fn prices(db: &Db, product_ids: &[Uuid]) -> Result<HashMap<Uuid, PriceEntry>, sqlx::Error> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Placeholders only, built from the count; every value is bound.
    let placeholders: Vec<String> = (1..=product_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "select product_id, name, price_minor, currency, weight_grams, status, deleted from price_list \
         where product_id in ({})",
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
        let on_sale = row.try_get::<String, _>("status")? == "active" && row.try_get::<i32, _>("deleted")? == 0;
        found.insert(
            product_id,
            PriceEntry {
                name: row.try_get("name")?,
                price: Money::new(
                    row.try_get("price_minor")?,
                    Currency::parse(&currency).map_err(|e| decode(Box::new(e)))?,
                ),
                weight_grams: u32::try_from(weight).unwrap_or(u32::MAX),
                on_sale,
            },
        );
    }
    Ok(found)
}
