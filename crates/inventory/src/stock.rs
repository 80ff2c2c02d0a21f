//! The inventory's aggregates: a stock item per product, a reservation per order.

use contracts::ProductQuantity;
use contracts::inventory::Shortage;
use kernel::Aggregate;
use kernel::aggregate::Snapshots;
use kernel::event_store::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Units at or below which a product counts as low on stock, until an admin sets its own.
pub(crate) const LOW_STOCK_THRESHOLD: i64 = 5;

fn default_threshold() -> i64 {
    LOW_STOCK_THRESHOLD
}

/// Everything the inventory records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[allow(missing_docs, reason = "fields are named for what they hold")]
pub enum InventoryEvent {
    /// A product's stock item was opened (from `ProductCreated`).
    StockItemOpened { product_id: Uuid, on_hand: i64 },
    /// An admin counted, restocked or wrote off units; `reason` is an [`AdjustmentReason`]'s
    /// name (free text on adjustments recorded before reasons were fixed). A damage
    /// write-off takes the units set aside as unavailable first (`unavailable_change`).
    StockAdjusted {
        product_id: Uuid,
        delta: i64,
        reason: String,
        #[serde(default)]
        note: String,
        on_hand: i64,
        available: i64,
        #[serde(default = "default_threshold")]
        low_stock_threshold: i64,
        #[serde(default)]
        unavailable_change: i64,
    },
    /// An admin set units aside as unavailable (damaged, awaiting inspection: on hand but
    /// not for sale), or with a negative `delta` put them back on sale.
    StockSetAside {
        product_id: Uuid,
        delta: i64,
        note: String,
        unavailable: i64,
        available: i64,
        low_stock_threshold: i64,
    },
    /// Units were held for an order.
    StockReserved {
        product_id: Uuid,
        order_id: Uuid,
        quantity: i64,
        available: i64,
        #[serde(default = "default_threshold")]
        low_stock_threshold: i64,
    },
    /// Units held for an order were given back.
    StockReleased {
        product_id: Uuid,
        order_id: Uuid,
        quantity: i64,
        available: i64,
        #[serde(default = "default_threshold")]
        low_stock_threshold: i64,
    },
    /// Every line of an order is held.
    InventoryReserved { order_id: Uuid, lines: Vec<ProductQuantity> },
    /// Nothing was held: some lines lack stock.
    OutOfStock { order_id: Uuid, shortages: Vec<Shortage> },
    /// The order's hold was given back (empty when there was none, which also bars a
    /// late reservation).
    InventoryReleased { order_id: Uuid, lines: Vec<ProductQuantity> },
    /// A release was asked for again (its first answer may have been lost): answered with
    /// what the first one gave back, and nothing else changes.
    ReleaseRepeated { order_id: Uuid, lines: Vec<ProductQuantity> },
    /// A reservation came after the order's hold was released: refused, nothing held. The
    /// saga is undoing the order by then; this answers the late command all the same.
    ReservationRefused { order_id: Uuid },
    /// Units held for an order left with its parcel: on hand and held both drop by
    /// `quantity`; what can be promised (`available`) stays as it was.
    StockShipped {
        product_id: Uuid,
        order_id: Uuid,
        quantity: i64,
        on_hand: i64,
        available: i64,
        #[serde(default = "default_threshold")]
        low_stock_threshold: i64,
    },
    /// An admin set the level at or below which the product counts as low on stock.
    LowStockThresholdSet { product_id: Uuid, low_stock_threshold: i64, available: i64 },
    /// What can be promised fell to the product's threshold or below (once per crossing:
    /// it must rise above the threshold before it is detected again).
    LowStockDetected { product_id: Uuid, available: i64, low_stock_threshold: i64 },
    /// Nothing more can be promised.
    StockDepleted { product_id: Uuid },
    /// Units can be promised again after none could.
    BackInStock { product_id: Uuid, available: i64 },
    /// The order's held lines left with its parcel; nothing is held for it any more.
    ReservationShipped { order_id: Uuid, lines: Vec<ProductQuantity> },
    /// Units that left with a parcel came back (its order was cancelled after it left, and
    /// the carrier returned it): on hand and what can be promised both rise by `quantity`.
    StockReturned {
        product_id: Uuid,
        order_id: Uuid,
        quantity: i64,
        on_hand: i64,
        available: i64,
        low_stock_threshold: i64,
    },
    /// The order's returned parcel is back: its lines are stock on hand again.
    ReservationReturned { order_id: Uuid, lines: Vec<ProductQuantity> },
}

impl DomainEvent for InventoryEvent {
    const TYPES: &'static [&'static str] = &[
        "StockItemOpened",
        "StockAdjusted",
        "StockSetAside",
        "StockReserved",
        "StockReleased",
        "InventoryReserved",
        "OutOfStock",
        "InventoryReleased",
        "ReleaseRepeated",
        "ReservationRefused",
        "StockShipped",
        "ReservationShipped",
        "LowStockThresholdSet",
        "LowStockDetected",
        "StockDepleted",
        "BackInStock",
        "StockReturned",
        "ReservationReturned",
    ];
}

/// One product's stock: on hand = available + reserved + unavailable. Its stream gains
/// events with every order of the product, so it is loaded from a snapshot (its fields, as
/// JSON; change the shape in `snapshots` when they change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StockItem {
    pub(crate) opened: bool,
    pub(crate) on_hand: i64,
    pub(crate) reserved: i64,
    /// On hand but not for sale (damaged, awaiting inspection).
    pub(crate) unavailable: i64,
    pub(crate) low_stock_threshold: i64,
}

impl Default for StockItem {
    fn default() -> Self {
        StockItem { opened: false, on_hand: 0, reserved: 0, unavailable: 0, low_stock_threshold: LOW_STOCK_THRESHOLD }
    }
}

impl StockItem {
    /// Units that can still be promised.
    pub(crate) fn available(&self) -> i64 {
        self.on_hand - self.reserved - self.unavailable
    }

    fn is_low(&self) -> bool {
        self.available() <= self.low_stock_threshold
    }
}

/// `change` to `item`, followed by the alerts it sets off: `LowStockDetected` when what can
/// be promised crosses down to the threshold, `StockDepleted` when it reaches 0,
/// `BackInStock` when it rises above 0 again. Decided on the same state as the change and
/// appended with it, so each crossing is recorded once however many orders race.
pub(crate) fn with_alerts(item: &StockItem, product_id: Uuid, change: InventoryEvent) -> Vec<InventoryEvent> {
    let mut after = item.clone();
    after.evolve(&change);
    let available = after.available();
    let mut events = vec![change];
    if after.is_low() && !item.is_low() {
        events.push(InventoryEvent::LowStockDetected {
            product_id,
            available,
            low_stock_threshold: after.low_stock_threshold,
        });
    }
    match (item.available() > 0, available > 0) {
        (true, false) => events.push(InventoryEvent::StockDepleted { product_id }),
        (false, true) => events.push(InventoryEvent::BackInStock { product_id, available }),
        _ => {}
    }
    events
}

impl Aggregate for StockItem {
    type Event = InventoryEvent;

    fn snapshots() -> Option<Snapshots<Self>> {
        Some(Snapshots::json(1))
    }

    fn evolve(&mut self, event: &InventoryEvent) {
        match event {
            InventoryEvent::StockItemOpened { on_hand, .. } => {
                self.opened = true;
                self.on_hand = *on_hand;
            }
            InventoryEvent::StockAdjusted { delta, unavailable_change, .. } => {
                self.on_hand += delta;
                self.unavailable += unavailable_change;
            }
            InventoryEvent::StockSetAside { delta, .. } => self.unavailable += delta,
            InventoryEvent::StockReserved { quantity, .. } => self.reserved += quantity,
            InventoryEvent::StockReleased { quantity, .. } => self.reserved -= quantity,
            InventoryEvent::StockShipped { quantity, .. } => {
                self.on_hand -= quantity;
                self.reserved -= quantity;
            }
            InventoryEvent::StockReturned { quantity, .. } => self.on_hand += quantity,
            InventoryEvent::LowStockThresholdSet { low_stock_threshold, .. } => {
                self.low_stock_threshold = *low_stock_threshold;
            }
            _ => {}
        }
    }
}

/// Why an admin changed the units on hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AdjustmentReason {
    /// Goods arrived.
    Restock,
    /// Lost or stolen.
    Shrinkage,
    /// Broken; no longer sellable.
    Damage,
    /// An earlier mistake put right.
    Correction,
    /// A stock count found a different number.
    Count,
}

impl AdjustmentReason {
    /// Its name, as recorded and shown.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AdjustmentReason::Restock => "restock",
            AdjustmentReason::Shrinkage => "shrinkage",
            AdjustmentReason::Damage => "damage",
            AdjustmentReason::Correction => "correction",
            AdjustmentReason::Count => "count",
        }
    }
}

/// Why a stock adjustment was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AdjustRejection {
    UnknownProduct,
    /// On hand would drop below the units held for orders and those set aside.
    BelowCommitted {
        on_hand: i64,
        reserved: i64,
        unavailable: i64,
    },
}

/// Decides an adjustment: on hand may never drop below what is held for orders plus what
/// is set aside. Writing off damaged units takes those set aside first.
pub(crate) fn adjust(
    item: &StockItem,
    product_id: Uuid,
    delta: i64,
    reason: AdjustmentReason,
    note: &str,
) -> Result<InventoryEvent, AdjustRejection> {
    if !item.opened {
        return Err(AdjustRejection::UnknownProduct);
    }
    let on_hand = item.on_hand.saturating_add(delta);
    let unavailable_change = match reason {
        AdjustmentReason::Damage if delta < 0 => delta.max(-item.unavailable),
        _ => 0,
    };
    let unavailable = item.unavailable + unavailable_change;
    if on_hand < item.reserved + unavailable {
        return Err(AdjustRejection::BelowCommitted { on_hand, reserved: item.reserved, unavailable });
    }
    Ok(InventoryEvent::StockAdjusted {
        product_id,
        delta,
        reason: reason.as_str().to_owned(),
        note: note.to_owned(),
        on_hand,
        available: on_hand - item.reserved - unavailable,
        low_stock_threshold: item.low_stock_threshold,
        unavailable_change,
    })
}

/// Why setting units aside (or back on sale) was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SetAsideRejection {
    UnknownProduct,
    /// More than can be promised: held and already set-aside units cannot be set aside.
    MoreThanAvailable {
        available: i64,
    },
    /// More put back on sale than are set aside.
    MoreThanSetAside {
        unavailable: i64,
    },
}

/// Decides moving `delta` units from sale to unavailable (negative: back on sale).
pub(crate) fn set_aside(
    item: &StockItem,
    product_id: Uuid,
    delta: i64,
    note: &str,
) -> Result<InventoryEvent, SetAsideRejection> {
    if !item.opened {
        return Err(SetAsideRejection::UnknownProduct);
    }
    if delta > item.available() {
        return Err(SetAsideRejection::MoreThanAvailable { available: item.available().max(0) });
    }
    let unavailable = item.unavailable.saturating_add(delta);
    if unavailable < 0 {
        return Err(SetAsideRejection::MoreThanSetAside { unavailable: item.unavailable });
    }
    Ok(InventoryEvent::StockSetAside {
        product_id,
        delta,
        note: note.to_owned(),
        unavailable,
        available: item.available() - delta,
        low_stock_threshold: item.low_stock_threshold,
    })
}

/// One order's hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// Nothing decided yet.
    #[default]
    None,
    /// These lines are held.
    Held(Vec<ProductQuantity>),
    /// Refused for lack of stock.
    Refused,
    /// Given back (or barred before it was made): these lines.
    Released(Vec<ProductQuantity>),
    /// Left with the order's parcel: these lines.
    Shipped(Vec<ProductQuantity>),
    /// Came back with the order's returned parcel: these lines, on hand again.
    Returned(Vec<ProductQuantity>),
}

impl Aggregate for Reservation {
    type Event = InventoryEvent;

    fn evolve(&mut self, event: &InventoryEvent) {
        match event {
            InventoryEvent::InventoryReserved { lines, .. } => *self = Reservation::Held(lines.clone()),
            InventoryEvent::OutOfStock { .. } => *self = Reservation::Refused,
            // Units that left with the parcel are not released by a cancellation (its empty
            // release only answers the saga): they come back, if at all, with the parcel.
            InventoryEvent::InventoryReleased { .. }
                if matches!(self, Reservation::Shipped(_) | Reservation::Returned(_)) => {}
            InventoryEvent::InventoryReleased { lines, .. } => *self = Reservation::Released(lines.clone()),
            InventoryEvent::ReservationShipped { lines, .. } => *self = Reservation::Shipped(lines.clone()),
            InventoryEvent::ReservationReturned { lines, .. } => *self = Reservation::Returned(lines.clone()),
            _ => {}
        }
    }
}

/// Decides a reservation over the current stock of each line's product (`None` when the
/// product has no stock item): every line held, or an `OutOfStock` naming the short ones.
pub(crate) fn reserve(order_id: Uuid, lines: &[(ProductQuantity, Option<&StockItem>)]) -> Vec<InventoryEvent> {
    let shortages: Vec<Shortage> = lines
        .iter()
        .filter_map(|(line, item)| {
            let available = item.filter(|i| i.opened).map_or(0, StockItem::available);
            (available < i64::from(line.quantity)).then(|| Shortage {
                product_id: line.product_id,
                requested: line.quantity,
                available: u32::try_from(available.max(0)).unwrap_or(u32::MAX),
            })
        })
        .collect();
    if !shortages.is_empty() {
        return vec![InventoryEvent::OutOfStock { order_id, shortages }];
    }
    let mut events: Vec<InventoryEvent> = lines
        .iter()
        .map(|(line, item)| {
            let quantity = i64::from(line.quantity);
            let available = item.map_or(0, StockItem::available) - quantity;
            let low_stock_threshold = item.map_or(LOW_STOCK_THRESHOLD, |item| item.low_stock_threshold);
            InventoryEvent::StockReserved {
                product_id: line.product_id,
                order_id,
                quantity,
                available,
                low_stock_threshold,
            }
        })
        .collect();
    events.push(InventoryEvent::InventoryReserved { order_id, lines: lines.iter().map(|(l, _)| *l).collect() });
    events
}

/// The stream of a product's stock item.
pub(crate) fn stock_stream(product_id: Uuid) -> String {
    format!("stock-{product_id}")
}

/// The stream of an order's reservation.
pub(crate) fn reservation_stream(order_id: Uuid) -> String {
    format!("reservation-{order_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reserved(item: &StockItem, quantity: i64) -> Vec<&'static str> {
        let change = InventoryEvent::StockReserved {
            product_id: Uuid::nil(),
            order_id: Uuid::nil(),
            quantity,
            available: item.available() - quantity,
            low_stock_threshold: item.low_stock_threshold,
        };
        with_alerts(item, Uuid::nil(), change).iter().map(kind).collect()
    }

    fn kind(event: &InventoryEvent) -> &'static str {
        match event {
            InventoryEvent::LowStockDetected { .. } => "low",
            InventoryEvent::StockDepleted { .. } => "depleted",
            InventoryEvent::BackInStock { .. } => "back",
            _ => "change",
        }
    }

    #[test]
    fn an_alert_is_set_off_only_by_crossing_its_line() {
        let item = |available: i64| StockItem {
            opened: true,
            on_hand: available,
            reserved: 0,
            unavailable: 0,
            low_stock_threshold: 5,
        };
        assert_eq!(reserved(&item(8), 2), ["change"], "8 → 6 stays above the threshold");
        assert_eq!(reserved(&item(8), 3), ["change", "low"], "8 → 5 reaches it");
        assert_eq!(reserved(&item(5), 1), ["change"], "already low: no second alert");
        assert_eq!(reserved(&item(8), 8), ["change", "low", "depleted"]);
        assert_eq!(reserved(&item(1), 1), ["change", "depleted"]);
        assert_eq!(reserved(&item(0), -3), ["change", "back"], "units given back");
        assert_eq!(reserved(&item(3), -4), ["change"], "7 is above the threshold, but it never ran out");
    }

    fn item(on_hand: i64, reserved: i64) -> StockItem {
        StockItem { opened: true, on_hand, reserved, unavailable: 0, low_stock_threshold: LOW_STOCK_THRESHOLD }
    }

    fn line(quantity: u32) -> ProductQuantity {
        ProductQuantity { product_id: Uuid::now_v7(), quantity }
    }

    #[test]
    fn units_that_left_stay_gone_through_a_cancellation_and_come_back_with_the_parcel() {
        let (order_id, lines) = (Uuid::now_v7(), vec![line(2)]);
        let mut reservation = Reservation::Held(lines.clone());
        reservation.evolve(&InventoryEvent::ReservationShipped { order_id, lines: lines.clone() });
        reservation.evolve(&InventoryEvent::InventoryReleased { order_id, lines: Vec::new() });
        assert_eq!(reservation, Reservation::Shipped(lines.clone()), "a cancellation's empty release");
        reservation.evolve(&InventoryEvent::ReservationReturned { order_id, lines: lines.clone() });
        assert_eq!(reservation, Reservation::Returned(lines));

        let mut stock = item(8, 0);
        let product_id = Uuid::now_v7();
        let returned = InventoryEvent::StockReturned {
            product_id,
            order_id,
            quantity: 2,
            on_hand: 10,
            available: 10,
            low_stock_threshold: LOW_STOCK_THRESHOLD,
        };
        stock.evolve(&returned);
        assert_eq!((stock.on_hand, stock.available()), (10, 10));
    }

    #[test]
    fn every_line_in_stock_is_held() {
        let (a, b) = (item(10, 2), item(1, 0));
        let events = reserve(Uuid::nil(), &[(line(8), Some(&a)), (line(1), Some(&b))]);
        assert_eq!(events.len(), 3);
        assert!(matches!(events[0], InventoryEvent::StockReserved { quantity: 8, available: 0, .. }));
        assert!(matches!(events[2], InventoryEvent::InventoryReserved { .. }));
    }

    #[test]
    fn one_short_line_holds_nothing() {
        let (a, b) = (item(10, 0), item(3, 2));
        let short = line(2);
        let events = reserve(Uuid::nil(), &[(line(1), Some(&a)), (short, Some(&b))]);
        let expected = Shortage { product_id: short.product_id, requested: 2, available: 1 };
        assert_eq!(events, vec![InventoryEvent::OutOfStock { order_id: Uuid::nil(), shortages: vec![expected] }]);
    }

    #[test]
    fn an_unknown_product_is_out_of_stock() {
        let events = reserve(Uuid::nil(), &[(line(1), None)]);
        assert!(matches!(&events[..], [InventoryEvent::OutOfStock { .. }]));
    }

    #[test]
    fn on_hand_cannot_drop_below_what_is_held() {
        let held = item(5, 4);
        assert_eq!(
            adjust(&held, Uuid::nil(), -2, AdjustmentReason::Count, ""),
            Err(AdjustRejection::BelowCommitted { on_hand: 3, reserved: 4, unavailable: 0 })
        );
        assert!(matches!(
            adjust(&held, Uuid::nil(), -1, AdjustmentReason::Count, ""),
            Ok(InventoryEvent::StockAdjusted { available: 0, .. })
        ));
        assert_eq!(
            adjust(&StockItem::default(), Uuid::nil(), 1, AdjustmentReason::Restock, ""),
            Err(AdjustRejection::UnknownProduct)
        );
    }

    /// 10 on hand, 3 held, 2 set aside: 5 available.
    fn damaged() -> StockItem {
        StockItem { unavailable: 2, ..item(10, 3) }
    }

    #[test]
    fn set_aside_units_are_on_hand_but_cannot_be_promised() {
        let item = damaged();
        assert_eq!(item.available(), 5);
        let events = reserve(Uuid::nil(), &[(line(6), Some(&item))]);
        assert!(matches!(&events[..], [InventoryEvent::OutOfStock { .. }]), "only 5 can be promised");
    }

    #[test]
    fn only_available_units_are_set_aside_and_only_set_aside_ones_put_back() {
        let mut item = damaged();
        assert_eq!(set_aside(&item, Uuid::nil(), 6, ""), Err(SetAsideRejection::MoreThanAvailable { available: 5 }));
        assert_eq!(set_aside(&item, Uuid::nil(), -3, ""), Err(SetAsideRejection::MoreThanSetAside { unavailable: 2 }));
        let aside = set_aside(&item, Uuid::nil(), 5, "dented boxes").unwrap();
        assert!(matches!(aside, InventoryEvent::StockSetAside { unavailable: 7, available: 0, .. }), "{aside:?}");
        item.evolve(&aside);
        assert_eq!((item.on_hand, item.reserved, item.unavailable, item.available()), (10, 3, 7, 0));
        let back = set_aside(&item, Uuid::nil(), -7, "repaired").unwrap();
        item.evolve(&back);
        assert_eq!((item.unavailable, item.available()), (0, 7));
        assert_eq!(set_aside(&StockItem::default(), Uuid::nil(), 1, ""), Err(SetAsideRejection::UnknownProduct));
    }

    #[test]
    fn a_damage_write_off_takes_the_set_aside_units_first() {
        let mut item = damaged();
        let written_off = adjust(&item, Uuid::nil(), -3, AdjustmentReason::Damage, "").unwrap();
        assert!(
            matches!(
                written_off,
                InventoryEvent::StockAdjusted { on_hand: 7, unavailable_change: -2, available: 4, .. }
            ),
            "two set aside, then one of the sellable: {written_off:?}"
        );
        item.evolve(&written_off);
        assert_eq!((item.on_hand, item.reserved, item.unavailable, item.available()), (7, 3, 0, 4));
    }

    #[test]
    fn other_write_offs_leave_the_set_aside_units_alone() {
        let item = damaged();
        let counted = adjust(&item, Uuid::nil(), -5, AdjustmentReason::Count, "").unwrap();
        assert!(matches!(
            counted,
            InventoryEvent::StockAdjusted { on_hand: 5, unavailable_change: 0, available: 0, .. }
        ));
        assert_eq!(
            adjust(&item, Uuid::nil(), -6, AdjustmentReason::Shrinkage, ""),
            Err(AdjustRejection::BelowCommitted { on_hand: 4, reserved: 3, unavailable: 2 })
        );
    }
}
