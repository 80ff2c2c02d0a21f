//! Slice: an admin adds a product. The SKU is claimed on the write side so two products
//! can never share one, and the answer is read back from the read model.

use crate::events::{CatalogEvent, legacy_slug, product_stream};
use crate::product_fields::{self as fields, PriceInput};
use crate::read_model::{self, ProductView, Shown, StockStatus};
use crate::{Catalog, slug};
use axum::extract::State;
use axum::http::StatusCode;
use contracts::catalog::{ProductAttribute, ProductStatus};
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, retry_on_conflict};
use kernel::http::Json;
use kernel::money::Money;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body (REST), or `input` of `createProduct` (GraphQL).
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewProduct {
    sku: String,
    name: String,
    /// URL name; made from the name (or the SKU) when not given.
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    #[graphql(default)]
    description: String,
    category_id: Option<Uuid>,
    price: PriceInput,
    weight_grams: i64,
    #[serde(default)]
    #[graphql(default)]
    initial_stock: i64,
    /// `active` (on sale at once) unless given.
    #[serde(default)]
    #[graphql(default)]
    status: ProductStatus,
    #[serde(default)]
    #[graphql(default)]
    attributes: Vec<ProductAttribute>,
}

/// A product that passed validation.
#[derive(Debug, PartialEq)]
pub(crate) struct ValidProduct {
    sku: String,
    name: String,
    /// The admin's slug; `None`: made from the name.
    slug: Option<String>,
    description: String,
    category_id: Option<Uuid>,
    price: Money,
    weight_grams: u32,
    initial_stock: u32,
    status: ProductStatus,
    attributes: Vec<ProductAttribute>,
}

impl ValidProduct {
    /// The slugs to try in turn: the admin's own, or one made from the name and then the
    /// SKU's (unique as SKUs are) when another product has the first.
    fn slug_candidates(&self) -> Vec<String> {
        match &self.slug {
            Some(chosen) => vec![chosen.clone()],
            None => slug::from_name(&self.name).into_iter().chain([legacy_slug(&self.sku)]).collect(),
        }
    }
}

/// The view of a product just created, before the read model has it.
fn just_created(id: Uuid, product: ValidProduct, slug: String, now: chrono::DateTime<chrono::Utc>) -> ProductView {
    let available = i64::from(product.initial_stock);
    ProductView {
        id,
        sku: product.sku,
        name: product.name,
        slug,
        status: product.status,
        description: product.description,
        category_id: product.category_id,
        attributes: product.attributes,
        price: product.price,
        weight_grams: i64::from(product.weight_grams),
        available,
        stock_status: StockStatus::of(available, false),
        images: Vec::new(),
        created_at: kernel::time::format(now),
    }
}

impl NewProduct {
    fn validate(self) -> Result<ValidProduct, ApiError> {
        let mut v = Validation::new();
        let sku = self.sku.trim().to_ascii_uppercase();
        v.check(
            (1..=64).contains(&sku.len()) && sku.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "sku",
            "must be 1 to 64 letters, digits, '-' or '_'",
        );
        let name = fields::name(&mut v, &self.name);
        let slug = self.slug.as_deref().map(|raw| fields::slug(&mut v, raw));
        let description = fields::description(&mut v, &self.description);
        let price = fields::price(&mut v, &self.price);
        let weight = fields::weight(&mut v, self.weight_grams);
        let stock = u32::try_from(self.initial_stock).ok().filter(|s| *s <= 1_000_000);
        v.check(stock.is_some(), "initial_stock", "must be between 0 and 1000000");
        let attributes = fields::attributes(&mut v, &self.attributes);
        v.finish()?;
        Ok(ValidProduct {
            sku,
            name,
            slug,
            description,
            category_id: self.category_id,
            price: price.expect("checked above"),
            weight_grams: weight.expect("checked above"),
            initial_stock: stock.expect("checked above"),
            status: self.status,
            attributes,
        })
    }
}

/// Why a product could not be added.
enum Taken {
    Sku,
    Slug(String),
}

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(create_product))
}

/// Add a product (admin).
#[utoipa::path(post, path = "/products", tag = "catalog", request_body = NewProduct, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = ProductView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn create_product(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Json(input): Json<NewProduct>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    Ok((StatusCode::CREATED, Json(create(&catalog, admin, input).await?)))
}

/// Adds `input` as a product on `admin`'s behalf and answers it as the read model shows it:
/// what `POST /products` and GraphQL's `createProduct` both do.
#[tracing::instrument(skip_all, fields(sku = %input.sku))]
pub(crate) async fn create(catalog: &Catalog, admin: Principal, input: NewProduct) -> Result<ProductView, ApiError> {
    let product = input.validate()?;
    if let Some(category) = product.category_id {
        ensure_category(catalog, category).await?;
    }
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let product_id = Uuid::now_v7();
    let candidates = product.slug_candidates();
    let (position, slug) = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        if uow.claim_unique("sku", &product.sku, product_id).await?.is_err() {
            return Ok(Err(Taken::Sku));
        }
        let mut slug = None;
        for candidate in &candidates {
            if uow.claim_unique("product-slug", candidate, product_id).await?.is_ok() {
                slug = Some(candidate.clone());
                break;
            }
        }
        let Some(slug) = slug else { return Ok(Err(Taken::Slug(candidates[0].clone()))) };
        let event = CatalogEvent::ProductCreated {
            product_id,
            sku: product.sku.clone(),
            name: product.name.clone(),
            slug: slug.clone(),
            description: product.description.clone(),
            category_id: product.category_id,
            price: product.price,
            weight_grams: product.weight_grams,
            initial_stock: product.initial_stock,
            status: product.status,
            attributes: product.attributes.clone(),
        };
        let stream = product_stream(product_id);
        let position =
            uow.append(&stream, ExpectedVersion::NoStream, &[NewEvent::from_domain(&event, &metadata)?]).await?;
        uow.commit().await?;
        Ok::<_, kernel::event_store::StoreError>(Ok((position, slug)))
    })
    .await?
    .map_err(|taken| match taken {
        Taken::Sku => ApiError::conflict(format!("a product with SKU {} already exists", product.sku)),
        Taken::Slug(slug) => ApiError::conflict(format!("a product with slug {slug} already exists")),
    })?;
    if let Some(position) = position {
        catalog.wait_for(position).await;
    }
    let view = match read_model::product(catalog.store.db(), product_id, Shown::NotDeleted(None)).await? {
        Some(view) => view,
        // The read model lags (its runner is busy or stopped): answer from what was recorded.
        None => just_created(product_id, product, slug, catalog.store.clock().now()),
    };
    Ok(view)
}

/// Refuses (422, naming `category_id`) a category that does not exist.
pub(crate) async fn ensure_category(catalog: &Catalog, category: Uuid) -> Result<(), ApiError> {
    if read_model::category(catalog.store.db(), category).await?.is_none() {
        return Err(ApiError::validation(vec![kernel::error::FieldError {
            field: "category_id".into(),
            message: "no such category".into(),
        }]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::money::Currency;

    fn input() -> NewProduct {
        NewProduct {
            sku: " mug-01 ".into(),
            name: "Mug".into(),
            description: "A mug".into(),
            category_id: None,
            price: PriceInput { amount_minor: 1200, currency: "USD".into() },
            weight_grams: 350,
            initial_stock: 10,
            slug: None,
            status: ProductStatus::Active,
            attributes: Vec::new(),
        }
    }

    #[test]
    fn a_valid_product_gets_a_normalised_sku() {
        let product = input().validate().unwrap();
        assert_eq!(product.sku, "MUG-01");
        assert_eq!(product.price, Money::new(1200, Currency::USD));
        assert_eq!(product.slug_candidates(), ["mug", "mug-01"]);
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let bad = NewProduct {
            sku: "no spaces allowed".into(),
            name: " ".into(),
            price: PriceInput { amount_minor: 0, currency: "usd".into() },
            weight_grams: 0,
            initial_stock: -1,
            ..input()
        };
        let error = bad.validate().unwrap_err();
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["sku", "name", "price.currency", "price.amount_minor", "weight_grams", "initial_stock"] {
            assert!(error.detail().contains(field), "{field} missing from {}", error.detail());
        }
    }
}
