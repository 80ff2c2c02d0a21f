//! Slice: anyone browses the catalog, a page at a time, optionally by category.

use crate::Catalog;
use crate::read_model::{self, ProductView};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::error::ApiError;
use kernel::http::{Json, Page, PageRequest, Query};
use serde::Deserialize;
use uuid::Uuid;

/// `?limit=&cursor=&category=` (no `serde(flatten)`: it loses query-string number parsing).
#[derive(Debug, Deserialize)]
struct ListProducts {
    limit: Option<i64>,
    cursor: Option<String>,
    category: Option<Uuid>,
}

pub(crate) fn routes() -> Router<Catalog> {
    Router::new().route("/products", get(list_products))
}

async fn list_products(
    State(catalog): State<Catalog>,
    Query(query): Query<ListProducts>,
) -> Result<Json<Page<ProductView>>, ApiError> {
    let page = PageRequest { limit: query.limit, cursor: query.cursor };
    let limit = page.limit()?;
    let after = page.cursor_id()?;
    let rows = read_model::products(catalog.store.db(), after, query.category, limit + 1).await?;
    Ok(Json(Page::from_rows(rows, limit, |p| p.id.to_string())))
}
