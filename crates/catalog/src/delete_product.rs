//! Slice: an admin deletes a product. The delete is soft: the product leaves every listing
//! and can no longer be ordered, but its stream stays, so orders that hold it still show it.

use crate::Catalog;
use crate::events::{CatalogEvent, Product, product_stream};
use crate::update_product::settle;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::auth::{Admin, Principal};
use kernel::error::ApiError;
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError, retry_on_conflict};
use kernel::http::Path;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    OpenApiRouter::new().routes(routes!(delete_product))
}

/// Delete a product (admin). Deleting it again changes nothing and answers 204 as well.
#[utoipa::path(delete, path = "/products/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Product id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound))]
async fn delete_product(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    delete(&catalog, admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes product `id` on `admin`'s behalf (a no-op when it already is): what
/// `DELETE /products/{id}` and GraphQL's `deleteProduct` both do.
#[tracing::instrument(skip_all, fields(product_id = %id))]
pub(crate) async fn delete(catalog: &Catalog, admin: Principal, id: Uuid) -> Result<(), ApiError> {
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let position = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        let stream = product_stream(id);
        let Some(product) = Product::fold(&uow.load(&stream).await?)? else { return Ok(None) };
        if product.deleted {
            return Ok(Some(None));
        }
        let event = NewEvent::from_domain(&CatalogEvent::ProductDeleted { product_id: id }, &metadata)?;
        let position = uow.append(&stream, ExpectedVersion::Exact(product.version), &[event]).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Some(position))
    })
    .await?
    .ok_or_else(|| ApiError::not_found(format!("no product {id}")))?;
    settle(catalog, id, position).await;
    Ok(())
}
