//! What the catalog tells other contexts: every change Orders' price list follows.

use crate::events::CatalogEvent;
use contracts::catalog::{ProductCreated, ProductDeleted, ProductPriceChanged, ProductStatusChanged, ProductUpdated};
use kernel::bus::Envelope;
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};

/// Maps product events to their integration events; categories stay inside the catalog.
pub(crate) struct CatalogPublications;

impl Publications for CatalogPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(catalog_event) = event.decode_known::<CatalogEvent>()? else { return Ok(Vec::new()) };
        match catalog_event {
            CatalogEvent::ProductCreated {
                product_id, sku, name, price, weight_grams, initial_stock, status, ..
            } => {
                let message = ProductCreated { product_id, sku, name, price, weight_grams, initial_stock, status };
                derived_message(event, "catalog", &message)
            }
            CatalogEvent::ProductUpdated { product_id, name, weight_grams, .. } => {
                derived_message(event, "catalog", &ProductUpdated { product_id, name, weight_grams })
            }
            CatalogEvent::ProductPriceChanged { product_id, new_price, .. } => {
                derived_message(event, "catalog", &ProductPriceChanged { product_id, price: new_price })
            }
            CatalogEvent::ProductStatusChanged { product_id, status } => {
                derived_message(event, "catalog", &ProductStatusChanged { product_id, status })
            }
            CatalogEvent::ProductDeleted { product_id } => {
                derived_message(event, "catalog", &ProductDeleted { product_id })
            }
            // Pictures and categories are the catalog's own business.
            CatalogEvent::ProductImageAdded { .. }
            | CatalogEvent::ProductImageRemoved { .. }
            | CatalogEvent::CategoryCreated { .. }
            | CatalogEvent::CategoryUpdated { .. } => Ok(Vec::new()),
        }
    }
}
