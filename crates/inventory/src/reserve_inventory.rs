//! Saga step: hold stock for every line of an order, or none (`ReserveInventory`).
//! Also receives the compensation, `ReleaseInventory` (see `release_inventory`).

use crate::release_inventory;
use crate::stock::{self, InventoryEvent, Reservation, StockItem, reservation_stream, stock_stream};
use async_trait::async_trait;
use contracts::ProductQuantity;
use contracts::inventory::{ReleaseInventory, ReserveInventory};
use kernel::aggregate::Loaded;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use std::collections::BTreeMap;

/// The consumer of the saga's inventory commands.
pub(crate) struct ReservationCommands {
    pub(crate) store: EventStore,
}

/// Inbox name of [`ReservationCommands`].
pub(crate) const CONSUMER: &str = "inventory.reservations";

#[async_trait]
impl MessageHandler for ReservationCommands {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ReserveInventory::TYPE, ReleaseInventory::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        if envelope.is::<ReserveInventory>() {
            reserve(&self.store, envelope, envelope.decode()?).await?;
        } else if envelope.is::<ReleaseInventory>() {
            release_inventory::release(&self.store, envelope, envelope.decode()?).await?;
        }
        Ok(())
    }
}

/// One line per product: a repeated product's quantities are added up.
fn merge_lines(lines: &[ProductQuantity]) -> Vec<ProductQuantity> {
    let mut merged: BTreeMap<uuid::Uuid, u32> = BTreeMap::new();
    for line in lines {
        *merged.entry(line.product_id).or_default() += line.quantity;
    }
    merged.into_iter().map(|(product_id, quantity)| ProductQuantity { product_id, quantity }).collect()
}

async fn reserve(store: &EventStore, envelope: &Envelope, command: ReserveInventory) -> Result<(), StoreError> {
    let metadata = Metadata::caused_by(envelope);
    let lines = merge_lines(&command.lines);
    let (command, lines, metadata) = (&command, &lines, &metadata);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let reservation_stream = reservation_stream(command.order_id);
        let mut reservation = uow.load_aggregate::<Reservation>(&reservation_stream).await?;
        match reservation.state {
            Reservation::None => {}
            // Released before it arrived (the saga is undoing the order): refuse it, in a reply.
            Reservation::Released(_) => {
                tracing::info!(order_id = %command.order_id, "a reservation came after its release; refused");
                let event = InventoryEvent::ReservationRefused { order_id: command.order_id };
                uow.append_decided(&reservation_stream, &mut reservation, &[event], metadata).await?;
                return Ok::<_, StoreError>((uow, ()));
            }
            // Decided before: this command's answer is already on its way.
            Reservation::Held(_) | Reservation::Refused | Reservation::Shipped(_) | Reservation::Returned(_) => {
                tracing::info!(order_id = %command.order_id, state = ?reservation.state, "reservation already settled");
                return Ok((uow, ()));
            }
        }
        let mut items: Vec<Loaded<StockItem>> = Vec::with_capacity(lines.len());
        for line in lines {
            items.push(uow.load_aggregate::<StockItem>(&stock_stream(line.product_id)).await?);
        }
        let decision_input: Vec<_> = lines.iter().copied().zip(items.iter().map(|i| Some(&i.state))).collect();
        let events = stock::reserve(command.order_id, &decision_input);
        for event in events {
            match &event {
                InventoryEvent::StockReserved { product_id, .. } => {
                    let product_id = *product_id;
                    let index = lines.iter().position(|l| l.product_id == product_id).expect("event for a line");
                    let events = stock::with_alerts(&items[index].state, product_id, event);
                    uow.append_decided(&stock_stream(product_id), &mut items[index], &events, metadata).await?;
                }
                _ => {
                    uow.append_decided(&reservation_stream, &mut reservation, &[event], metadata).await?;
                }
            }
        }
        Ok((uow, ()))
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_products_are_merged_into_one_line() {
        let id = uuid::Uuid::now_v7();
        let merged = merge_lines(&[
            ProductQuantity { product_id: id, quantity: 2 },
            ProductQuantity { product_id: id, quantity: 3 },
        ]);
        assert_eq!(merged, vec![ProductQuantity { product_id: id, quantity: 5 }]);
    }
}
