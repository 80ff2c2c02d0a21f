//! Slice: an admin's list of shipments, newest order first, by status: what is waiting to
//! be handed to the carrier, what is on its way.

use crate::Shipping;
use crate::lifecycle::Stage;
use crate::read_model::{self, ShipmentView};
use axum::extract::State;
use kernel::auth::Admin;
use kernel::error::{ApiError, problems};
use kernel::http::{Json, Page, PageRequest, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<Shipping> {
    OpenApiRouter::new().routes(routes!(list_shipments))
}

/// `?status=&limit=&cursor=` of `GET /shipments`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ShipmentQuery {
    /// Only shipments with this status: `created`, `shipped`, `in_transit`, `delivered`,
    /// `cancelled`, `returning` or `returned`.
    status: Option<String>,
    /// Items per page, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
}

/// Every shipment (admin), newest order first, optionally of one status.
#[utoipa::path(get, path = "/shipments", tag = "shipping", security(("bearer" = [])), params(ShipmentQuery),
    responses((status = 200, description = "A page of shipments", body = Page<ShipmentView>),
        problems::MalformedRequest, problems::NotSignedIn, problems::NotAnAdmin))]
async fn list_shipments(
    State(shipping): State<Shipping>,
    _admin: Admin,
    Query(query): Query<ShipmentQuery>,
) -> Result<Json<Page<ShipmentView>>, ApiError> {
    let page = PageRequest { limit: query.limit, cursor: query.cursor };
    page_of_shipments(&shipping, query.status.as_deref(), &page).await.map(Json)
}

/// A page of every shipment, newest order first, optionally of one `status` (REST's list
/// and GraphQL's `shipments`); an unknown status is a bad request.
pub(crate) async fn page_of_shipments(
    shipping: &Shipping,
    status: Option<&str>,
    page: &PageRequest,
) -> Result<Page<ShipmentView>, ApiError> {
    let status = match status.filter(|status| !status.is_empty()) {
        Some(word) => Some(Stage::named(word).ok_or_else(|| {
            ApiError::bad_request(format!(
                "status `{word}` is not one of created, shipped, in_transit, delivered, cancelled, returning, returned"
            ))
        })?),
        None => None,
    };
    let limit = page.limit()?;
    let rows =
        read_model::shipments(shipping.store.db(), status.map(Stage::as_str), page.cursor_id()?, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |shipment| shipment.order_id.to_string()))
}
