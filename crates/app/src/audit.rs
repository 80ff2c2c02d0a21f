//! Whether the platform's books agree across contexts, once every saga has settled: what
//! the test suites assert after each scenario, and what an operator (or the browser suite)
//! asks with `emporium audit`.
//!
//! - I1 stock: each product's reserved units are the units of its completed orders whose
//!   parcels have not left, and with the units set aside never more than on hand;
//! - I3 money: charged minus refunded at the card gateway equals the totals of the
//!   completed and delivered orders less what admins gave back on them (read from the built-in simulator's ledger; with a real
//!   provider, reconcile against its reports instead);
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
    for (product, on_hand, reserved, unavailable) in levels {
        let expected = held.get(&product).copied().unwrap_or(0);
        if reserved != expected || unavailable < 0 || reserved + unavailable > on_hand {
            return Ok(Some(format!(
                "I1: product {product} has {reserved} reserved and {unavailable} set aside of {on_hand} on hand; \
                 completed orders hold {expected}"
            )));
        }
    }
    let moved: Vec<(String, i64)> = sqlx::query_as(
        "select kind, cast(coalesce(sum(amount_minor), 0) as bigint) from simulated_gateway_operations \
         where kind in ('charge', 'refund') group by kind",
    )
    .fetch_all(&payments)
    .await?;
    let total = |kind: &str| moved.iter().find(|(k, _)| k == kind).map_or(0, |(_, sum)| *sum);
    let kept: i64 = completed.iter().map(|(_, _, total)| total).sum();
    if total("charge") - total("refund") != kept {
        return Ok(Some(format!(
            "I3: charged {} and refunded {}, but completed orders keep {kept}",
            total("charge"),
            total("refund")
        )));
    }
    let orphaned: Option<String> = sqlx::query_scalar(
        "select i.idempotency_key from order_idempotency i left join orders o on o.id = i.order_id \
         where o.id is null limit 1",
    )
    .fetch_optional(&orders)
    .await?;
    Ok(orphaned.map(|key| format!("I5: idempotency key {key} names no order")))
}
