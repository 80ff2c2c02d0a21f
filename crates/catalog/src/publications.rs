//! What the catalog tells other contexts.

use crate::events::CatalogEvent;
use contracts::catalog::ProductCreated;
use kernel::bus::Envelope;
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};

/// Maps `ProductCreated` to its integration event.
pub(crate) struct CatalogPublications;

impl Publications for CatalogPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(CatalogEvent::ProductCreated { product_id, sku, name, price, weight_grams, initial_stock, .. }) =
            event.decode_known::<CatalogEvent>()?
        else {
            return Ok(Vec::new());
        };
        let message = ProductCreated { product_id, sku, name, price, weight_grams, initial_stock };
        derived_message(event, "catalog", &message)
    }
}
