//! Subscriber: Shipping's own note of what each product weighs and costs, kept from
//! Catalog's product events, so a quote for a cart's lines is priced here without asking
//! Catalog (the weight picks the band, the value decides free shipping).

use async_trait::async_trait;
use contracts::catalog::{ProductCreated, ProductDeleted, ProductPriceChanged, ProductUpdated};
use kernel::bus::{Envelope, Message};
use kernel::db::Db;
use kernel::event_store::{EventStore, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use kernel::money::{Currency, Money};
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// Keeps `product_weights` up to date.
pub(crate) struct ProductWeights {
    pub(crate) store: EventStore,
}

/// The catalog facts Shipping follows.
enum ProductFact {
    Created(ProductCreated),
    Updated(ProductUpdated),
    PriceChanged(ProductPriceChanged),
    Deleted(ProductDeleted),
}

impl ProductFact {
    fn decode(envelope: &Envelope) -> Result<Self, HandlerError> {
        Ok(match envelope.message_type.as_str() {
            ProductCreated::TYPE => ProductFact::Created(envelope.decode()?),
            ProductUpdated::TYPE => ProductFact::Updated(envelope.decode()?),
            ProductPriceChanged::TYPE => ProductFact::PriceChanged(envelope.decode()?),
            ProductDeleted::TYPE => ProductFact::Deleted(envelope.decode()?),
            other => return Err(HandlerError::Permanent(format!("product weights do not follow {other}"))),
        })
    }

    /// The statement that records this fact, from version `version` of the product's
    /// stream: each kind of change keeps the version it came from, so a late message cannot
    /// undo a newer one of its kind.
    fn statement(&self, version: i64) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            ProductFact::Created(product) => sqlx::query(
                "insert into product_weights (product_id, weight_grams, price_minor, currency, details_version, \
                 price_version) values ($1, $2, $3, $4, $5, $5) on conflict (product_id) do nothing",
            )
            .bind(product.product_id.to_string())
            .bind(i64::from(product.weight_grams))
            .bind(product.price.amount_minor)
            .bind(product.price.currency.to_string())
            .bind(version),
            ProductFact::Updated(update) => sqlx::query(
                "update product_weights set weight_grams = $2, details_version = $3 \
                 where product_id = $1 and details_version < $3",
            )
            .bind(update.product_id.to_string())
            .bind(i64::from(update.weight_grams))
            .bind(version),
            ProductFact::PriceChanged(change) => sqlx::query(
                "update product_weights set price_minor = $2, currency = $3, price_version = $4 \
                 where product_id = $1 and price_version < $4",
            )
            .bind(change.product_id.to_string())
            .bind(change.price.amount_minor)
            .bind(change.price.currency.to_string())
            .bind(version),
            // Deletion is final: no version to compare.
            ProductFact::Deleted(deleted) => {
                sqlx::query("update product_weights set deleted = 1 where product_id = $1")
                    .bind(deleted.product_id.to_string())
            }
        }
    }
}

#[async_trait]
impl MessageHandler for ProductWeights {
    fn consumer(&self) -> &'static str {
        "shipping.product_weights"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ProductCreated::TYPE, ProductUpdated::TYPE, ProductPriceChanged::TYPE, ProductDeleted::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let version = envelope
            .source_version
            .ok_or_else(|| HandlerError::Permanent(format!("{} without a source version", envelope.message_type)))?;
        let fact = &ProductFact::decode(envelope)?;
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            fact.statement(version).execute(uow.conn()).await?;
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        Ok(())
    }
}

/// What one product weighs and costs, as Shipping knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProductWeight {
    pub(crate) weight_grams: u64,
    pub(crate) price: Money,
}

/// The weights of `product_ids` that exist and are not deleted, in one query.
pub(crate) async fn weights(db: &Db, product_ids: &[Uuid]) -> Result<HashMap<Uuid, ProductWeight>, sqlx::Error> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Placeholders only, built from the count; every value is bound.
    let placeholders: Vec<String> = (1..=product_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "select product_id, weight_grams, price_minor, currency from product_weights \
         where deleted = 0 and product_id in ({})",
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
        let currency = Currency::parse(&row.try_get::<String, _>("currency")?).map_err(|e| decode(Box::new(e)))?;
        found.insert(
            product_id,
            ProductWeight {
                weight_grams: u64::try_from(row.try_get::<i64, _>("weight_grams")?).unwrap_or(0),
                price: Money::new(row.try_get("price_minor")?, currency),
            },
        );
    }
    Ok(found)
}
