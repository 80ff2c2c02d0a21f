//! The `payment_methods` and `payments` read models.

use crate::payment::PaymentsEvent;
use async_trait::async_trait;
use kernel::db::{Db, Migration};
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::money::{Currency, Money};
use kernel::projection::Projection;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// Read-model tables.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "payment methods and payments read models", sqlite: SCHEMA, postgres: SCHEMA },
    Migration { version: 2, description: "a default card per customer", sqlite: DEFAULT_CARD, postgres: DEFAULT_CARD },
    Migration { version: 3, description: "refunds of payments", sqlite: REFUNDS, postgres: REFUNDS },
    Migration { version: 4, description: "captured amounts of payments", sqlite: CAPTURED, postgres: CAPTURED },
];

/// What each payment captured (charged): before authorizations, every processed payment
/// was charged at once.
const CAPTURED: &str = "
    alter table payments add column captured_minor bigint not null default 0;
    update payments set captured_minor = amount_minor where status in ('processed', 'refunding', 'refunded');
";

/// What each payment gave back in all, and each refund an admin asked for.
const REFUNDS: &str = "
    alter table payments add column refunded_minor bigint not null default 0;
    create table payment_refunds (
        id text primary key,
        payment_id text not null,
        amount_minor bigint not null,
        currency text not null,
        reason text not null,
        status text not null,
        failure_message text,
        requested_by text not null,
        requested_at text not null,
        updated_at text not null
    );
    create index payment_refunds_payment on payment_refunds (payment_id, requested_at);
";

/// Each customer's oldest card becomes their default, as a card saved first does from now on.
const DEFAULT_CARD: &str = "
    alter table payment_methods add column is_default integer not null default 0;
    update payment_methods set is_default = 1
        where id in (select min(id) from payment_methods group by customer_id);
";

const SCHEMA: &str = "
    create table payment_methods (
        id text primary key,
        customer_id text not null,
        brand text not null,
        last4 text not null,
        exp_month integer not null,
        exp_year integer not null,
        holder_name text not null,
        created_at text not null
    );
    create index payment_methods_customer on payment_methods (customer_id, id);
    create table payments (
        id text primary key,
        order_id text not null,
        customer_id text,
        amount_minor bigint,
        currency text,
        status text not null,
        failure_code text,
        failure_message text,
        updated_at text not null
    );
";

/// Keeps both tables from payments events.
pub(crate) struct PaymentsProjection;

fn upsert_payment() -> &'static str {
    "insert into payments (id, order_id, customer_id, amount_minor, currency, status, failure_code, failure_message, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (id) do update set status = excluded.status, \
     failure_code = excluded.failure_code, failure_message = excluded.failure_message, updated_at = excluded.updated_at, \
     customer_id = coalesce(excluded.customer_id, payments.customer_id), \
     amount_minor = coalesce(excluded.amount_minor, payments.amount_minor), \
     currency = coalesce(excluded.currency, payments.currency)"
}

#[async_trait]
impl Projection for PaymentsProjection {
    fn name(&self) -> &'static str {
        "payments"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        let at = kernel::time::format(event.recorded_at);
        let Some(decoded) = event.decode_known::<PaymentsEvent>()? else { return Ok(()) };
        let row: PaymentRow<'_> = match decoded {
            PaymentsEvent::PaymentMethodAdded {
                payment_method_id,
                customer_id,
                brand,
                last4,
                exp_month,
                exp_year,
                holder_name,
                ..
            } => {
                // A customer's first card is their default.
                sqlx::query(
                    "insert into payment_methods (id, customer_id, brand, last4, exp_month, exp_year, holder_name, created_at, is_default) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, \
                     case when exists (select 1 from payment_methods where customer_id = $2 and is_default = 1) then 0 else 1 end)",
                )
                .bind(payment_method_id.to_string())
                .bind(customer_id.to_string())
                .bind(brand)
                .bind(last4)
                .bind(i32::try_from(exp_month).unwrap_or_default())
                .bind(exp_year)
                .bind(holder_name)
                .bind(at)
                .execute(conn)
                .await?;
                return Ok(());
            }
            PaymentsEvent::PaymentMethodRemoved { payment_method_id, customer_id } => {
                sqlx::query("delete from payment_methods where id = $1")
                    .bind(payment_method_id.to_string())
                    .execute(&mut *conn)
                    .await?;
                // A customer with cards always has a default: the newest when theirs went.
                sqlx::query(
                    "update payment_methods set is_default = 1 \
                     where id = (select max(id) from payment_methods where customer_id = $1) \
                     and not exists (select 1 from payment_methods where customer_id = $1 and is_default = 1)",
                )
                .bind(customer_id.to_string())
                .execute(conn)
                .await?;
                return Ok(());
            }
            PaymentsEvent::PaymentMethodMadeDefault { payment_method_id, customer_id } => {
                sqlx::query("update payment_methods set is_default = case when id = $1 then 1 else 0 end where customer_id = $2")
                    .bind(payment_method_id.to_string())
                    .bind(customer_id.to_string())
                    .execute(conn)
                    .await?;
                return Ok(());
            }
            PaymentsEvent::PaymentInitiated { payment_id, order_id, customer_id, amount, .. } => {
                (payment_id, order_id, Some(customer_id), Some(amount), "pending", None, None)
            }
            PaymentsEvent::PaymentAuthorized { payment_id, order_id, customer_id, amount, .. } => {
                (payment_id, order_id, Some(customer_id), Some(amount), "authorized", None, None)
            }
            PaymentsEvent::PaymentCaptured { payment_id, amount, .. } => {
                return mark_captured(conn, payment_id, amount, &at).await;
            }
            PaymentsEvent::PaymentProcessed { payment_id, order_id, customer_id, amount, .. } => {
                let row = (payment_id, order_id, Some(customer_id), Some(amount), "processed", None, None);
                upsert(&mut *conn, row, &at).await?;
                return mark_captured(conn, payment_id, amount, &at).await;
            }
            PaymentsEvent::AuthorizationVoided { payment_id, order_id, .. } => {
                (payment_id, order_id, None, None, "released", None, None)
            }
            PaymentsEvent::PaymentFailed { payment_id, order_id, customer_id, amount, code, message } => {
                (payment_id, order_id, Some(customer_id), Some(amount), "failed", Some(code), Some(message))
            }
            PaymentsEvent::PaymentRefunded { payment_id, amount, .. } => {
                return add_refunded(conn, payment_id, Some("refunded"), amount, &at).await;
            }
            PaymentsEvent::RestRefundBegun { payment_id, order_id, .. } => {
                (payment_id, order_id, None, None, "refunding", None, None)
            }
            PaymentsEvent::RefundRequested { payment_id, refund_id, amount, reason, requested_by, .. } => {
                sqlx::query(
                    "insert into payment_refunds (id, payment_id, amount_minor, currency, reason, status, requested_by, \
                     requested_at, updated_at) values ($1, $2, $3, $4, $5, 'pending', $6, $7, $7)",
                )
                .bind(refund_id.to_string())
                .bind(payment_id.to_string())
                .bind(amount.amount_minor)
                .bind(amount.currency.to_string())
                .bind(reason)
                .bind(requested_by.to_string())
                .bind(at)
                .execute(conn)
                .await?;
                return Ok(());
            }
            PaymentsEvent::RefundSucceeded { payment_id, refund_id, amount, .. } => {
                settle_refund(&mut *conn, refund_id, "succeeded", None, &at).await?;
                return add_refunded(conn, payment_id, None, amount, &at).await;
            }
            PaymentsEvent::RefundFailed { refund_id, message, .. } => {
                return settle_refund(conn, refund_id, "failed", Some(message), &at).await;
            }
            PaymentsEvent::PaymentVoided { payment_id, order_id } => {
                (payment_id, order_id, None, None, "voided", None, None)
            }
            // An answer given again, or a late charge refused or given back: the payment is as it was.
            PaymentsEvent::PaymentResumed { .. }
            | PaymentsEvent::RefundRepeated { .. }
            | PaymentsEvent::LateChargeRefunded { .. }
            | PaymentsEvent::LateAuthorizationVoided { .. }
            | PaymentsEvent::ChargeRefused { .. } => return Ok(()),
        };
        upsert(conn, row, &at).await
    }

    fn tables(&self) -> &'static [&'static str] {
        &["payment_methods", "payments", "payment_refunds"]
    }
}

/// A payment's row as one event sets it: payment, order, customer, amount, status and
/// failure code and message (`None`: as it was).
type PaymentRow<'a> = (Uuid, Uuid, Option<Uuid>, Option<Money>, &'a str, Option<String>, Option<String>);

/// Inserts or moves a payment's row.
async fn upsert(conn: &mut kernel::db::Conn, row: PaymentRow<'_>, at: &str) -> Result<(), StoreError> {
    let (payment_id, order_id, customer_id, amount, status, code, message) = row;
    sqlx::query(upsert_payment())
        .bind(payment_id.to_string())
        .bind(order_id.to_string())
        .bind(customer_id.map(|c| c.to_string()))
        .bind(amount.map(|a| a.amount_minor))
        .bind(amount.map(|a| a.currency.to_string()))
        .bind(status)
        .bind(code)
        .bind(message)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that `amount` of payment `payment_id` was captured.
async fn mark_captured(
    conn: &mut kernel::db::Conn,
    payment_id: Uuid,
    amount: Money,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("update payments set captured_minor = $2, status = 'processed', updated_at = $3 where id = $1")
        .bind(payment_id.to_string())
        .bind(amount.amount_minor)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds `amount` to what payment `payment_id` gave back, moving it to `status` if given.
async fn add_refunded(
    conn: &mut kernel::db::Conn,
    payment_id: Uuid,
    status: Option<&str>,
    amount: Money,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "update payments set refunded_minor = refunded_minor + $2, status = coalesce($3, status), updated_at = $4 \
         where id = $1",
    )
    .bind(payment_id.to_string())
    .bind(amount.amount_minor)
    .bind(status)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the gateway's answer to an admin's refund.
async fn settle_refund(
    conn: &mut kernel::db::Conn,
    refund_id: Uuid,
    status: &str,
    failure: Option<String>,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("update payment_refunds set status = $2, failure_message = $3, updated_at = $4 where id = $1")
        .bind(refund_id.to_string())
        .bind(status)
        .bind(failure)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

fn uuid(text: String) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A saved card as its owner sees it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "PaymentMethod")]
pub(crate) struct PaymentMethodView {
    pub(crate) id: Uuid,
    pub(crate) brand: String,
    pub(crate) last4: String,
    pub(crate) exp_month: i32,
    pub(crate) exp_year: i32,
    pub(crate) holder_name: String,
    pub(crate) created_at: String,
    /// The card checkout offers first; a customer with cards has exactly one.
    pub(crate) is_default: bool,
}

fn method_from_row(row: &AnyRow) -> Result<PaymentMethodView, sqlx::Error> {
    Ok(PaymentMethodView {
        id: uuid(row.try_get("id")?)?,
        brand: row.try_get("brand")?,
        last4: row.try_get("last4")?,
        exp_month: row.try_get("exp_month")?,
        exp_year: row.try_get("exp_year")?,
        holder_name: row.try_get("holder_name")?,
        created_at: row.try_get("created_at")?,
        is_default: row.try_get::<i32, _>("is_default")? != 0,
    })
}

const SELECT_METHOD: &str =
    "select id, brand, last4, exp_month, exp_year, holder_name, created_at, is_default from payment_methods";

/// A customer's saved cards, oldest first (the default is flagged, not moved, so the list
/// does not reorder under the customer's hand).
pub(crate) async fn payment_methods(db: &Db, customer_id: Uuid) -> Result<Vec<PaymentMethodView>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_METHOD} where customer_id = $1 order by id")))
        .bind(customer_id.to_string())
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(method_from_row).collect()
}

/// One saved card.
pub(crate) async fn payment_method(db: &Db, id: Uuid) -> Result<Option<PaymentMethodView>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_METHOD} where id = $1")))
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(method_from_row).transpose()
}

/// Why a payment failed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "PaymentFailure")]
pub(crate) struct FailureView {
    code: String,
    message: String,
}

/// A refund an admin asked for.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "PaymentRefund")]
pub(crate) struct RefundView {
    pub(crate) id: Uuid,
    pub(crate) payment_id: Uuid,
    pub(crate) amount: Money,
    /// Why, as the admin wrote it.
    pub(crate) reason: String,
    /// `pending` (the gateway has not answered yet), `succeeded` or `failed`.
    pub(crate) status: String,
    /// Why the gateway refused it, when it did.
    pub(crate) failure: Option<String>,
    pub(crate) requested_at: String,
    pub(crate) updated_at: String,
}

/// A payment as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Payment")]
pub(crate) struct PaymentView {
    pub(crate) id: Uuid,
    pub(crate) order_id: Uuid,
    #[serde(skip)]
    #[graphql(skip)]
    pub(crate) customer_id: Option<Uuid>,
    /// The order's total: what is held, then charged.
    pub(crate) amount: Option<Money>,
    /// `pending` (being authorized), `authorized` (held on the card, not charged),
    /// `processed` (captured), `failed`, `refunding`, `refunded`, `released` (cancelled
    /// before its capture: the hold was released) or `voided` (cancelled before anything
    /// was held).
    pub(crate) status: String,
    /// Held on the card and not captured yet (zero unless the payment is `authorized`).
    pub(crate) authorized: Option<Money>,
    /// Charged to the card: what refunds may give back.
    pub(crate) captured: Option<Money>,
    pub(crate) failure: Option<FailureView>,
    /// Given back so far: admins' refunds, and a cancellation's refund of the rest.
    pub(crate) refunded: Option<Money>,
    /// What an admin may still give back (zero unless the payment is `processed`).
    pub(crate) refundable: Option<Money>,
    /// Admins' refunds, oldest first.
    pub(crate) refunds: Vec<RefundView>,
    pub(crate) updated_at: String,
}

fn money(minor: i64, code: &str) -> Result<Money, sqlx::Error> {
    Ok(Money::new(minor, Currency::parse(code).map_err(|e| sqlx::Error::Decode(Box::new(e)))?))
}

const SELECT_REFUND: &str = "select id, payment_id, amount_minor, currency, reason, status, failure_message, \
     requested_at, updated_at from payment_refunds";

fn refund_from_row(row: &AnyRow) -> Result<RefundView, sqlx::Error> {
    Ok(RefundView {
        id: uuid(row.try_get("id")?)?,
        payment_id: uuid(row.try_get("payment_id")?)?,
        amount: money(row.try_get("amount_minor")?, &row.try_get::<String, _>("currency")?)?,
        reason: row.try_get("reason")?,
        status: row.try_get("status")?,
        failure: row.try_get("failure_message")?,
        requested_at: row.try_get("requested_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// One admin's refund.
pub(crate) async fn refund(db: &Db, id: Uuid) -> Result<Option<RefundView>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_REFUND} where id = $1")))
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(refund_from_row).transpose()
}

/// One payment, with its admins' refunds.
pub(crate) async fn payment(db: &Db, id: Uuid) -> Result<Option<PaymentView>, sqlx::Error> {
    let row = sqlx::query(
        "select id, order_id, customer_id, amount_minor, currency, status, failure_code, failure_message, updated_at, \
         refunded_minor, captured_minor from payments where id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let refunds =
        sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_REFUND} where payment_id = $1 order by requested_at, id")))
            .bind(id.to_string())
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(refund_from_row)
            .collect::<Result<Vec<_>, _>>()?;
    let amount_minor: Option<i64> = row.try_get("amount_minor")?;
    let currency: Option<String> = row.try_get("currency")?;
    let amount = amount_minor.zip(currency).map(|(minor, code)| money(minor, &code)).transpose()?;
    let status: String = row.try_get("status")?;
    let refunded_minor: i64 = row.try_get("refunded_minor")?;
    let refunded = amount.map(|amount| Money::new(refunded_minor, amount.currency));
    let captured_minor: i64 = row.try_get("captured_minor")?;
    let captured = amount.map(|amount| Money::new(captured_minor, amount.currency));
    let authorized =
        amount.map(|amount| Money::new(if status == "authorized" { amount.amount_minor } else { 0 }, amount.currency));
    let refundable = amount.zip(refunded).map(|(amount, refunded)| {
        let pending: i64 =
            refunds.iter().filter(|refund| refund.status == "pending").map(|refund| refund.amount.amount_minor).sum();
        let left = if status == "processed" { captured_minor - refunded.amount_minor - pending } else { 0 };
        Money::new(left.max(0), amount.currency)
    });
    let code: Option<String> = row.try_get("failure_code")?;
    let message: Option<String> = row.try_get("failure_message")?;
    Ok(Some(PaymentView {
        id: uuid(row.try_get("id")?)?,
        order_id: uuid(row.try_get("order_id")?)?,
        customer_id: row.try_get::<Option<String>, _>("customer_id")?.map(uuid).transpose()?,
        amount,
        status,
        failure: code.zip(message).map(|(code, message)| FailureView { code, message }),
        authorized,
        captured,
        refunded,
        refundable,
        refunds,
        updated_at: row.try_get("updated_at")?,
    }))
}
