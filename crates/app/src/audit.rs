//! Whether the platform's books agree across contexts, once every saga has settled: what
//! the test suites assert after each scenario, and what an operator (or the browser suite)
//! asks with `emporium audit`.
//!
//! - I1 stock: each product's reserved units are the units of its completed orders whose
//!   parcels have not left, and with the units set aside never more than on hand;
//! - I2 stock conserved: each product's units on hand are what it was opened with, plus
//!   what admins added or wrote off, less the units of the orders whose parcel left the
//!   warehouse and has not come back (returned to sender);
//! - I3 money: captured minus refunded, plus what is still held by authorizations, at the
//!   card gateway equals the totals of the completed and delivered orders less what admins
//!   gave back on them; and what is still held is exactly the totals of the orders not yet
//!   captured (those whose parcel has not left, when capturing at shipment; none when
//!   capturing at confirmation). Read from the built-in simulator's ledger; with a real
//!   provider, reconcile against its reports instead;
//! - I4 every saga is completed or compensated;
//! - I5 every idempotency key names an order that exists.

use crate::platform::Platform;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Why the audit could not be carried out (as opposed to finding something broken).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A context's database is not part of this platform.
    #[error("the {0} database is not open")]
    NoDatabase(&'static str),
    /// A query failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// An order's lines could not be read.
    #[error("an order's lines do not decode: {0}")]
    Lines(#[from] serde_json::Error),
}

/// An order line, as far as the audit needs it.
#[derive(Deserialize)]
struct HeldLine {
    product_id: String,
    quantity: i64,
}

/// A stock item's opening (`on_hand`) or an admin's adjustment (`delta`; its `on_hand` is
/// the level after it), as far as I2 needs it.
#[derive(Deserialize)]
struct OnHandChange {
    product_id: String,
    on_hand: i64,
    #[serde(default)]
    delta: i64,
}

/// The first invariant broken, in words naming it (`I1`…`I5`), or `None` when all hold.
pub async fn broken_invariant(platform: &Platform) -> Result<Option<String>, AuditError> {
    let db =
        |name: &'static str| platform.database(name).map(|db| db.reader().clone()).ok_or(AuditError::NoDatabase(name));
    let (orders, inventory, payments, shipping) = (db("orders")?, db("inventory")?, db("payments")?, db("shipping")?);
    let unsettled: Vec<(String, String)> =
        sqlx::query_as("select saga_id, status from sagas where status not in ('completed', 'compensated')")
            .fetch_all(&orders)
            .await?;
    if let Some((saga, status)) = unsettled.first() {
        return Ok(Some(format!("I4: saga {saga} is {status}")));
    }
    let completed: Vec<(String, String, i64)> = sqlx::query_as(
        "select id, lines, total_minor - refunded_minor from orders where status in ('completed', 'delivered')",
    )
    .fetch_all(&orders)
    .await?;
    let handed_over: HashSet<String> =
        sqlx::query_scalar("select order_id from shipments where status in ('shipped', 'in_transit', 'delivered')")
            .fetch_all(&shipping)
            .await?
            .into_iter()
            .collect();
    let mut held: HashMap<String, i64> = HashMap::new();
    for (_, lines, _) in completed.iter().filter(|(id, _, _)| !handed_over.contains(id)) {
        for line in serde_json::from_str::<Vec<HeldLine>>(lines)? {
            *held.entry(line.product_id).or_default() += line.quantity;
        }
    }
    let levels: Vec<(String, i64, i64, i64)> =
        sqlx::query_as("select product_id, on_hand, reserved, unavailable from stock_levels")
            .fetch_all(&inventory)
            .await?;
    if let Some(broken) = stock_not_conserved(&orders, &inventory, &shipping, &levels).await? {
        return Ok(Some(broken));
    }
    for (product, on_hand, reserved, unavailable) in levels {
        let expected = held.get(&product).copied().unwrap_or(0);
        if reserved != expected || unavailable < 0 || reserved + unavailable > on_hand {
            return Ok(Some(format!(
                "I1: product {product} has {reserved} reserved and {unavailable} set aside of {on_hand} on hand; \
                 completed orders hold {expected}"
            )));
        }
    }
    if let Some(broken) = money_broken(platform, &payments, &completed, &handed_over).await? {
        return Ok(Some(broken));
    }
    let orphaned: Option<String> = sqlx::query_scalar(
        "select i.idempotency_key from order_idempotency i left join orders o on o.id = i.order_id \
         where o.id is null limit 1",
    )
    .fetch_optional(&orders)
    .await?;
    Ok(orphaned.map(|key| format!("I5: idempotency key {key} names no order")))
}

/// I2, or `None` when it holds: each product of `levels` (product, on hand, …) has on hand
/// what its opening and admins' adjustments put there, less the units that left with parcels
/// and are still away (shipped, in transit, delivered, or on their way back).
async fn stock_not_conserved(
    orders: &kernel::db::Reader,
    inventory: &kernel::db::Reader,
    shipping: &kernel::db::Reader,
    levels: &[(String, i64, i64, i64)],
) -> Result<Option<String>, AuditError> {
    let mut expected: HashMap<String, i64> = HashMap::new();
    let changes: Vec<(String, String)> = sqlx::query_as(
        "select event_type, cast(payload as text) from events \
         where event_type in ('StockItemOpened', 'StockAdjusted')",
    )
    .fetch_all(inventory)
    .await?;
    for (event_type, change) in changes {
        let change: OnHandChange = serde_json::from_str(&change)?;
        let added = if event_type == "StockItemOpened" { change.on_hand } else { change.delta };
        *expected.entry(change.product_id).or_default() += added;
    }
    let away: HashSet<String> = sqlx::query_scalar(
        "select order_id from shipments where status in ('shipped', 'in_transit', 'delivered', 'returning')",
    )
    .fetch_all(shipping)
    .await?
    .into_iter()
    .collect();
    let lines: Vec<(String, String)> = sqlx::query_as("select id, lines from orders").fetch_all(orders).await?;
    for (_, lines) in lines.iter().filter(|(id, _)| away.contains(id)) {
        for line in serde_json::from_str::<Vec<HeldLine>>(lines)? {
            *expected.entry(line.product_id).or_default() -= line.quantity;
        }
    }
    Ok(levels.iter().find_map(|(product, on_hand, _, _)| {
        let should = expected.get(product).copied().unwrap_or(0);
        (*on_hand != should).then(|| {
            format!(
                "I2: product {product} has {on_hand} on hand, but its opening and adjustments less the units \
                 away with parcels leave {should}"
            )
        })
    }))
}

/// I3, or `None` when it holds: what the gateway captured, refunded and still holds against
/// the `completed` orders (id, lines, total less admins' refunds), of which `handed_over`
/// have left with the carrier.
async fn money_broken(
    platform: &Platform,
    payments: &kernel::db::Reader,
    completed: &[(String, String, i64)],
    handed_over: &HashSet<String>,
) -> Result<Option<String>, AuditError> {
    // Charges made at once, before authorizations, count as captured.
    let moved: Vec<(String, i64)> = sqlx::query_as(
        "select case when kind = 'charge' then 'capture' else kind end, cast(coalesce(sum(amount_minor), 0) as bigint) \
         from simulated_gateway_operations where kind in ('charge', 'capture', 'refund') group by 1",
    )
    .fetch_all(payments)
    .await?;
    let total = |kind: &str| moved.iter().find(|(k, _)| k == kind).map_or(0, |(_, sum)| *sum);
    let held: i64 = sqlx::query_scalar(
        "select cast(coalesce(sum(amount_minor), 0) as bigint) from simulated_gateway_operations a \
         where kind = 'authorization' and not exists (select 1 from simulated_gateway_operations c \
         where c.reference = a.result_id and c.kind in ('capture', 'void'))",
    )
    .fetch_one(payments)
    .await?;
    let (captured, refunded) = (total("capture"), total("refund"));
    let kept: i64 = completed.iter().map(|(_, _, total)| total).sum();
    if captured - refunded + held != kept {
        return Ok(Some(format!(
            "I3: captured {captured}, refunded {refunded} and still held {held}, but completed orders keep {kept}"
        )));
    }
    let uncaptured: i64 = match platform.capture_at {
        payments::CaptureAt::Shipment => {
            completed.iter().filter(|(id, _, _)| !handed_over.contains(id)).map(|(_, _, total)| total).sum()
        }
        payments::CaptureAt::Confirmation => 0,
    };
    if held != uncaptured {
        return Ok(Some(format!(
            "I3: {held} is held by authorizations not captured, but the orders not captured yet ({} capture) \
             total {uncaptured}",
            platform.capture_at
        )));
    }
    Ok(None)
}
