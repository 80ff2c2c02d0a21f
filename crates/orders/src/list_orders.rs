//! Slices: a customer's order history, newest first, narrowed by status and dates (an
//! admin sees every order, and may also narrow by customer and order number), and the
//! admin's CSV export of the same selection.

use crate::Orders;
use crate::read_model::{self, OrderSelection, OrderView};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::auth::{Admin, Principal, Role};
use kernel::error::{ApiError, Validation};
use kernel::http::{Json, Page, PageRequest, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Orders> {
    OpenApiRouter::new().routes(routes!(export_orders))
}

/// The statuses an order can be listed by, as stored.
const STATUSES: [&str; 6] = ["placed", "confirmed", "completed", "cancelling", "delivered", "cancelled"];

/// `?status=&placed_from=&placed_to=&customer_id=&number=`: which orders a list holds.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams, async_graphql::InputObject)]
#[into_params(parameter_in = Query)]
#[graphql(name = "OrderFilter")]
pub(crate) struct OrderFilter {
    /// Only orders in this status: placed, confirmed, completed, cancelling, delivered or
    /// cancelled.
    status: Option<String>,
    /// Only orders placed on or after this day (`YYYY-MM-DD`, UTC).
    placed_from: Option<String>,
    /// Only orders placed on or before this day (`YYYY-MM-DD`, UTC).
    placed_to: Option<String>,
    /// Only this customer's orders (admins).
    customer_id: Option<Uuid>,
    /// Only the order with this number: the 8 characters shown after `#`, any case (admins).
    number: Option<String>,
}

/// A field's value, unless it was left empty.
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

impl OrderFilter {
    /// The selection `principal` asked for: a customer's own orders only, and only admins
    /// may name a customer or an order number. Empty fields (a form sends every field)
    /// narrow nothing.
    fn selection(&self, principal: &Principal) -> Result<OrderSelection, ApiError> {
        let admin = principal.role == Role::Admin;
        if !admin && (self.customer_id.is_some() || given(&self.number).is_some()) {
            return Err(ApiError::forbidden("only admins narrow orders by customer or order number"));
        }
        let mut v = Validation::new();
        let status = given(&self.status).map(|status| STATUSES.iter().copied().find(|known| *known == status));
        if status.is_some_and(|known| known.is_none()) {
            v.fail("status", format!("must be one of {}", STATUSES.join(", ")));
        }
        let day = |field: &Option<String>, name: &str, v: &mut Validation| {
            let parsed = given(field).map(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d"));
            if parsed.as_ref().is_some_and(Result::is_err) {
                v.fail(name, "must be a day written YYYY-MM-DD");
            }
            parsed.and_then(Result::ok)
        };
        let from = day(&self.placed_from, "placed_from", &mut v);
        let to = day(&self.placed_to, "placed_to", &mut v);
        if let (Some(from), Some(to)) = (from, to) {
            v.check(from <= to, "placed_to", "must not be before the first day");
        }
        let number = given(&self.number).map(str::to_ascii_lowercase);
        if let Some(number) = &number {
            v.check(
                number.len() == 8 && number.chars().all(|c| c.is_ascii_hexdigit()),
                "number",
                "must be the 8 characters shown after # (0-9, A-F)",
            );
        }
        v.finish()?;
        let midnight =
            |day: NaiveDate| DateTime::<Utc>::from_naive_utc_and_offset(day.and_time(chrono::NaiveTime::MIN), Utc);
        Ok(OrderSelection {
            customer: if admin { self.customer_id } else { Some(principal.user_id) },
            status: status.flatten(),
            placed_from: from.map(midnight),
            placed_before: to.and_then(|day| day.succ_opt()).map(midnight),
            number,
        })
    }
}

/// The caller's orders, newest first (every order, for admins), narrowed by the filter.
#[utoipa::path(get, path = "/orders", tag = "orders", security(("bearer" = [])), params(PageRequest, OrderFilter),
    responses((status = 200, description = "A page of orders", body = Page<OrderView>), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::InvalidRequest))]
pub(crate) async fn list_orders(
    State(orders): State<Orders>,
    principal: Principal,
    Query(page): Query<PageRequest>,
    Query(filter): Query<OrderFilter>,
) -> Result<Json<Page<OrderView>>, ApiError> {
    Ok(Json(page_of_orders(&orders, principal, &page, &filter).await?))
}

/// A page of the orders `principal` may see that `filter` holds (REST and GraphQL alike).
pub(crate) async fn page_of_orders(
    orders: &Orders,
    principal: Principal,
    page: &PageRequest,
    filter: &OrderFilter,
) -> Result<Page<OrderView>, ApiError> {
    let limit = page.limit()?;
    let selection = filter.selection(&principal)?;
    let rows = read_model::orders(orders, &selection, page.cursor_id()?, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |o| o.id.to_string()))
}

/// The most orders one export holds; a wider selection is refused, to be narrowed.
const EXPORT_LIMIT: usize = 50_000;

/// Every order the filter holds as CSV, newest first (admin): one row per order with its
/// number, times, status, customer, amounts and, for a cancelled one, why.
#[utoipa::path(get, path = "/orders/export", tag = "orders", security(("bearer" = [])), params(OrderFilter),
    responses((status = 200, description = "The orders as CSV", body = String, content_type = "text/csv"), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::InvalidRequest))]
async fn export_orders(
    State(orders): State<Orders>,
    Admin(admin): Admin,
    Query(filter): Query<OrderFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let selection = filter.selection(&admin)?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(OrderView::CSV_HEADER).map_err(|e| ApiError::internal(&e))?;
    let (mut before, mut written) = (None, 0);
    loop {
        let batch = read_model::orders(&orders, &selection, before, 500).await?;
        let Some(last) = batch.last() else { break };
        before = Some(last.id);
        written += batch.len();
        if written > EXPORT_LIMIT {
            let mut v = Validation::new();
            v.fail("placed_from", format!("more than {EXPORT_LIMIT} orders match; narrow the dates or the status"));
            v.finish()?;
        }
        for order in &batch {
            csv.write_record(order.csv_record()).map_err(|e| ApiError::internal(&e))?;
        }
    }
    let body = csv.into_inner().map_err(|e| ApiError::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"orders.csv\""),
        ],
        body,
    ))
}
