//! Slice: an admin adds a product. The SKU is claimed on the write side so two products
//! can never share one, and the answer is read back from the read model.

use crate::events::{CatalogEvent, product_stream};
use crate::read_model::{self, ProductView, StockStatus};
use crate::{Catalog, READ_YOUR_WRITES};
use axum::extract::State;
use axum::http::StatusCode;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, retry_on_conflict};
use kernel::http::Json;
use kernel::money::{Currency, Money};
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
    #[serde(default)]
    #[graphql(default)]
    description: String,
    category_id: Option<Uuid>,
    price: PriceInput,
    weight_grams: i64,
    #[serde(default)]
    #[graphql(default)]
    initial_stock: i64,
}

/// A price as entered.
#[derive(Debug, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
struct PriceInput {
    amount_minor: i64,
    currency: String,
}

/// The most a single unit may cost (one million in major units).
const MAX_PRICE_MINOR: i64 = 100_000_000;

/// A product that passed validation.
#[derive(Debug, PartialEq)]
pub(crate) struct ValidProduct {
    sku: String,
    name: String,
    description: String,
    category_id: Option<Uuid>,
    price: Money,
    weight_grams: u32,
    initial_stock: u32,
}

/// The view of a product just created, before the read model has it.
fn just_created(id: Uuid, product: ValidProduct, now: chrono::DateTime<chrono::Utc>) -> ProductView {
    let available = i64::from(product.initial_stock);
    ProductView {
        id,
        sku: product.sku,
        name: product.name,
        description: product.description,
        category_id: product.category_id,
        price: product.price,
        weight_grams: i64::from(product.weight_grams),
        available,
        stock_status: if available > 0 { StockStatus::InStock } else { StockStatus::OutOfStock },
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
        let name = self.name.trim().to_owned();
        v.check((1..=200).contains(&name.chars().count()), "name", "must be 1 to 200 characters");
        v.check(self.description.chars().count() <= 5000, "description", "must be at most 5000 characters");
        let currency = Currency::parse(&self.price.currency);
        v.check(currency.is_ok(), "price.currency", "must be a three-letter ISO 4217 code such as USD");
        v.check(
            (1..=MAX_PRICE_MINOR).contains(&self.price.amount_minor),
            "price.amount_minor",
            format!("must be between 1 and {MAX_PRICE_MINOR}"),
        );
        let weight = u32::try_from(self.weight_grams).ok().filter(|w| (1..=1_000_000).contains(w));
        v.check(weight.is_some(), "weight_grams", "must be between 1 and 1000000");
        let stock = u32::try_from(self.initial_stock).ok().filter(|s| *s <= 1_000_000);
        v.check(stock.is_some(), "initial_stock", "must be between 0 and 1000000");
        v.finish()?;
        Ok(ValidProduct {
            sku,
            name,
            description: self.description.trim().to_owned(),
            category_id: self.category_id,
            price: Money::new(self.price.amount_minor, currency.expect("checked above")),
            weight_grams: weight.expect("checked above"),
            initial_stock: stock.expect("checked above"),
        })
    }
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
    if let Some(category) = product.category_id
        && !read_model::category_exists(catalog.store.db(), category).await?
    {
        return Err(ApiError::validation(vec![kernel::error::FieldError {
            field: "category_id".into(),
            message: "no such category".into(),
        }]));
    }
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let product_id = Uuid::now_v7();
    let position = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        if let Err(owner) = uow.claim_unique("sku", &product.sku, product_id).await? {
            return Ok(Err(owner));
        }
        let event = CatalogEvent::ProductCreated {
            product_id,
            sku: product.sku.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            category_id: product.category_id,
            price: product.price,
            weight_grams: product.weight_grams,
            initial_stock: product.initial_stock,
        };
        let stream = product_stream(product_id);
        let position =
            uow.append(&stream, ExpectedVersion::NoStream, &[NewEvent::from_domain(&event, &metadata)?]).await?;
        uow.commit().await?;
        Ok::<_, kernel::event_store::StoreError>(Ok(position))
    })
    .await?
    .map_err(|_| ApiError::conflict(format!("a product with SKU {} already exists", product.sku)))?;
    if let Some(position) = position {
        catalog.read_model.wait_for(position, READ_YOUR_WRITES).await;
    }
    let view = match read_model::product(catalog.store.db(), product_id).await? {
        Some(view) => view,
        // The read model lags (its runner is busy or stopped): answer from what was recorded.
        None => just_created(product_id, product, catalog.store.clock().now()),
    };
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewProduct {
        NewProduct {
            sku: " mug-01 ".into(),
            name: "Mug".into(),
            description: "A mug".into(),
            category_id: None,
            price: PriceInput { amount_minor: 1200, currency: "USD".into() },
            weight_grams: 350,
            initial_stock: 10,
        }
    }

    #[test]
    fn a_valid_product_gets_a_normalised_sku() {
        let product = input().validate().unwrap();
        assert_eq!(product.sku, "MUG-01");
        assert_eq!(product.price, Money::new(1200, Currency::USD));
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
