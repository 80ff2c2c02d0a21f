//! The `orders` read model, the price list and the idempotency keys of order placement.

use crate::Orders;
use crate::order::{OrderLine, OrdersEvent};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::Address;
use contracts::shipping_rates::ShippingOption;
use kernel::db::Migration;
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::money::{Currency, Money};
use kernel::projection::Projection;
use kernel::saga::SagaView;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::sync::LazyLock;
use uuid::Uuid;

/// Orders' tables besides the event store.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "orders read model, price list, idempotency keys",
        sqlite: SCHEMA,
        postgres: SCHEMA,
    },
    Migration {
        version: 2,
        description: "the price list follows product status, deletion and the version of each change",
        sqlite: PRICE_LIST_LIFECYCLE,
        postgres: PRICE_LIST_LIFECYCLE,
    },
    Migration { version: 3, description: "the shipping chosen and charged", sqlite: SHIPPING, postgres: SHIPPING },
    Migration {
        version: 4,
        description: "why a cancellation asked for was refused",
        sqlite: CANCELLATION_REFUSED,
        postgres: CANCELLATION_REFUSED,
    },
    Migration { version: 5, description: "admins' refunds of an order", sqlite: REFUNDS, postgres: REFUNDS },
];

/// Admins' refunds of the order as JSON (oldest first), and their sum.
const REFUNDS: &str = "
    alter table orders add column refunds text not null default '[]';
    alter table orders add column refunded_minor bigint not null default 0;
";

/// Why a cancellation asked for was refused (the parcel had left); null otherwise.
const CANCELLATION_REFUSED: &str = "alter table orders add column cancellation_refused text;";

/// The chosen shipping option as JSON; null when none was charged.
const SHIPPING: &str = "alter table orders add column shipping text;";

/// Each kind of change keeps the product stream version it came from, so a late message
/// cannot undo a newer one of its kind.
const PRICE_LIST_LIFECYCLE: &str = "
    alter table price_list add column status text not null default 'active';
    alter table price_list add column deleted integer not null default 0;
    alter table price_list add column details_version bigint not null default 0;
    alter table price_list add column price_version bigint not null default 0;
    alter table price_list add column status_version bigint not null default 0;
";

const SCHEMA: &str = "
    create table orders (
        id text primary key,
        customer_id text not null,
        status text not null,
        lines text not null,
        total_minor bigint not null,
        currency text not null,
        shipping_address text not null,
        payment_method_id text not null,
        payment_id text,
        shipment_id text,
        cancel_code text,
        cancel_message text,
        placed_at text not null,
        updated_at text not null
    );
    create index orders_customer on orders (customer_id, id);
    create table price_list (
        product_id text primary key,
        name text not null,
        price_minor bigint not null,
        currency text not null,
        weight_grams bigint not null
    );
    create table order_idempotency (
        customer_id text not null,
        idempotency_key text not null,
        order_id text not null,
        primary key (customer_id, idempotency_key)
    );
";

/// Keeps `orders` from order events.
pub(crate) struct OrdersProjection;

#[async_trait]
impl Projection for OrdersProjection {
    fn name(&self) -> &'static str {
        "orders"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        let at = kernel::time::format(event.recorded_at);
        let Some(decoded) = event.decode_known::<OrdersEvent>()? else { return Ok(()) };
        let (sql, order_id, a, b): (&str, Uuid, Option<String>, Option<String>) = match decoded {
            OrdersEvent::OrderPlaced {
                order_id,
                customer_id,
                lines,
                total,
                payment_method_id,
                shipping_address,
                shipping,
            } => {
                let shipping = shipping.map(|option| serde_json::to_string(&option)).transpose();
                sqlx::query(
                    "insert into orders (id, customer_id, status, lines, total_minor, currency, shipping_address, \
                     payment_method_id, placed_at, updated_at, shipping) \
                     values ($1, $2, 'placed', $3, $4, $5, $6, $7, $8, $8, $9)",
                )
                .bind(order_id.to_string())
                .bind(customer_id.to_string())
                .bind(serde_json::to_string(&lines).map_err(StoreError::Encode)?)
                .bind(total.amount_minor)
                .bind(total.currency.to_string())
                .bind(serde_json::to_string(&shipping_address).map_err(StoreError::Encode)?)
                .bind(payment_method_id.to_string())
                .bind(at)
                .bind(shipping.map_err(StoreError::Encode)?)
                .execute(conn)
                .await?;
                return Ok(());
            }
            OrdersEvent::OrderConfirmed { order_id, payment_id } => (
                "update orders set status = 'confirmed', payment_id = $2, updated_at = $4 where id = $1",
                order_id,
                Some(payment_id.to_string()),
                None,
            ),
            OrdersEvent::OrderCompleted { order_id, shipment_id } => (
                "update orders set status = 'completed', shipment_id = $2, updated_at = $4 where id = $1",
                order_id,
                Some(shipment_id.to_string()),
                None,
            ),
            OrdersEvent::OrderDelivered { order_id, .. } => {
                ("update orders set status = 'delivered', updated_at = $4 where id = $1", order_id, None, None)
            }
            OrdersEvent::CancellationRequested { order_id, .. } => {
                ("update orders set status = 'cancelling', updated_at = $4 where id = $1", order_id, None, None)
            }
            OrdersEvent::CancellationRefused { order_id, message } => (
                "update orders set status = 'completed', cancellation_refused = $2, updated_at = $4 where id = $1",
                order_id,
                Some(message),
                None,
            ),
            // An answer given again, or the parcel's or the card's news (read by the timeline from the stream).
            OrdersEvent::CancellationRepeated { .. }
            | OrdersEvent::CompletionRepeated { .. }
            | OrdersEvent::ParcelShipped { .. }
            | OrdersEvent::ParcelInTransit { .. }
            | OrdersEvent::ParcelReturning { .. }
            | OrdersEvent::ParcelReturned { .. }
            | OrdersEvent::ChargeRecorded { .. } => return Ok(()),
            OrdersEvent::RefundRecorded { order_id, refund_id, amount, reason } => {
                let refunds: Option<String> = sqlx::query_scalar("select refunds from orders where id = $1")
                    .bind(order_id.to_string())
                    .fetch_optional(&mut *conn)
                    .await?;
                let mut refunds: Vec<OrderRefundView> =
                    serde_json::from_str(refunds.as_deref().unwrap_or("[]")).map_err(StoreError::Decode)?;
                refunds.push(OrderRefundView { id: refund_id, amount, reason, refunded_at: at.clone() });
                sqlx::query(
                    "update orders set refunds = $2, refunded_minor = refunded_minor + $3, updated_at = $4 where id = $1",
                )
                .bind(order_id.to_string())
                .bind(serde_json::to_string(&refunds).map_err(StoreError::Encode)?)
                .bind(amount.amount_minor)
                .bind(at)
                .execute(conn)
                .await?;
                return Ok(());
            }
            OrdersEvent::OrderCancelled { order_id, code, message } => (
                "update orders set status = 'cancelled', cancel_code = $2, cancel_message = $3, updated_at = $4 where id = $1",
                order_id,
                Some(code),
                Some(message),
            ),
        };
        sqlx::query(sql).bind(order_id.to_string()).bind(a).bind(b).bind(at).execute(conn).await?;
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["orders"]
    }
}

/// Records `key` for `customer_id` as placing `order_id`; returns the order an earlier
/// request with the same key placed, if any.
pub(crate) async fn claim_idempotency_key(
    conn: &mut kernel::db::Conn,
    customer_id: Uuid,
    key: &str,
    order_id: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    let inserted = sqlx::query(
        "insert into order_idempotency (customer_id, idempotency_key, order_id) values ($1, $2, $3) \
         on conflict (customer_id, idempotency_key) do nothing",
    )
    .bind(customer_id.to_string())
    .bind(key)
    .bind(order_id.to_string())
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(None);
    }
    let existing: String =
        sqlx::query_scalar("select order_id from order_idempotency where customer_id = $1 and idempotency_key = $2")
            .bind(customer_id.to_string())
            .bind(key)
            .fetch_one(conn)
            .await?;
    Uuid::parse_str(&existing).map(Some).map_err(|e| StoreError::Decode(serde::de::Error::custom(e)))
}

/// A line as the API shows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "OrderLine", complex)]
pub(crate) struct LineView {
    pub(crate) product_id: Uuid,
    name: String,
    unit_price: Money,
    quantity: u32,
    line_total: Money,
}

/// Why an order was cancelled.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Cancellation")]
pub(crate) struct CancellationView {
    code: String,
    message: String,
}

/// Money an admin gave back on an order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "OrderRefund")]
pub(crate) struct OrderRefundView {
    id: Uuid,
    amount: Money,
    /// Why, as the admin wrote it.
    reason: String,
    refunded_at: String,
}

/// An order as the API shows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Order")]
pub(crate) struct OrderView {
    pub(crate) id: Uuid,
    pub(crate) customer_id: Uuid,
    status: String,
    lines: Vec<LineView>,
    /// What the items cost.
    subtotal: Money,
    /// The shipping chosen and its price; `null` when nothing goes to the address.
    shipping: Option<ShippingOption>,
    /// Items and shipping: what is charged.
    total: Money,
    shipping_address: Address,
    payment_method_id: Uuid,
    payment_id: Option<Uuid>,
    shipment_id: Option<Uuid>,
    cancellation: Option<CancellationView>,
    /// Why a cancellation asked for was refused (the parcel had been delivered).
    cancellation_refused: Option<String>,
    /// The cancel-order saga's id, once a cancellation was asked for (its history is at
    /// `GET /admin/sagas/{id}`).
    cancellation_saga_id: Option<Uuid>,
    /// Given back by admins so far (a cancellation's refund of the rest shows in the
    /// order's timeline).
    refunded: Money,
    /// Admins' refunds, oldest first.
    refunds: Vec<OrderRefundView>,
    pub(crate) saga: Option<SagaView>,
    placed_at: String,
    updated_at: String,
}

impl OrderView {
    /// The columns of an order export, in [`OrderView::csv_record`]'s order.
    pub(crate) const CSV_HEADER: [&str; 13] = [
        "number",
        "id",
        "placed_at",
        "updated_at",
        "status",
        "customer_id",
        "items",
        "subtotal",
        "shipping",
        "total",
        "currency",
        "cancellation_code",
        "cancellation_message",
    ];

    /// The order as one row of an export: its number as shoppers see it, amounts in major
    /// units, and why it was cancelled, if it was.
    pub(crate) fn csv_record(&self) -> [String; 13] {
        let id = self.id.simple().to_string();
        let (code, message) =
            self.cancellation.as_ref().map_or_else(Default::default, |c| (c.code.clone(), c.message.clone()));
        [
            id[id.len() - 8..].to_ascii_uppercase(),
            self.id.to_string(),
            self.placed_at.clone(),
            self.updated_at.clone(),
            self.status.clone(),
            self.customer_id.to_string(),
            self.lines.iter().map(|line| u64::from(line.quantity)).sum::<u64>().to_string(),
            self.subtotal.decimal(),
            self.shipping.as_ref().map(|shipping| shipping.price.decimal()).unwrap_or_default(),
            self.total.decimal(),
            self.total.currency.to_string(),
            code,
            message,
        ]
    }
}

fn decode_error(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// The cancel-order saga of order `id`, when one was started: the order is being cancelled,
/// was cancelled on request (its code says who asked), or had a cancellation refused.
fn cancellation_saga_id(id: Uuid, status: &str, code: Option<&str>, refused: bool) -> Option<Uuid> {
    use crate::cancel_order::{CANCELLED_BY_ADMIN, CANCELLED_BY_CUSTOMER};
    let on_request = matches!(code, Some(CANCELLED_BY_CUSTOMER | CANCELLED_BY_ADMIN));
    (status == "cancelling" || on_request || refused).then(|| crate::cancel_order::saga::saga_id(id))
}

fn order_from_row(row: &AnyRow) -> Result<OrderView, sqlx::Error> {
    let uuid = |name: &str| -> Result<Uuid, sqlx::Error> {
        Uuid::parse_str(&row.try_get::<String, _>(name)?).map_err(decode_error)
    };
    let optional_uuid = |name: &str| -> Result<Option<Uuid>, sqlx::Error> {
        row.try_get::<Option<String>, _>(name)?.map(|id| Uuid::parse_str(&id).map_err(decode_error)).transpose()
    };
    let lines: Vec<OrderLine> = serde_json::from_str(&row.try_get::<String, _>("lines")?).map_err(decode_error)?;
    let currency = Currency::parse(&row.try_get::<String, _>("currency")?).map_err(decode_error)?;
    let code: Option<String> = row.try_get("cancel_code")?;
    let message: Option<String> = row.try_get("cancel_message")?;
    let shipping: Option<String> = row.try_get("shipping")?;
    let shipping: Option<ShippingOption> =
        shipping.map(|json| serde_json::from_str(&json)).transpose().map_err(decode_error)?;
    let total = Money::new(row.try_get("total_minor")?, currency);
    let subtotal = match &shipping {
        Some(option) if option.price.currency == currency => {
            Money::new(total.amount_minor - option.price.amount_minor, currency)
        }
        _ => total,
    };
    let (id, status): (Uuid, String) = (uuid("id")?, row.try_get("status")?);
    let refused: Option<String> = row.try_get("cancellation_refused")?;
    Ok(OrderView {
        id,
        customer_id: uuid("customer_id")?,
        status: status.clone(),
        lines: lines
            .into_iter()
            .map(|l| LineView {
                line_total: Money::new(l.unit_price.amount_minor * i64::from(l.quantity), l.unit_price.currency),
                product_id: l.product_id,
                name: l.name,
                unit_price: l.unit_price,
                quantity: l.quantity,
            })
            .collect(),
        subtotal,
        shipping,
        total,
        shipping_address: serde_json::from_str(&row.try_get::<String, _>("shipping_address")?).map_err(decode_error)?,
        payment_method_id: uuid("payment_method_id")?,
        payment_id: optional_uuid("payment_id")?,
        shipment_id: optional_uuid("shipment_id")?,
        cancellation: code.clone().zip(message).map(|(code, message)| CancellationView { code, message }),
        cancellation_saga_id: cancellation_saga_id(id, &status, code.as_deref(), refused.is_some()),
        cancellation_refused: refused,
        refunded: Money::new(row.try_get("refunded_minor")?, currency),
        refunds: serde_json::from_str(&row.try_get::<String, _>("refunds")?).map_err(decode_error)?,
        saga: kernel::saga::decode_view(row.try_get::<Option<String>, _>("saga_view")?.as_deref())
            .map_err(decode_error)?,
        placed_at: row.try_get("placed_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The orders' columns, with each order's saga view read in the same query.
static SELECT_ORDER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select id, customer_id, status, lines, total_minor, currency, shipping_address, payment_method_id, \
         payment_id, shipment_id, cancel_code, cancel_message, placed_at, updated_at, shipping, \
         cancellation_refused, refunds, refunded_minor, {} as saga_view from orders",
        kernel::saga::view_column("orders.id")
    )
});

/// One order with its saga's progress.
pub(crate) async fn order(orders: &Orders, id: Uuid) -> Result<Option<OrderView>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{} where id = $1", *SELECT_ORDER)))
        .bind(id.to_string())
        .fetch_optional(orders.store.db().reader())
        .await?;
    Ok(row.as_ref().map(order_from_row).transpose()?)
}

/// Which orders a list holds, each part optional (`None` holds every order).
#[derive(Debug, Default, Clone)]
pub(crate) struct OrderSelection {
    /// One customer's orders.
    pub(crate) customer: Option<Uuid>,
    /// Orders in this status (as stored).
    pub(crate) status: Option<&'static str>,
    /// Placed at or after this time.
    pub(crate) placed_from: Option<DateTime<Utc>>,
    /// Placed before this time.
    pub(crate) placed_before: Option<DateTime<Utc>>,
    /// The order's reference as shoppers see it: the last hex digits of its id, lower case.
    pub(crate) number: Option<String>,
}

/// Up to `limit` orders of `selection` before `before`, newest first.
pub(crate) async fn orders(
    orders: &Orders,
    selection: &OrderSelection,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<OrderView>, StoreError> {
    let text = |value: Option<String>| value.unwrap_or_default();
    let sql = format!(
        "{} where ($1 = '' or customer_id = $1) and ($2 = '' or id < $2) and ($3 = '' or status = $3) \
         and ($4 = '' or placed_at >= $4) and ($5 = '' or placed_at < $5) and ($6 = '' or id like $6) \
         order by id desc limit $7",
        *SELECT_ORDER
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(text(selection.customer.map(|c| c.to_string())))
        .bind(text(before.map(|b| b.to_string())))
        .bind(selection.status.unwrap_or_default())
        .bind(text(selection.placed_from.map(kernel::time::format)))
        .bind(text(selection.placed_before.map(kernel::time::format)))
        .bind(text(selection.number.as_ref().map(|number| format!("%{number}"))))
        .bind(limit)
        .fetch_all(orders.store.db().reader())
        .await?;
    Ok(rows.iter().map(order_from_row).collect::<Result<Vec<_>, _>>()?)
}
