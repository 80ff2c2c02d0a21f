//! Slice: admins build the category tree (add, rename, move, reorder; slugs unique), anyone
//! reads it. No move may put a category inside itself: every write to the tree runs under
//! one lock and walks up from the new parent through the events, so two moves made at once
//! cannot make a cycle between them.

use crate::events::{CatalogEvent, Category, category_stream};
use crate::read_model::{self, CategoryView};
use crate::{Catalog, slug};
use async_graphql::MaybeUndefined;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, Position, StoreError, UnitOfWork, retry_on_conflict};
use kernel::http::{Json, Path};
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
    /// The category it goes in; a top-level category without it.
    #[serde(default)]
    parent_id: Option<Uuid>,
    /// Its place among its siblings (lower first; default 0).
    #[serde(default)]
    #[graphql(default)]
    position: i32,
}

/// The request body of `PATCH /categories/{id}` (REST), or `changes` of `updateCategory`
/// (GraphQL): only the fields given change.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryChanges {
    name: Option<String>,
    slug: Option<String>,
    /// The category to move it into, or `null` to move it to the top.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    parent_id: MaybeUndefined<Uuid>,
    position: Option<i32>,
}

/// Every category, in tree order.
#[derive(Serialize, utoipa::ToSchema)]
struct Categories {
    items: Vec<CategoryView>,
}

/// The lock every write to the tree takes, so two moves can never make a cycle between them.
const TREE_LOCK: &str = "catalog.category-tree";
/// The deepest a category may sit (0 at the top): deep enough for any shop, and a bound on
/// the walk up the tree each write makes.
const MAX_DEPTH: usize = 8;

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(list_categories, create_category)).routes(routes!(update_category))
}

/// Every category in tree order: each parent before its children, siblings by position,
/// each with its slug path and depth.
#[utoipa::path(get, path = "/categories", tag = "catalog", responses((status = 200, description = "Categories", body = Categories)))]
async fn list_categories(State(catalog): State<Catalog>) -> Result<Json<Categories>, ApiError> {
    Ok(Json(Categories { items: read_model::categories(catalog.store.db()).await? }))
}

fn check_name(v: &mut Validation, raw: &str) -> String {
    let name = raw.trim().to_owned();
    v.check((1..=100).contains(&name.chars().count()), "name", "must be 1 to 100 characters");
    name
}

fn check_slug(v: &mut Validation, raw: &str) -> String {
    let slug = raw.trim().to_owned();
    v.check(slug::is_valid(&slug), "slug", "must be 1 to 60 lower-case letters, digits or inner '-'");
    slug
}

fn check_position(v: &mut Validation, position: i32) -> i32 {
    v.check((0..=10_000).contains(&position), "position", "must be between 0 and 10000");
    position
}

/// Add a category (admin), at the top or inside another.
#[utoipa::path(post, path = "/categories", tag = "catalog", request_body = NewCategory, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CategoryView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn create_category(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Json(input): Json<NewCategory>,
) -> Result<(StatusCode, Json<CategoryView>), ApiError> {
    Ok((StatusCode::CREATED, Json(add_category(&catalog, admin, input).await?)))
}

/// Change a category (admin): rename it, change its slug, move it or reorder it. A move
/// that would put a category inside itself is refused.
#[utoipa::path(patch, path = "/categories/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Category id")),
    request_body = CategoryChanges, security(("bearer" = [])),
    responses((status = 200, description = "The category as it now is", body = CategoryView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn update_category(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    Json(changes): Json<CategoryChanges>,
) -> Result<Json<CategoryView>, ApiError> {
    Ok(Json(change_category(&catalog, admin, id, changes).await?))
}

/// Why the tree refused a write.
enum Refused {
    NotFound,
    SlugTaken(String),
    /// The field and what is wrong with it.
    Invalid(&'static str, String),
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::NotFound => ApiError::not_found("no such category"),
            Refused::SlugTaken(slug) => ApiError::conflict(format!("a category with slug {slug} already exists")),
            Refused::Invalid(field, message) => {
                ApiError::validation(vec![kernel::error::FieldError { field: field.into(), message }])
            }
        }
    }
}

/// How deep a category placed under `parent` would sit, read from the events inside the
/// tree's lock; refuses a parent that does not exist, that is `moving` itself or sits below
/// it (a cycle), or that is too deep.
async fn depth_under(
    uow: &mut UnitOfWork,
    parent: Uuid,
    moving: Option<Uuid>,
) -> Result<Result<usize, Refused>, StoreError> {
    let mut depth = 0;
    let mut current = Some(parent);
    while let Some(at) = current {
        if Some(at) == moving {
            return Ok(Err(Refused::Invalid("parent_id", "a category cannot be moved inside itself".into())));
        }
        let Some(category) = Category::fold(&uow.load(&category_stream(at)).await?)? else {
            return Ok(Err(Refused::Invalid("parent_id", "no such category".into())));
        };
        depth += 1;
        if depth > MAX_DEPTH {
            return Ok(Err(Refused::Invalid("parent_id", format!("categories nest at most {MAX_DEPTH} deep"))));
        }
        current = category.parent_id;
    }
    Ok(Ok(depth))
}

/// Claims `slug` for category `id` unless it already has it.
async fn claim_slug(uow: &mut UnitOfWork, slug: &str, id: Uuid) -> Result<Result<(), Refused>, StoreError> {
    Ok(match uow.claim_unique("category-slug", slug, id).await? {
        Err(owner) if owner != id => Err(Refused::SlugTaken(slug.to_owned())),
        _ => Ok(()),
    })
}

/// Adds `input` as a category on `admin`'s behalf: what `POST /categories` and GraphQL's
/// `createCategory` both do.
pub(crate) async fn add_category(
    catalog: &Catalog,
    admin: Principal,
    input: NewCategory,
) -> Result<CategoryView, ApiError> {
    let mut v = Validation::new();
    let name = check_name(&mut v, &input.name);
    let slug = check_slug(&mut v, &input.slug);
    let position = check_position(&mut v, input.position);
    v.finish()?;
    let category_id = Uuid::now_v7();
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let event = CatalogEvent::CategoryCreated {
        category_id,
        name: name.clone(),
        slug: slug.clone(),
        parent_id: input.parent_id,
        position,
    };
    let new = NewInTree { category_id, slug: slug.clone(), parent: input.parent_id };
    let (event, new) = (&event, &new);
    let position = write_tree(catalog, &metadata, category_id, |mut uow| async move {
        let decided = decide_new(&mut uow, event, new).await?;
        Ok((uow, decided))
    })
    .await?;
    read_back(catalog, category_id, position).await
}

/// Applies `changes` to category `id` on `admin`'s behalf: what `PATCH /categories/{id}`
/// and GraphQL's `updateCategory` both do.
pub(crate) async fn change_category(
    catalog: &Catalog,
    admin: Principal,
    id: Uuid,
    changes: CategoryChanges,
) -> Result<CategoryView, ApiError> {
    let mut v = Validation::new();
    let name = changes.name.as_deref().map(|raw| check_name(&mut v, raw));
    let slug = changes.slug.as_deref().map(|raw| check_slug(&mut v, raw));
    let position = changes.position.map(|position| check_position(&mut v, position));
    v.finish()?;
    let parent = match changes.parent_id {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(parent) => Some(Some(parent)),
    };
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let wanted = Wanted { name, slug, parent, position };
    let wanted = &wanted;
    let written = write_tree(catalog, &metadata, id, |mut uow| async move {
        let decided = decide_change(&mut uow, id, wanted).await?;
        Ok((uow, decided))
    })
    .await?;
    read_back(catalog, id, written).await
}

/// What a write to the tree decided: the event for the category's stream (none when nothing
/// changes) and the version that stream must be at, or why it was refused.
type Decided = Result<(ExpectedVersion, Option<CatalogEvent>), Refused>;

/// Where a new category goes in the tree.
struct NewInTree {
    category_id: Uuid,
    slug: String,
    parent: Option<Uuid>,
}

/// Whether `created` may join the tree: its parent exists and is not too deep, its slug is
/// free.
async fn decide_new(uow: &mut UnitOfWork, created: &CatalogEvent, new: &NewInTree) -> Result<Decided, StoreError> {
    let NewInTree { category_id, slug, parent } = new;
    if let Some(parent) = *parent
        && let Err(refused) = depth_under(uow, parent, None).await?
    {
        return Ok(Err(refused));
    }
    if let Err(refused) = claim_slug(uow, slug, *category_id).await? {
        return Ok(Err(refused));
    }
    Ok(Ok((ExpectedVersion::NoStream, Some(created.clone()))))
}

/// The fields of a category change; `None` leaves one as it is (`parent: Some(None)` moves
/// the category to the top).
struct Wanted {
    name: Option<String>,
    slug: Option<String>,
    parent: Option<Option<Uuid>>,
    position: Option<i32>,
}

/// The `CategoryUpdated` that takes category `id` to `wanted`, if that changes anything and
/// keeps the tree a tree.
async fn decide_change(uow: &mut UnitOfWork, id: Uuid, wanted: &Wanted) -> Result<Decided, StoreError> {
    let Some(current) = Category::fold(&uow.load(&category_stream(id)).await?)? else {
        return Ok(Err(Refused::NotFound));
    };
    let parent_id = wanted.parent.unwrap_or(current.parent_id);
    if let Some(parent) = parent_id.filter(|p| Some(*p) != current.parent_id)
        && let Err(refused) = depth_under(uow, parent, Some(id)).await?
    {
        return Ok(Err(refused));
    }
    let slug = wanted.slug.clone().unwrap_or_else(|| current.slug.clone());
    if slug != current.slug
        && let Err(refused) = claim_slug(uow, &slug, id).await?
    {
        return Ok(Err(refused));
    }
    let changed = CatalogEvent::CategoryUpdated {
        category_id: id,
        name: wanted.name.clone().unwrap_or_else(|| current.name.clone()),
        slug,
        parent_id,
        position: wanted.position.unwrap_or(current.position),
    };
    let unchanged = CatalogEvent::CategoryUpdated {
        category_id: id,
        name: current.name.clone(),
        slug: current.slug.clone(),
        parent_id: current.parent_id,
        position: current.position,
    };
    Ok(Ok((ExpectedVersion::Exact(current.version), (changed != unchanged).then_some(changed))))
}

/// Runs one write to the category tree under the tree's lock: `decide` reads what it needs
/// through the unit of work and answers what to append to `id`'s stream.
async fn write_tree<F, Fut>(
    catalog: &Catalog,
    metadata: &Metadata,
    id: Uuid,
    decide: F,
) -> Result<Option<Position>, ApiError>
where
    F: Fn(UnitOfWork) -> Fut,
    Fut: Future<Output = Result<(UnitOfWork, Decided), StoreError>>,
{
    let written = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        uow.lock_exclusive(TREE_LOCK).await?;
        let (mut uow, decided) = decide(uow).await?;
        let (expected, event) = match decided {
            Ok(decided) => decided,
            Err(refused) => return Ok(Err(refused)),
        };
        let Some(event) = event else { return Ok(Ok(None)) };
        let event = NewEvent::from_domain(&event, metadata)?;
        let position = uow.append(&category_stream(id), expected, &[event]).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Ok(position))
    })
    .await?;
    Ok(written?)
}

/// The category as the read model shows it once it includes `position`.
async fn read_back(catalog: &Catalog, id: Uuid, position: Option<Position>) -> Result<CategoryView, ApiError> {
    if let Some(position) = position {
        catalog.wait_for(position).await;
    }
    read_model::category(catalog.store.db(), id).await?.ok_or_else(|| {
        ApiError::unavailable("the category was written but cannot be read back yet; read it again shortly")
    })
}
