//! Saga compensation: give back whatever an order holds (`ReleaseInventory`). Releasing an
//! order that holds nothing records an empty release, which answers the saga and bars a
//! reservation that arrives late.

use crate::reserve_inventory::CONSUMER;
use crate::stock::{InventoryEvent, Reservation, StockItem, reservation_stream, stock_stream, with_alerts};
use contracts::inventory::ReleaseInventory;
use kernel::bus::Envelope;
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::handle_once;

pub(crate) async fn release(
    store: &EventStore,
    envelope: &Envelope,
    command: ReleaseInventory,
) -> Result<(), StoreError> {
    let metadata = Metadata::caused_by(envelope);
    let order_id = command.order_id;
    let metadata = &metadata;
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let stream = reservation_stream(order_id);
        let mut reservation = uow.load_aggregate::<Reservation>(&stream).await?;
        let released = match &reservation.state {
            // Already given back. Asked again, so the first answer may have been lost: answer
            // again with the same lines (this message's own inbox claim keeps it to one answer).
            Reservation::Released(lines) => {
                let event = InventoryEvent::ReleaseRepeated { order_id, lines: lines.clone() };
                uow.append_decided(&stream, &mut reservation, &[event], metadata).await?;
                return Ok::<_, StoreError>((uow, ()));
            }
            // Gone with the parcel (and back on hand with it, if it was returned): nothing is
            // held to give back.
            Reservation::None | Reservation::Refused | Reservation::Shipped(_) | Reservation::Returned(_) => Vec::new(),
            Reservation::Held(lines) => lines.clone(),
        };
        for line in &released {
            let stock = stock_stream(line.product_id);
            let mut item = uow.load_aggregate::<StockItem>(&stock).await?;
            let quantity = i64::from(line.quantity);
            let available = item.state.available() + quantity;
            let low_stock_threshold = item.state.low_stock_threshold;
            let event = InventoryEvent::StockReleased {
                product_id: line.product_id,
                order_id,
                quantity,
                available,
                low_stock_threshold,
            };
            let events = with_alerts(&item.state, line.product_id, event);
            uow.append_decided(&stock, &mut item, &events, metadata).await?;
        }
        let event = InventoryEvent::InventoryReleased { order_id, lines: released };
        uow.append_decided(&stream, &mut reservation, &[event], metadata).await?;
        Ok((uow, ()))
    })
    .await?;
    Ok(())
}
