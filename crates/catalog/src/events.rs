//! The catalog's domain events and the aggregates they fold into.

use kernel::event_store::DomainEvent;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything the catalog records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CatalogEvent {
    /// A product was added.
    ProductCreated {
        /// The product.
        product_id: Uuid,
        /// Unique stock keeping unit (upper case).
        sku: String,
        /// Display name.
        name: String,
        /// Description shown on the product page.
        description: String,
        /// Category, if any.
        category_id: Option<Uuid>,
        /// Unit price.
        price: Money,
        /// Shipping weight of one unit.
        weight_grams: u32,
        /// Units in stock at creation (Inventory opens the stock item with it).
        initial_stock: u32,
    },
    /// A category was added.
    CategoryCreated {
        /// The category.
        category_id: Uuid,
        /// Display name.
        name: String,
        /// Unique URL name.
        slug: String,
    },
}

impl DomainEvent for CatalogEvent {
    const TYPES: &'static [&'static str] = &["ProductCreated", "CategoryCreated"];
}

/// The stream of one product.
pub(crate) fn product_stream(id: Uuid) -> String {
    format!("product-{id}")
}

/// The stream of one category.
pub(crate) fn category_stream(id: Uuid) -> String {
    format!("category-{id}")
}
