//! Slice: a customer removes a saved card, or makes one the card checkout offers first.
//! Both are changes of one card's stream, so a removal and a choice of the same card
//! cannot both win.

use crate::payment::{PaymentMethod, PaymentsEvent, method_stream};
use crate::read_model::{self, PaymentMethodView};
use crate::{Payments, READ_YOUR_WRITES};
use axum::extract::State;
use axum::http::StatusCode;
use kernel::aggregate::fold;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError, retry_on_conflict};
use kernel::http::{Json, Path};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new().routes(routes!(remove_payment_method)).routes(routes!(make_default_payment_method))
}

/// Remove a saved card. It is no longer listed nor charged for new orders; when it was the
/// default, the newest remaining card becomes the default. Removing it again changes
/// nothing and answers 204 as well.
#[utoipa::path(delete, path = "/payment-methods/{id}", tag = "payments", params(("id" = Uuid, Path, description = "Saved card id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn remove_payment_method(
    State(payments): State<Payments>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    remove(&payments, principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make a saved card the default: the one checkout offers first.
#[utoipa::path(post, path = "/payment-methods/{id}/default", tag = "payments", params(("id" = Uuid, Path, description = "Saved card id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The card, now the default", body = PaymentMethodView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotFound))]
async fn make_default_payment_method(
    State(payments): State<Payments>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<PaymentMethodView>, ApiError> {
    Ok(Json(make_default(&payments, principal, id).await?))
}

/// A customer's change to one of their saved cards.
#[derive(Clone, Copy)]
enum CardChange {
    Remove,
    MakeDefault,
}

impl CardChange {
    /// What to record for card `id` as it stands: `Err` when the caller may not change it
    /// (unknown, another customer's, or removed and not being removed), `Ok(None)` when
    /// nothing changes (removed again).
    fn event(self, id: Uuid, caller: Uuid, card: &PaymentMethod) -> Result<Option<PaymentsEvent>, ()> {
        if card.customer_id != Some(caller) {
            return Err(());
        }
        match (self, card.removed) {
            (CardChange::Remove, true) => Ok(None),
            (CardChange::Remove, false) => {
                Ok(Some(PaymentsEvent::PaymentMethodRemoved { payment_method_id: id, customer_id: caller }))
            }
            (CardChange::MakeDefault, true) => Err(()),
            (CardChange::MakeDefault, false) => {
                Ok(Some(PaymentsEvent::PaymentMethodMadeDefault { payment_method_id: id, customer_id: caller }))
            }
        }
    }
}

/// Removes card `id` of `principal`'s (REST and GraphQL alike).
pub(crate) async fn remove(payments: &Payments, principal: Principal, id: Uuid) -> Result<(), ApiError> {
    change(payments, &principal, id, CardChange::Remove).await
}

/// Makes card `id` of `principal`'s the default and answers it as it now reads (REST and
/// GraphQL alike).
pub(crate) async fn make_default(
    payments: &Payments,
    principal: Principal,
    id: Uuid,
) -> Result<PaymentMethodView, ApiError> {
    change(payments, &principal, id, CardChange::MakeDefault).await?;
    // The list showed the card before the change and waited for it: a card missing now was
    // removed just after being chosen.
    read_model::payment_method(payments.store.db(), id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no saved card {id}: it was removed")))
}

/// Records `change` of card `id` when `principal` may make it, then waits for the card
/// list to show it.
async fn change(payments: &Payments, principal: &Principal, id: Uuid, change: CardChange) -> Result<(), ApiError> {
    let metadata = Metadata { actor: Some(principal.user_id.to_string()), ..Metadata::default() };
    let stream = method_stream(id);
    let position = retry_on_conflict(|| async {
        let mut uow = payments.store.begin().await?;
        let card = fold::<PaymentMethod>(&uow.load(&stream).await?)?;
        let Ok(event) = change.event(id, principal.user_id, &card.state) else { return Ok(None) };
        let Some(event) = event else { return Ok(Some(None)) };
        let position = uow
            .append(&stream, ExpectedVersion::Exact(card.version), &[NewEvent::from_domain(&event, &metadata)?])
            .await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Some(position))
    })
    .await?
    // Another customer's card is as unknown as one that never existed.
    .ok_or_else(|| ApiError::not_found(format!("no saved card {id}")))?;
    if let Some(position) = position {
        payments.read_model.wait_for(position, READ_YOUR_WRITES).await;
    }
    Ok(())
}
