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
];

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

    async fn apply(&self, conn: &mut sqlx::AnyConnection, event: &RecordedEvent) -> Result<(), StoreError> {
        let at = kernel::time::format(event.recorded_at);
        let Some(decoded) = event.decode_known::<PaymentsEvent>()? else { return Ok(()) };
        type Row<'a> = (Uuid, Uuid, Option<Uuid>, Option<Money>, &'a str, Option<String>, Option<String>);
        let row: Row<'_> = match decoded {
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
            PaymentsEvent::PaymentProcessed { payment_id, order_id, customer_id, amount, .. } => {
                (payment_id, order_id, Some(customer_id), Some(amount), "processed", None, None)
            }
            PaymentsEvent::PaymentFailed { payment_id, order_id, customer_id, amount, code, message } => {
                (payment_id, order_id, Some(customer_id), Some(amount), "failed", Some(code), Some(message))
            }
            PaymentsEvent::PaymentRefunded { payment_id, order_id, .. } => {
                (payment_id, order_id, None, None, "refunded", None, None)
            }
            PaymentsEvent::PaymentVoided { payment_id, order_id } => {
                (payment_id, order_id, None, None, "voided", None, None)
            }
            // An answer given again, or a late charge refused or given back: the payment is as it was.
            PaymentsEvent::PaymentResumed { .. }
            | PaymentsEvent::RefundRepeated { .. }
            | PaymentsEvent::LateChargeRefunded { .. }
            | PaymentsEvent::ChargeRefused { .. } => return Ok(()),
        };
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

    fn tables(&self) -> &'static [&'static str] {
        &["payment_methods", "payments"]
    }
}

fn uuid(text: String) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A saved card as its owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
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

/// A payment as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Payment")]
pub(crate) struct PaymentView {
    pub(crate) id: Uuid,
    pub(crate) order_id: Uuid,
    #[serde(skip)]
    #[graphql(skip)]
    pub(crate) customer_id: Option<Uuid>,
    pub(crate) amount: Option<Money>,
    pub(crate) status: String,
    pub(crate) failure: Option<FailureView>,
    pub(crate) updated_at: String,
}

/// One payment.
pub(crate) async fn payment(db: &Db, id: Uuid) -> Result<Option<PaymentView>, sqlx::Error> {
    let row = sqlx::query(
        "select id, order_id, customer_id, amount_minor, currency, status, failure_code, failure_message, updated_at \
         from payments where id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        let amount_minor: Option<i64> = row.try_get("amount_minor")?;
        let currency: Option<String> = row.try_get("currency")?;
        let amount = match (amount_minor, currency) {
            (Some(minor), Some(code)) => {
                Some(Money::new(minor, Currency::parse(&code).map_err(|e| sqlx::Error::Decode(Box::new(e)))?))
            }
            _ => None,
        };
        let code: Option<String> = row.try_get("failure_code")?;
        let message: Option<String> = row.try_get("failure_message")?;
        Ok(PaymentView {
            id: uuid(row.try_get("id")?)?,
            order_id: uuid(row.try_get("order_id")?)?,
            customer_id: row.try_get::<Option<String>, _>("customer_id")?.map(uuid).transpose()?,
            amount,
            status: row.try_get("status")?,
            failure: code.zip(message).map(|(code, message)| FailureView { code, message }),
            updated_at: row.try_get("updated_at")?,
        })
    })
    .transpose()
}
