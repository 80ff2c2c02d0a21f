//! Slice: admins add categories (slug unique), anyone lists them.

use crate::events::{CatalogEvent, category_stream};
use crate::read_model::{self, CategoryView};
use crate::{Catalog, READ_YOUR_WRITES};
use axum::extract::State;
use axum::http::StatusCode;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError, retry_on_conflict};
use kernel::http::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body (REST), or `input` of `createCategory` (GraphQL).
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCategory {
    name: String,
    slug: String,
}

/// Every category.
#[derive(Serialize, utoipa::ToSchema)]
struct Categories {
    items: Vec<CategoryView>,
}

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(list_categories, create_category))
}

/// Every category, by name.
#[utoipa::path(get, path = "/categories", tag = "catalog", responses((status = 200, description = "Categories", body = Categories)))]
async fn list_categories(State(catalog): State<Catalog>) -> Result<Json<Categories>, ApiError> {
    Ok(Json(Categories { items: read_model::categories(catalog.store.db()).await? }))
}

fn valid_slug(slug: &str) -> bool {
    (1..=60).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Add a category (admin).
#[utoipa::path(post, path = "/categories", tag = "catalog", request_body = NewCategory, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CategoryView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn create_category(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Json(input): Json<NewCategory>,
) -> Result<(StatusCode, Json<CategoryView>), ApiError> {
    Ok((StatusCode::CREATED, Json(add_category(&catalog, admin, input).await?)))
}

/// Adds `input` as a category on `admin`'s behalf: what `POST /categories` and GraphQL's
/// `createCategory` both do.
pub(crate) async fn add_category(
    catalog: &Catalog,
    admin: Principal,
    input: NewCategory,
) -> Result<CategoryView, ApiError> {
    let name = input.name.trim().to_owned();
    let slug = input.slug.trim().to_owned();
    let mut v = Validation::new();
    v.check((1..=100).contains(&name.chars().count()), "name", "must be 1 to 100 characters");
    v.check(valid_slug(&slug), "slug", "must be 1 to 60 lower-case letters, digits or inner '-'");
    v.finish()?;
    let category_id = Uuid::now_v7();
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let position = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        if uow.claim_unique("category-slug", &slug, category_id).await?.is_err() {
            return Ok(None);
        }
        let event = CatalogEvent::CategoryCreated { category_id, name: name.clone(), slug: slug.clone() };
        let event = NewEvent::from_domain(&event, &metadata)?;
        let position = uow.append(&category_stream(category_id), ExpectedVersion::NoStream, &[event]).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(position)
    })
    .await?
    .ok_or_else(|| ApiError::conflict(format!("a category with slug {slug} already exists")))?;
    catalog.read_model.wait_for(position, READ_YOUR_WRITES).await;
    Ok(CategoryView { id: category_id, name, slug })
}

#[cfg(test)]
mod tests {
    use super::valid_slug;

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes() {
        assert!(valid_slug("kitchen-and-dining"));
        assert!(!valid_slug("Kitchen"));
        assert!(!valid_slug("-kitchen"));
        assert!(!valid_slug(""));
    }
}
