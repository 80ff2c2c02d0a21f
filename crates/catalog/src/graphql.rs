//! Catalog's part of the GraphQL schema: browsing products and categories, and an admin's
//! changes, with the same read model, rules and answers as the REST slices
//! (`list_products`, `get_product`, `categories`, `create_product`, `update_product`,
//! `delete_product`); and the product lookup
//! other contexts' fields follow (an order line's product).

use crate::Catalog;
use crate::categories::{CategoryChanges, NewCategory, add_category, change_category};
use crate::create_product::{NewProduct, create};
use crate::delete_product::delete;
use crate::images::remove_picture;
use crate::list_products::{ListProducts, Listed, shown, suggestions_for};
use crate::read_model::{self, CategoryView, ProductView, Shown};
use crate::search_index::{Facets, SearchSort, Suggestions};
use crate::update_product::{ProductChanges, update};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, Object, Result, ResultExt, SimpleObject};
use contracts::views::{PRODUCT_BATCH, ProductLookup};
use kernel::auth::Role;
use kernel::db::Db;
use kernel::error::ApiError;
use kernel::graphql::{admin, caller, state};
use uuid::Uuid;

/// Catalog's queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// Browse and search the catalog as `GET /products` does, a page at a time (`first`:
    /// 1..=100, default 20; `after`: an edge's cursor of the same sort): words (`query`,
    /// typos forgiven), a category and those below it, a price range in minor units, only
    /// what can be bought now, sorted by `sort` (relevance by default: without words, the
    /// order products were added in). Shoppers see active products; admins every product
    /// not deleted, or those of `status`. The connection also counts every match (`total`)
    /// and its facets. Costs its fields once per product asked for.
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        category: Option<Uuid>,
        query: Option<String>,
        price_min: Option<i64>,
        price_max: Option<i64>,
        in_stock: Option<bool>,
        sort: Option<SearchSort>,
        status: Option<Listed>,
    ) -> Result<Connection<String, ProductView, SearchTotals>> {
        let catalog = state::<Catalog>(ctx)?;
        let after_given = after.as_deref().is_some_and(|cursor| !cursor.is_empty());
        let asked = ListProducts {
            q: query,
            limit: first.map(i64::from),
            cursor: after,
            category,
            price_min,
            price_max,
            in_stock,
            sort,
            status,
        };
        let request = shown(caller(ctx)?, status).and_then(|shown| asked.into_request(shown)).extend()?;
        let found = catalog.search.search(&request).extend()?;
        let totals = SearchTotals { total: found.total, facets: found.facets };
        let mut page = Connection::with_additional_fields(after_given, found.next_cursor.is_some(), totals);
        page.edges
            .extend(found.cursors.into_iter().zip(found.items).map(|(cursor, product)| Edge::new(cursor, product)));
        Ok(page)
    }

    /// What the search box offers for what has been typed so far: products on sale and
    /// categories (typos forgiven); `BAD_USER_INPUT` past 200 characters.
    async fn product_suggestions(&self, ctx: &Context<'_>, typed: String) -> Result<Suggestions> {
        suggestions_for(state::<Catalog>(ctx)?, &typed).extend()
    }

    /// One product; `NOT_FOUND` when there is none with this id that the caller may see.
    async fn product(&self, ctx: &Context<'_>, id: Uuid) -> Result<ProductView> {
        let catalog = state::<Catalog>(ctx)?;
        read_model::product(catalog.store.db(), id, shown_to(ctx)?)
            .await
            .map_err(ApiError::from)
            .and_then(|product| product.ok_or_else(|| ApiError::not_found(format!("no product {id}"))))
            .map_err(|error| error.extend())
    }

    /// Every category in tree order: each parent before its children, siblings by position.
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

    /// Change a product (admin): only the fields given change. `NOT_FOUND` for an unknown
    /// or deleted product, `CONFLICT` for a slug another product has.
    async fn update_product(&self, ctx: &Context<'_>, id: Uuid, changes: ProductChanges) -> Result<ProductView> {
        let principal = admin(ctx)?;
        update(state::<Catalog>(ctx)?, principal, id, changes).await.extend()
    }

    /// Delete a product (admin); deleting it again changes nothing. Answers its id.
    async fn delete_product(&self, ctx: &Context<'_>, id: Uuid) -> Result<Uuid> {
        let principal = admin(ctx)?;
        delete(state::<Catalog>(ctx)?, principal, id).await.extend()?;
        Ok(id)
    }

    /// Take a picture out of a product's gallery (admin); its addresses keep serving it.
    /// `NOT_FOUND` for an unknown product or a picture it does not have. Pictures are
    /// uploaded over REST (`POST /api/v1/products/{id}/images`, multipart): this endpoint
    /// takes only JSON, which is what keeps other sites from sending it operations.
    async fn remove_product_image(&self, ctx: &Context<'_>, product_id: Uuid, image_id: Uuid) -> Result<ProductView> {
        let principal = admin(ctx)?;
        let catalog = state::<Catalog>(ctx)?;
        remove_picture(catalog, principal, product_id, image_id).await.extend()?;
        read_model::product(catalog.store.db(), product_id, Shown::NotDeleted(None))
            .await
            .map_err(ApiError::from)
            .and_then(|product| product.ok_or_else(|| ApiError::not_found(format!("no product {product_id}"))))
            .map_err(|error| error.extend())
    }

    /// Add a category (admin), at the top or inside `parentId`; its slug must be new
    /// (`CONFLICT` otherwise).
    async fn create_category(&self, ctx: &Context<'_>, input: NewCategory) -> Result<CategoryView> {
        let principal = admin(ctx)?;
        add_category(state::<Catalog>(ctx)?, principal, input).await.extend()
    }

    /// Rename, move or reorder a category (admin); a move inside itself is `BAD_USER_INPUT`.
    async fn update_category(&self, ctx: &Context<'_>, id: Uuid, changes: CategoryChanges) -> Result<CategoryView> {
        let principal = admin(ctx)?;
        change_category(state::<Catalog>(ctx)?, principal, id, changes).await.extend()
    }
}

/// Every match of a product search, over all its pages, and how they spread.
#[derive(SimpleObject)]
pub struct SearchTotals {
    /// How many products match.
    total: usize,
    /// Counts over the matches, each ignoring its own filter.
    facets: Facets,
}

/// What the caller may see of the catalog: admins every product not deleted, everyone else
/// the active ones.
fn shown_to(ctx: &Context<'_>) -> Result<Shown> {
    let admin = caller(ctx)?.is_some_and(|principal| principal.role == Role::Admin);
    Ok(if admin { Shown::NotDeleted(None) } else { Shown::OnSale })
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
