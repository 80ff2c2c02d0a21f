//! What the admin's stock changes share (`adjust_stock`, `set_aside`): the same checks on
//! units and note, and one way to decide a change on a product's stock item, record it with
//! the alerts it sets off, and answer once the read model shows it.

use crate::Inventory;
use crate::read_model::StockLevel;
use crate::stock::{self, InventoryEvent, StockItem, stock_stream};
use crate::stock_level::stock_of;
use kernel::auth::Principal;
use kernel::error::{ApiError, Validation};
use kernel::event_store::{Metadata, StoreError, retry_on_conflict};
use uuid::Uuid;

/// `delta` and `note` as an admin's change takes them: a non-zero number of units up to a
/// million either way, and a note of at most 200 characters (trimmed; empty when absent).
pub(crate) fn checked_change(delta: i64, note: Option<&str>) -> Result<String, ApiError> {
    let note = note.unwrap_or_default().trim().to_owned();
    let mut v = Validation::new();
    v.check(
        delta != 0 && delta.unsigned_abs() <= 1_000_000,
        "delta",
        "must be a non-zero number of units up to 1000000",
    );
    v.check(
        note.chars().count() <= 200 && !note.chars().any(char::is_control),
        "note",
        "must be at most 200 characters, without control characters",
    );
    v.finish()?;
    Ok(note)
}

/// Decides `decide` on `product_id`'s stock item on `admin`'s behalf, appends it with the
/// alerts it sets off, and answers the stock level once the read model shows it; the
/// decision's refusal, untouched, when it refuses.
pub(crate) async fn change_stock<R>(
    inventory: &Inventory,
    admin: Principal,
    product_id: Uuid,
    decide: impl Fn(&StockItem) -> Result<InventoryEvent, R>,
) -> Result<Result<StockLevel, R>, ApiError> {
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let stream = stock_stream(product_id);
    let outcome = retry_on_conflict(|| async {
        let mut uow = inventory.store.begin().await?;
        let mut item = uow.load_aggregate::<StockItem>(&stream).await?;
        let event = match decide(&item.state) {
            Ok(event) => event,
            Err(rejection) => return Ok(Err(rejection)),
        };
        let events = stock::with_alerts(&item.state, product_id, event);
        let position = uow.append_decided(&stream, &mut item, &events, &metadata).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Ok(position))
    })
    .await?;
    match outcome {
        Ok(position) => {
            if let Some(position) = position {
                inventory.read_model.wait_for(position, crate::READ_YOUR_WRITES).await;
            }
            stock_of(inventory, product_id).await.map(Ok)
        }
        Err(rejection) => Ok(Err(rejection)),
    }
}
