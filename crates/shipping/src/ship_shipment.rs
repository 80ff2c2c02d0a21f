//! Slice: an admin hands a parcel to the carrier — it gets a carrier and a tracking number
//! (the admin's, or one made here), and from then on the carrier's webhook moves it.

use crate::Shipping;
use crate::lifecycle::{Move, advance};
use crate::read_model::{self, ShipmentView};
use axum::extract::State;
use kernel::auth::{Admin, Principal};
use kernel::error::{ApiError, Validation, problems};
use kernel::event_store::{Metadata, StoreError, retry_on_conflict};
use kernel::http::{Json, Path};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// What tracking numbers are claimed as, so no two parcels share one.
pub(crate) const TRACKING_NUMBER: &str = "tracking-number";

pub(crate) fn routes() -> OpenApiRouter<Shipping> {
    OpenApiRouter::new().routes(routes!(ship))
}

/// The body of `POST /shipments/{id}/ship`.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
#[graphql(name = "HandOverInput")]
pub(crate) struct HandOver {
    /// Who carries it (1 to 60 characters).
    carrier: String,
    /// The carrier's number for it: 6 to 40 letters, digits or `-` (upper-cased). One is
    /// made when none is given.
    tracking_number: Option<String>,
}

impl HandOver {
    fn validate(self) -> Result<(String, String), ApiError> {
        let mut v = Validation::new();
        let carrier = self.carrier.trim().to_owned();
        v.check(
            (1..=60).contains(&carrier.chars().count()) && !carrier.chars().any(char::is_control),
            "carrier",
            "must be 1 to 60 characters, without control characters",
        );
        let tracking_number = match self.tracking_number {
            Some(given) => given.trim().to_ascii_uppercase(),
            None => format!("EMP{:016X}", rand::random::<u64>()),
        };
        v.check(
            (6..=40).contains(&tracking_number.len())
                && tracking_number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "tracking_number",
            "must be 6 to 40 letters, digits or -",
        );
        v.finish()?;
        Ok((carrier, tracking_number))
    }
}

/// Hand a created shipment to the carrier (admin): it becomes `shipped`, with its tracking
/// number. A shipment already shipped, delivered or cancelled answers 409.
#[utoipa::path(post, path = "/shipments/{id}/ship", tag = "shipping", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Shipment id"), kernel::idempotency::KeyHeader),
    request_body = HandOver,
    responses((status = 200, description = "Shipped", body = ShipmentView), problems::MalformedRequest,
        problems::NotSignedIn, problems::NotAnAdmin, problems::NotFound, problems::Conflict, problems::InvalidRequest))]
async fn ship(
    State(shipping): State<Shipping>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    Json(hand_over): Json<HandOver>,
) -> Result<Json<ShipmentView>, ApiError> {
    hand_to_carrier(&shipping, admin, id, hand_over).await.map(Json)
}

/// Hand shipment `id` to the carrier as `admin` (REST's and GraphQL's hand-over).
pub(crate) async fn hand_to_carrier(
    shipping: &Shipping,
    admin: Principal,
    id: Uuid,
    hand_over: HandOver,
) -> Result<ShipmentView, ApiError> {
    let (carrier, tracking_number) = hand_over.validate()?;
    let not_found = || ApiError::not_found(format!("no shipment {id}"));
    let order_id = read_model::shipment(shipping.store.db(), id).await?.ok_or_else(not_found)?.order_id;
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let step = Move::Ship { carrier, tracking_number: tracking_number.clone() };
    let position = retry_on_conflict(|| async {
        let mut uow = shipping.store.begin().await?;
        if uow.claim_unique(TRACKING_NUMBER, &tracking_number, order_id).await?.is_err() {
            let taken = ApiError::conflict(format!("tracking number {tracking_number} belongs to another parcel"));
            return Ok(Err(taken));
        }
        let moved = advance(&mut uow, order_id, step.clone(), &metadata).await?;
        if moved.is_ok() {
            uow.commit().await?;
        }
        Ok::<_, StoreError>(moved.map(|(_, position)| position))
    })
    .await??;
    shipping.settle(position).await;
    read_model::shipment(shipping.store.db(), id).await?.ok_or_else(not_found)
}
