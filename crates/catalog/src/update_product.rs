//! Slice: an admin changes a product. Each kind of change is its own event, because each
//! matters to someone else: a price change to Orders' price list, a status change to what
//! shoppers see; a change that changes nothing records nothing.

use crate::Catalog;
use crate::create_product::ensure_category;
use crate::events::{CatalogEvent, Product, product_stream};
use crate::product_fields::{self as fields, PriceInput};
use crate::read_model::{self, ProductView, Shown};
use async_graphql::MaybeUndefined;
use axum::extract::State;
use contracts::catalog::{ProductAttribute, ProductStatus};
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError, retry_on_conflict};
use kernel::http::{Json, Path};
use kernel::money::Money;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body of `PATCH /products/{id}` (REST), or `changes` of `updateProduct`
/// (GraphQL): only the fields given change.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductChanges {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    /// A category, or `null` to take the product out of its category.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    category_id: MaybeUndefined<Uuid>,
    price: Option<PriceInput>,
    weight_grams: Option<i64>,
    /// The whole list as it should be.
    attributes: Option<Vec<ProductAttribute>>,
    status: Option<ProductStatus>,
}

/// Changes that passed validation; `None` leaves a field as it is.
#[derive(Debug, Default, PartialEq)]
struct ValidChanges {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    category_id: Option<Option<Uuid>>,
    price: Option<Money>,
    weight_grams: Option<u32>,
    attributes: Option<Vec<ProductAttribute>>,
    status: Option<ProductStatus>,
}

impl ProductChanges {
    fn validate(self) -> Result<ValidChanges, ApiError> {
        let mut v = Validation::new();
        let changes = ValidChanges {
            name: self.name.as_deref().map(|raw| fields::name(&mut v, raw)),
            slug: self.slug.as_deref().map(|raw| fields::slug(&mut v, raw)),
            description: self.description.as_deref().map(|raw| fields::description(&mut v, raw)),
            category_id: match self.category_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(id)),
            },
            price: self.price.as_ref().and_then(|price| fields::price(&mut v, price)),
            weight_grams: self.weight_grams.and_then(|grams| fields::weight(&mut v, grams)),
            attributes: self.attributes.as_deref().map(|raw| fields::attributes(&mut v, raw)),
            status: self.status,
        };
        v.finish()?;
        Ok(changes)
    }
}

/// The events that take `product` to what `changes` asks for, in the order they apply.
fn decide(product_id: Uuid, product: &Product, changes: &ValidChanges) -> Vec<CatalogEvent> {
    let mut events = Vec::new();
    let updated = CatalogEvent::ProductUpdated {
        product_id,
        name: changes.name.clone().unwrap_or_else(|| product.name.clone()),
        slug: changes.slug.clone().unwrap_or_else(|| product.slug.clone()),
        description: changes.description.clone().unwrap_or_else(|| product.description.clone()),
        category_id: changes.category_id.unwrap_or(product.category_id),
        weight_grams: changes.weight_grams.unwrap_or(product.weight_grams),
        attributes: changes.attributes.clone().unwrap_or_else(|| product.attributes.clone()),
    };
    let unchanged = CatalogEvent::ProductUpdated {
        product_id,
        name: product.name.clone(),
        slug: product.slug.clone(),
        description: product.description.clone(),
        category_id: product.category_id,
        weight_grams: product.weight_grams,
        attributes: product.attributes.clone(),
    };
    if updated != unchanged {
        events.push(updated);
    }
    if let Some(new_price) = changes.price.filter(|price| *price != product.price) {
        events.push(CatalogEvent::ProductPriceChanged { product_id, old_price: product.price, new_price });
    }
    if let Some(status) = changes.status.filter(|status| *status != product.status) {
        events.push(CatalogEvent::ProductStatusChanged { product_id, status });
    }
    events
}

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(update_product))
}

/// Change a product (admin): only the fields sent change; a price change reaches Orders,
/// so orders placed from then on pay the new price.
#[utoipa::path(patch, path = "/products/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Product id")),
    request_body = ProductChanges, security(("bearer" = [])),
    responses((status = 200, description = "The product as it now is", body = ProductView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn update_product(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    Json(changes): Json<ProductChanges>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(update(&catalog, admin, id, changes).await?))
}

/// Why a change was refused after loading the product.
enum Refused {
    NotFound,
    SlugTaken(String),
}

/// Applies `changes` to product `id` on `admin`'s behalf and answers the product as it now
/// is: what `PATCH /products/{id}` and GraphQL's `updateProduct` both do.
#[tracing::instrument(skip_all, fields(product_id = %id))]
pub(crate) async fn update(
    catalog: &Catalog,
    admin: Principal,
    id: Uuid,
    changes: ProductChanges,
) -> Result<ProductView, ApiError> {
    let changes = changes.validate()?;
    if let Some(Some(category)) = changes.category_id {
        ensure_category(catalog, category).await?;
    }
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let position = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        let stream = product_stream(id);
        let product = match Product::fold(&uow.load(&stream).await?)? {
            Some(product) if !product.deleted => product,
            _ => return Ok(Err(Refused::NotFound)),
        };
        if let Some(slug) = changes.slug.as_ref().filter(|slug| **slug != product.slug)
            && uow.claim_unique("product-slug", slug, id).await?.is_err_and(|owner| owner != id)
        {
            return Ok(Err(Refused::SlugTaken(slug.clone())));
        }
        let events = decide(id, &product, &changes)
            .iter()
            .map(|event| NewEvent::from_domain(event, &metadata))
            .collect::<Result<Vec<_>, _>>()?;
        let position = uow.append(&stream, ExpectedVersion::Exact(product.version), &events).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Ok(position))
    })
    .await?
    .map_err(|refused| match refused {
        Refused::NotFound => ApiError::not_found(format!("no product {id}")),
        Refused::SlugTaken(slug) => ApiError::conflict(format!("a product with slug {slug} already exists")),
    })?;
    settle(catalog, id, position).await;
    read_model::product(catalog.store.db(), id, Shown::NotDeleted(None))
        .await?
        .ok_or_else(|| ApiError::unavailable("the product changed but cannot be read back yet; read it again shortly"))
}

/// After a product changed: waits until the read model and search show the change, then
/// drops the cached product page so the next shopper reads it afresh.
pub(crate) async fn settle(catalog: &Catalog, id: Uuid, position: Option<kernel::event_store::Position>) {
    if let Some(position) = position {
        catalog.wait_for(position).await;
    }
    catalog.cache.remove(&crate::get_product::cache_key(id)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::money::Currency;

    fn mug() -> Product {
        Product {
            sku: "MUG-01".into(),
            name: "Mug".into(),
            slug: "mug".into(),
            description: "A mug".into(),
            category_id: None,
            price: Money::new(1200, Currency::USD),
            weight_grams: 350,
            attributes: Vec::new(),
            status: ProductStatus::Active,
            deleted: false,
            images: Vec::new(),
            version: 1,
        }
    }

    #[test]
    fn a_change_that_changes_nothing_records_nothing() {
        let same = ValidChanges {
            name: Some("Mug".into()),
            price: Some(Money::new(1200, Currency::USD)),
            status: Some(ProductStatus::Active),
            ..ValidChanges::default()
        };
        assert!(decide(Uuid::nil(), &mug(), &same).is_empty());
    }

    #[test]
    fn each_kind_of_change_is_its_own_event() {
        let changes = ValidChanges {
            name: Some("Big mug".into()),
            price: Some(Money::new(1500, Currency::USD)),
            status: Some(ProductStatus::Archived),
            ..ValidChanges::default()
        };
        let events = decide(Uuid::nil(), &mug(), &changes);
        assert!(
            matches!(&events[0], CatalogEvent::ProductUpdated { name, slug, .. } if name == "Big mug" && slug == "mug")
        );
        assert_eq!(
            events[1],
            CatalogEvent::ProductPriceChanged {
                product_id: Uuid::nil(),
                old_price: Money::new(1200, Currency::USD),
                new_price: Money::new(1500, Currency::USD)
            }
        );
        assert_eq!(
            events[2],
            CatalogEvent::ProductStatusChanged { product_id: Uuid::nil(), status: ProductStatus::Archived }
        );
    }

    #[test]
    fn a_null_category_takes_the_product_out_of_its_category() {
        let changes: ProductChanges = serde_json::from_str(r#"{"category_id": null}"#).unwrap();
        assert_eq!(changes.validate().unwrap().category_id, Some(None));
        let untouched: ProductChanges = serde_json::from_str("{}").unwrap();
        assert_eq!(untouched.validate().unwrap().category_id, None);
    }
}
