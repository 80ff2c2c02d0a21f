//! Catalog's part of the GraphQL schema: browsing products and categories, and an admin's
//! additions, with the same read model, rules and answers as the REST slices
//! (`list_products`, `get_product`, `categories`, `create_product`); and the product lookup
//! other contexts' fields follow (an order line's product).

use crate::Catalog;
use crate::categories::{NewCategory, add_category};
use crate::create_product::{NewProduct, create};
use crate::list_products::page_of_products;
use crate::read_model::{self, CategoryView, ProductView};
use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, Object, Result, ResultExt};
use contracts::views::{PRODUCT_BATCH, ProductLookup};
use kernel::db::Db;
use kernel::error::ApiError;
use kernel::graphql::{admin, connection, page_request, state};
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
        let catalog = state::<Catalog>(ctx)?;
        let after_given = after.is_some();
        let page = page_of_products(catalog, &page_request(first, after), category).await.extend()?;
        Ok(connection(page, after_given, |product| product.id.to_string()))
    }

    /// One product; `NOT_FOUND` when there is none with this id.
    async fn product(&self, ctx: &Context<'_>, id: Uuid) -> Result<ProductView> {
        let catalog = state::<Catalog>(ctx)?;
        read_model::product(catalog.store.db(), id)
            .await
            .map_err(ApiError::from)
            .and_then(|product| product.ok_or_else(|| ApiError::not_found(format!("no product {id}"))))
            .map_err(|error| error.extend())
    }

    /// Every category, by name.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<CategoryView>> {
        let catalog = state::<Catalog>(ctx)?;
        read_model::categories(catalog.store.db()).await.map_err(ApiError::from).extend()
    }
}

/// Catalog's mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Add a product (admin). Its SKU is normalised to upper case and must be new
    /// (`CONFLICT` otherwise); every invalid field is named in `BAD_USER_INPUT`.
    async fn create_product(&self, ctx: &Context<'_>, input: NewProduct) -> Result<ProductView> {
        let principal = admin(ctx)?;
        create(state::<Catalog>(ctx)?, principal, input).await.extend()
    }

    /// Add a category (admin); its slug must be new (`CONFLICT` otherwise).
    async fn create_category(&self, ctx: &Context<'_>, input: NewCategory) -> Result<CategoryView> {
        let principal = admin(ctx)?;
        add_category(state::<Catalog>(ctx)?, principal, input).await.extend()
    }
}

/// Catalog's answer to [`ProductLookup`]: one read of its product read model per
/// [`PRODUCT_BATCH`] ids.
pub(crate) struct CatalogProducts(pub(crate) Db);

#[async_trait::async_trait]
impl ProductLookup for CatalogProducts {
    async fn products(&self, ids: &[Uuid]) -> Result<Vec<ProductView>, ApiError> {
        let mut found = Vec::with_capacity(ids.len());
        for batch in ids.chunks(PRODUCT_BATCH) {
            metrics::counter!("emporium_view_lookups_total", "view" => "product").increment(1);
            found.extend(read_model::products_by_ids(&self.0, batch).await?);
        }
        Ok(found)
    }
}
