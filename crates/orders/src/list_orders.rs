//! Slice: a customer's order history, newest first (an admin sees every order).

use crate::Orders;
use crate::read_model::{self, OrderView};
use axum::extract::State;
use kernel::auth::{Principal, Role};
use kernel::error::ApiError;
use kernel::http::{Json, Page, PageRequest, Query};

/// The caller's orders, newest first (every order, for admins).
#[utoipa::path(get, path = "/orders", tag = "orders", security(("bearer" = [])), params(PageRequest),
    responses((status = 200, description = "A page of orders", body = Page<OrderView>), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn))]
pub(crate) async fn list_orders(
    State(orders): State<Orders>,
    principal: Principal,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<OrderView>>, ApiError> {
    Ok(Json(page_of_orders(&orders, principal, &page).await?))
}

/// A page of the orders `principal` may see (REST and GraphQL alike).
pub(crate) async fn page_of_orders(
    orders: &Orders,
    principal: Principal,
    page: &PageRequest,
) -> Result<Page<OrderView>, ApiError> {
    let limit = page.limit()?;
    let customer = (principal.role != Role::Admin).then_some(principal.user_id);
    let rows = read_model::orders(orders, customer, page.cursor_id()?, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |o| o.id.to_string()))
}
