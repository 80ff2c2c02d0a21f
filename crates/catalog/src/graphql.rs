//! Catalog's part of the GraphQL schema: browsing products and categories, with the same
//! read model and answers as the REST slices (`list_products`, `get_product`, `categories`).

use crate::Catalog;
use crate::list_products::page_of_products;
use crate::read_model::{self, CategoryView, ProductView};
use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, Object, Result, ResultExt};
use kernel::error::ApiError;
use kernel::graphql::{connection, page_request};
use uuid::Uuid;

/// Catalog's queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// Products in a stable order, a page at a time (`first`: 1..=100, default 20; `after`:
    /// the `endCursor` of the previous page), optionally of one category. Costs its fields
    /// once per product asked for.
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        category: Option<Uuid>,
    ) -> Result<Connection<String, ProductView>> {
        let catalog = kernel::graphql::state::<Catalog>(ctx)?;
        let after_given = after.is_some();
        let page = page_of_products(catalog, &page_request(first, after), category).await.extend()?;
        Ok(connection(page, after_given, |product| product.id.to_string()))
    }

    /// One product; `NOT_FOUND` when there is none with this id.
    async fn product(&self, ctx: &Context<'_>, id: Uuid) -> Result<ProductView> {
        let catalog = kernel::graphql::state::<Catalog>(ctx)?;
        read_model::product(catalog.store.db(), id)
            .await
            .map_err(ApiError::from)
            .and_then(|product| product.ok_or_else(|| ApiError::not_found(format!("no product {id}"))))
            .map_err(|error| error.extend())
    }

    /// Every category, by name.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<CategoryView>> {
        let catalog = kernel::graphql::state::<Catalog>(ctx)?;
        read_model::categories(catalog.store.db()).await.map_err(ApiError::from).extend()
    }
}
