//! The catalog's domain events and the aggregates they fold into.

use crate::pictures::Encoding;
use contracts::catalog::{ProductAttribute, ProductStatus};
use kernel::event_store::{DomainEvent, RecordedEvent, StoreError};
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything the catalog records. Fields added after an event was first stored carry
/// `serde(default)`, so events written before them still read.
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
        /// Unique URL name (empty on products created before slugs existed).
        #[serde(default)]
        slug: String,
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
        /// Draft, active or archived.
        #[serde(default)]
        status: ProductStatus,
        /// Colour, material and the like.
        #[serde(default)]
        attributes: Vec<ProductAttribute>,
    },
    /// What a product page shows changed; every descriptive field as it now is.
    ProductUpdated {
        /// The product.
        product_id: Uuid,
        /// Display name.
        name: String,
        /// Unique URL name.
        slug: String,
        /// Description shown on the product page.
        description: String,
        /// Category, if any.
        category_id: Option<Uuid>,
        /// Shipping weight of one unit.
        weight_grams: u32,
        /// Colour, material and the like.
        attributes: Vec<ProductAttribute>,
    },
    /// The unit price changed (recorded only when it really did).
    ProductPriceChanged {
        /// The product.
        product_id: Uuid,
        /// The price before.
        old_price: Money,
        /// The price from now on.
        new_price: Money,
    },
    /// The product moved between draft, active and archived.
    ProductStatusChanged {
        /// The product.
        product_id: Uuid,
        /// Its status now.
        status: ProductStatus,
    },
    /// The product was deleted: hidden everywhere, kept in the store for order history.
    ProductDeleted {
        /// The product.
        product_id: Uuid,
    },
    /// A picture joined the end of the product's gallery. Its files are stored before this
    /// is recorded, so every picture an event names can be served.
    ProductImageAdded {
        /// The product.
        product_id: Uuid,
        /// The picture (its files are named after it).
        image_id: Uuid,
        /// How its files are encoded.
        encoding: Encoding,
        /// Width of its largest size, in pixels.
        width: u32,
        /// Height of its largest size, in pixels.
        height: u32,
        /// What it shows, for shoppers who cannot see it (empty: the product's name serves).
        alt: String,
    },
    /// A picture left the product's gallery. Its files stay: a page rendered before may
    /// still show it.
    ProductImageRemoved {
        /// The product.
        product_id: Uuid,
        /// The picture.
        image_id: Uuid,
    },
    /// A category was added.
    CategoryCreated {
        /// The category.
        category_id: Uuid,
        /// Display name.
        name: String,
        /// Unique URL name.
        slug: String,
        /// The category it sits in; `None` for a top-level one.
        #[serde(default)]
        parent_id: Option<Uuid>,
        /// Its place among its siblings (lower first).
        #[serde(default)]
        position: i32,
    },
    /// A category was renamed, moved or reordered; every field as it now is.
    CategoryUpdated {
        /// The category.
        category_id: Uuid,
        /// Display name.
        name: String,
        /// Unique URL name.
        slug: String,
        /// The category it sits in; `None` for a top-level one.
        parent_id: Option<Uuid>,
        /// Its place among its siblings (lower first).
        position: i32,
    },
}

impl DomainEvent for CatalogEvent {
    const TYPES: &'static [&'static str] = &[
        "ProductCreated",
        "ProductUpdated",
        "ProductPriceChanged",
        "ProductStatusChanged",
        "ProductDeleted",
        "ProductImageAdded",
        "ProductImageRemoved",
        "CategoryCreated",
        "CategoryUpdated",
    ];
}

/// The stream of one product.
pub(crate) fn product_stream(id: Uuid) -> String {
    format!("product-{id}")
}

/// The stream of one category.
pub(crate) fn category_stream(id: Uuid) -> String {
    format!("category-{id}")
}

/// A product as its events leave it: what an admin's change is decided against.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Product {
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) description: String,
    pub(crate) category_id: Option<Uuid>,
    pub(crate) price: Money,
    pub(crate) weight_grams: u32,
    pub(crate) attributes: Vec<ProductAttribute>,
    pub(crate) status: ProductStatus,
    pub(crate) deleted: bool,
    /// Its gallery's pictures, in order.
    pub(crate) images: Vec<Uuid>,
    /// The stream's version: what an append after deciding on this state expects.
    pub(crate) version: i64,
}

impl Product {
    /// Folds a product's stream; `None` when it has no creation event.
    pub(crate) fn fold(events: &[RecordedEvent]) -> Result<Option<Product>, StoreError> {
        let mut product: Option<Product> = None;
        for recorded in events {
            let Some(event) = recorded.decode_known::<CatalogEvent>()? else { continue };
            match (event, product.as_mut()) {
                (
                    CatalogEvent::ProductCreated {
                        sku,
                        name,
                        slug,
                        description,
                        category_id,
                        price,
                        weight_grams,
                        status,
                        attributes,
                        ..
                    },
                    _,
                ) => {
                    product = Some(Product {
                        slug: if slug.is_empty() { legacy_slug(&sku) } else { slug },
                        sku,
                        name,
                        description,
                        category_id,
                        price,
                        weight_grams,
                        attributes,
                        status,
                        deleted: false,
                        images: Vec::new(),
                        version: 0,
                    });
                }
                (
                    CatalogEvent::ProductUpdated {
                        name, slug, description, category_id, weight_grams, attributes, ..
                    },
                    Some(p),
                ) => {
                    (p.name, p.slug, p.description, p.category_id) = (name, slug, description, category_id);
                    (p.weight_grams, p.attributes) = (weight_grams, attributes);
                }
                (CatalogEvent::ProductPriceChanged { new_price, .. }, Some(p)) => p.price = new_price,
                (CatalogEvent::ProductStatusChanged { status, .. }, Some(p)) => p.status = status,
                (CatalogEvent::ProductDeleted { .. }, Some(p)) => p.deleted = true,
                (CatalogEvent::ProductImageAdded { image_id, .. }, Some(p)) => p.images.push(image_id),
                (CatalogEvent::ProductImageRemoved { image_id, .. }, Some(p)) => p.images.retain(|id| *id != image_id),
                _ => {}
            }
        }
        if let (Some(p), Some(last)) = (product.as_mut(), events.last()) {
            p.version = last.stream_version;
        }
        Ok(product)
    }
}

/// The slug of a product created before slugs existed: its SKU in lower case (unique, as
/// SKUs are, and valid as a slug once `_` becomes `-`).
pub(crate) fn legacy_slug(sku: &str) -> String {
    sku.to_ascii_lowercase().replace('_', "-")
}

/// A category's place in the tree as its events leave it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Category {
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) position: i32,
    /// The stream's version: what an append after deciding on this state expects.
    pub(crate) version: i64,
}

impl Category {
    /// Folds a category's stream; `None` when it has no creation event.
    pub(crate) fn fold(events: &[RecordedEvent]) -> Result<Option<Category>, StoreError> {
        let mut category = None;
        for recorded in events {
            if let Some(
                CatalogEvent::CategoryCreated { name, slug, parent_id, position, .. }
                | CatalogEvent::CategoryUpdated { name, slug, parent_id, position, .. },
            ) = recorded.decode_known::<CatalogEvent>()?
            {
                category = Some(Category { name, slug, parent_id, position, version: 0 });
            }
        }
        if let (Some(c), Some(last)) = (category.as_mut(), events.last()) {
            c.version = last.stream_version;
        }
        Ok(category)
    }
}
