//! Slice: anyone browses and searches the catalog: words (typos forgiven, the last word may
//! be the start of one), a category and everything below it, a price range, only what is
//! in stock; sorted by relevance, price, newest or name; a page at a time, with facet counts.
//! Answered from the search index in memory, never from the database; shoppers' answers
//! are cached (cache-aside) until the next change to the catalog or its stock.

use crate::Catalog;
use crate::read_model::Shown;
use crate::search_index::{SearchPage, SearchRequest, SearchSort, Suggestions};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use contracts::catalog::ProductStatus;
use kernel::auth::{Principal, Role};
use kernel::cache::Lookup;
use kernel::error::{ApiError, Validation};
use kernel::http::{Json, PageRequest, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The longest search text accepted.
const MAX_QUERY_CHARS: usize = 200;
/// How long a cached search answer may take space (a change retires it at once anyway).
const SEARCH_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Suggestions offered to the search box.
const SUGGESTIONS: usize = 8;

/// `?q=&category=&price_min=&price_max=&in_stock=&sort=&limit=&cursor=&status=` (no
/// `serde(flatten)`: it loses query-string number parsing).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListProducts {
    /// Words to search for; typos are forgiven and the last word may be the start of one.
    pub(crate) q: Option<String>,
    /// Items per page, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub(crate) limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor` (of the same sort).
    pub(crate) cursor: Option<String>,
    /// Only products of this category or the categories below it.
    pub(crate) category: Option<Uuid>,
    /// Lowest unit price in minor units (cents), included.
    #[param(minimum = 0)]
    pub(crate) price_min: Option<i64>,
    /// Highest unit price in minor units (cents), included.
    #[param(minimum = 0)]
    pub(crate) price_max: Option<i64>,
    /// `true`: only products that can be bought now.
    pub(crate) in_stock: Option<bool>,
    /// `relevance` (default: best match first; without words, the order products were
    /// added in), `price_asc`, `price_desc`, `newest` or `name`.
    #[param(inline)]
    pub(crate) sort: Option<SearchSort>,
    /// Admins only: products of this status (`deleted` for deleted ones). Without it, admins
    /// see every product not deleted and everyone else the active ones.
    #[param(inline)]
    pub(crate) status: Option<Listed>,
}

/// `?q=` of the search box.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SuggestFor {
    /// What has been typed so far.
    q: String,
}

/// The statuses an admin can list by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(name = "ListedStatus")]
pub(crate) enum Listed {
    Draft,
    Active,
    Archived,
    Deleted,
}

/// What `principal` may list when asking for `status`.
pub(crate) fn shown(principal: Option<Principal>, status: Option<Listed>) -> Result<Shown, ApiError> {
    let admin = principal.is_some_and(|p| p.role == Role::Admin);
    Ok(match (admin, status) {
        (false, None | Some(Listed::Active)) => Shown::OnSale,
        (false, Some(_)) => return Err(ApiError::forbidden("only admins see products that are not on sale")),
        (true, None) => Shown::NotDeleted(None),
        (true, Some(Listed::Draft)) => Shown::NotDeleted(Some(ProductStatus::Draft)),
        (true, Some(Listed::Active)) => Shown::NotDeleted(Some(ProductStatus::Active)),
        (true, Some(Listed::Archived)) => Shown::NotDeleted(Some(ProductStatus::Archived)),
        (true, Some(Listed::Deleted)) => Shown::Deleted,
    })
}

impl ListProducts {
    /// The search these parameters ask for, showing what `shown` allows; every invalid
    /// parameter named.
    pub(crate) fn into_request(self, shown: Shown) -> Result<SearchRequest, ApiError> {
        let limit = PageRequest { limit: self.limit, cursor: None }.limit()?;
        let mut v = Validation::new();
        let text = self.q.unwrap_or_default();
        v.check(text.chars().count() <= MAX_QUERY_CHARS, "q", format!("must be at most {MAX_QUERY_CHARS} characters"));
        v.check(self.price_min.is_none_or(|min| min >= 0), "price_min", "must not be negative");
        v.check(self.price_max.is_none_or(|max| max >= 0), "price_max", "must not be negative");
        if let (Some(min), Some(max)) = (self.price_min, self.price_max) {
            v.check(min <= max, "price_max", "must not be below price_min");
        }
        v.finish()?;
        Ok(SearchRequest {
            text,
            category: self.category,
            price_min: self.price_min,
            price_max: self.price_max,
            in_stock: self.in_stock.unwrap_or(false),
            sort: self.sort.unwrap_or_default(),
            cursor: self.cursor,
            limit: usize::try_from(limit).unwrap_or(20),
            shown,
        })
    }
}

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(list_products)).routes(routes!(suggest_products))
}

/// Browse and search the catalog, a page at a time, with facet counts.
#[utoipa::path(get, path = "/products", tag = "catalog", params(ListProducts), security((), ("bearer" = [])),
    responses((status = 200, description = "A page of matching products and the facet counts of all matches", body = SearchPage), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::InvalidRequest))]
async fn list_products(
    State(catalog): State<Catalog>,
    principal: Option<Principal>,
    Query(query): Query<ListProducts>,
) -> Result<Response, ApiError> {
    let shown = shown(principal, query.status)?;
    let request = query.into_request(shown)?;
    if shown != Shown::OnSale {
        // Admins read past the cache: it holds only what shoppers may see.
        return Ok(Json(catalog.search.search(&request)?).into_response());
    }
    // Keyed by the index's generation, so any change to the catalog or its stock retires
    // every cached answer at once; the TTL only bounds how long dead entries take space.
    let key = format!("catalog:search:{}:{}", catalog.search.generation(), request.cache_key());
    let json = match catalog.cache.get(&key).await {
        Lookup::Hit(json) => json,
        Lookup::Miss(ticket) => {
            let json = serde_json::to_string(&catalog.search.search(&request)?).map_err(|e| ApiError::internal(&e))?;
            catalog.cache.fill(&key, ticket, json.clone(), SEARCH_TTL).await;
            json
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// Suggestions for the search box: products on sale and categories matching what has been
/// typed so far (typos forgiven).
#[utoipa::path(get, path = "/products/suggestions", tag = "catalog", params(SuggestFor),
    responses((status = 200, description = "Suggestions, best first", body = Suggestions), kernel::error::problems::MalformedRequest, kernel::error::problems::InvalidRequest))]
async fn suggest_products(
    State(catalog): State<Catalog>,
    Query(query): Query<SuggestFor>,
) -> Result<Json<Suggestions>, ApiError> {
    suggestions_for(&catalog, &query.q).map(Json)
}

/// What the search box offers for `typed` (REST's and GraphQL's suggestions).
pub(crate) fn suggestions_for(catalog: &Catalog, typed: &str) -> Result<Suggestions, ApiError> {
    let mut v = Validation::new();
    v.check(typed.chars().count() <= MAX_QUERY_CHARS, "q", format!("must be at most {MAX_QUERY_CHARS} characters"));
    v.finish()?;
    catalog.search.suggest(typed, SUGGESTIONS)
}
