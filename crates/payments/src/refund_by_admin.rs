//! Slice: an admin gives back part (or the rest) of a charged payment, with a reason.
//!
//! The refund is recorded first (`RefundRequested`), held against what can still be
//! refunded, so two admins at once can never give back more than was charged. The gateway
//! is then asked at once, with the refund's own idempotency key; the same request also goes
//! out as `IssueRefund`, which Payments handles itself, so a refund whose first attempt
//! met a crash or a gateway outage is still made, and only once. Each refund made is
//! published as `RefundIssued`, which Orders records on the order.

use crate::Payments;
use crate::READ_YOUR_WRITES;
use crate::gateway::GatewayError;
use crate::payment::{Payment, PaymentsEvent, RefundProgress, payment_stream};
use crate::process_payment::{CONSUMER, with_retries};
use crate::read_model::{self, RefundView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use contracts::payments::IssueRefund;
use kernel::aggregate::fold;
use kernel::auth::{Admin, Principal};
use kernel::bus::Envelope;
use kernel::error::{ApiError, Validation};
use kernel::event_store::{Metadata, StoreError, UnitOfWork, retry_on_conflict};
use kernel::http::{Json, Path};
use kernel::messaging::{HandlerError, handle_once};
use kernel::money::Money;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The longest reason kept, in characters.
const MAX_REASON_CHARS: usize = 500;

/// What an admin asks to give back.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
#[graphql(name = "RefundPaymentInput")]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRefund {
    /// How much, in the payment's currency's minor units; omitted for all that can still
    /// be refunded.
    #[serde(default)]
    amount_minor: Option<i64>,
    /// Why, for the customer and the books (1 to 500 characters).
    reason: String,
}

pub(crate) fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new().routes(routes!(refund_payment))
}

/// Give back part or the rest of a charged payment (admins). Never more than is still
/// charged: a refund above it is a 409 and changes nothing. The answer is the refund as
/// the gateway left it: `succeeded`, `failed`, or `pending` while the gateway is
/// unavailable (it is then made as soon as it answers).
#[utoipa::path(post, path = "/payments/{id}/refunds", tag = "payments", request_body = NewRefund,
    params(("id" = Uuid, Path, description = "Payment id"), kernel::idempotency::KeyHeader),
    security(("bearer" = [])),
    responses((status = 201, description = "The refund", body = RefundView), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, kernel::error::problems::Conflict, kernel::error::problems::InvalidRequest))]
async fn refund_payment(
    State(payments): State<Payments>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<NewRefund>,
) -> Result<(StatusCode, Json<RefundView>), ApiError> {
    let key = kernel::idempotency::key_of(&headers)?;
    Ok((StatusCode::CREATED, Json(refund(&payments, admin, id, key.as_deref(), input).await?)))
}

/// What asking for a refund found.
enum Asked {
    /// Recorded now.
    New,
    /// Asked before with the same idempotency key and the same request.
    Before,
}

/// Records an admin's refund of payment `id`, asks the gateway for it, and answers it as
/// it then stands (REST and GraphQL alike). With an idempotency key the refund's id is
/// derived from it, so the same request again finds the first refund instead of making a
/// second, and a different request under the same key is refused.
pub(crate) async fn refund(
    payments: &Payments,
    admin: Principal,
    id: Uuid,
    key: Option<&str>,
    input: NewRefund,
) -> Result<RefundView, ApiError> {
    let reason = input.reason.trim().to_owned();
    let mut v = Validation::new();
    v.check(
        (1..=MAX_REASON_CHARS).contains(&reason.chars().count()),
        "reason",
        format!("must be 1 to {MAX_REASON_CHARS} characters"),
    );
    v.check(input.amount_minor.is_none_or(|minor| minor > 0), "amount_minor", "must be more than zero");
    v.finish()?;
    let payment = read_model::payment(payments.store.db(), id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no payment {id}")))?;
    let order_id = payment.order_id;
    let refund_id = match key {
        Some(key) => kernel::ids::derived_id(&["admin-refund", &id.to_string(), &admin.user_id.to_string(), key]),
        None => Uuid::now_v7(),
    };
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let stream = payment_stream(order_id);
    let asked = retry_on_conflict(|| async {
        let mut uow = payments.store.begin().await?;
        let mut payment = uow.load_aggregate::<Payment>(&stream).await?;
        if let Some(first) = payment.state.admin_refunds().iter().find(|refund| refund.id == refund_id) {
            let same =
                first.reason == reason && input.amount_minor.is_none_or(|minor| minor == first.amount.amount_minor);
            return Ok(if same {
                Ok(Asked::Before)
            } else {
                Err(ApiError::rejected(
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different refund; use a new key for a new request",
                ))
            });
        }
        let amount = match decide_amount(&payment.state, input.amount_minor) {
            Ok(amount) => amount,
            Err(refused) => return Ok(Err(refused)),
        };
        let requested = PaymentsEvent::RefundRequested {
            payment_id: id,
            order_id,
            refund_id,
            amount,
            reason: reason.clone(),
            requested_by: admin.user_id,
        };
        uow.append_decided(&stream, &mut payment, &[requested], &metadata).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Ok(Asked::New))
    })
    .await??;
    // The gateway now; when it cannot answer, `IssueRefund` makes the refund later. That
    // may also have settled it first (or this is the same request again): either way the
    // answer waits until the refund reads as its stream last left it.
    if let Asked::New = asked
        && let Err(error) = settle(payments, order_id, refund_id, &metadata, None).await
    {
        tracing::warn!(%refund_id, %error, "an admin's refund is left pending for now");
    }
    if let Some(last) = payments.store.load(&stream).await?.last() {
        payments.read_model.wait_for(last.position, READ_YOUR_WRITES).await;
    }
    read_model::refund(payments.store.db(), refund_id)
        .await?
        .ok_or_else(|| ApiError::unavailable("the refund was recorded but is not readable yet"))
}

/// How much a refund of `asked` minor units (or all that is left) gives back, or why
/// `payment` cannot give it.
fn decide_amount(payment: &Payment, asked: Option<i64>) -> Result<Money, ApiError> {
    let refundable = match payment {
        Payment::Processed { .. } => payment.refundable().expect("a captured payment has a refundable amount"),
        Payment::None | Payment::Initiated { .. } => {
            return Err(ApiError::conflict("the payment is not charged yet: there is nothing to refund"));
        }
        Payment::Authorized { .. } => {
            return Err(ApiError::conflict(
                "the payment is authorized but not captured yet (it is captured when the order ships): \
                 nothing was charged to refund; cancelling the order releases the hold",
            ));
        }
        Payment::Released { .. } => {
            return Err(ApiError::conflict("the order was cancelled before its capture: nothing was charged"));
        }
        Payment::Failed => return Err(ApiError::conflict("the payment failed: nothing was charged")),
        Payment::Refunding { .. } | Payment::Refunded { .. } => {
            return Err(ApiError::conflict("the order was cancelled and its payment is refunded in full"));
        }
        Payment::Voided => return Err(ApiError::conflict("the payment was voided: nothing was charged")),
    };
    let amount = Money::new(asked.unwrap_or(refundable.amount_minor), refundable.currency);
    if refundable.amount_minor == 0 {
        Err(ApiError::conflict("everything charged for this order has been refunded already"))
    } else if amount.amount_minor > refundable.amount_minor {
        Err(ApiError::conflict(format!(
            "at most {} {} can still be refunded; {} {} was asked for",
            refundable.decimal(),
            refundable.currency,
            amount.decimal(),
            amount.currency
        )))
    } else {
        Ok(amount)
    }
}

/// Payments' own `IssueRefund`: makes an admin's refund that is still pending.
pub(crate) async fn issue(payments: &Payments, envelope: &Envelope, command: IssueRefund) -> Result<(), HandlerError> {
    let metadata = Metadata::caused_by(envelope);
    settle(payments, command.order_id, command.refund_id, &metadata, Some(envelope)).await
}

/// Asks the gateway for refund `refund_id` of `order_id`'s payment while it is pending, and
/// records the answer: in `envelope`'s inbox claim when there is one. A gateway that does
/// not answer leaves it pending (`Transient`).
async fn settle(
    payments: &Payments,
    order_id: Uuid,
    refund_id: Uuid,
    metadata: &Metadata,
    envelope: Option<&Envelope>,
) -> Result<(), HandlerError> {
    let stream = payment_stream(order_id);
    let before = fold::<Payment>(&payments.store.load(&stream).await?)?;
    let pending =
        before.state.admin_refunds().iter().find(|r| r.id == refund_id && r.progress == RefundProgress::Pending);
    let outcome = match (&before.state, pending) {
        (Payment::Processed { charge_id, .. }, Some(refund)) => {
            let key = format!("refund-{refund_id}");
            let answer = with_retries(|| payments.gateway.refund(charge_id, refund.amount, &key)).await;
            Some(match answer {
                Ok(gateway_refund_id) => PaymentsEvent::RefundSucceeded {
                    payment_id: crate::payment::payment_id(order_id),
                    order_id,
                    refund_id,
                    amount: refund.amount,
                    reason: refund.reason.clone(),
                    gateway_refund_id,
                },
                Err(GatewayError::Transient(reason)) => {
                    return Err(HandlerError::Transient(format!("the gateway did not make the refund yet: {reason}")));
                }
                Err(refused) => PaymentsEvent::RefundFailed {
                    payment_id: crate::payment::payment_id(order_id),
                    order_id,
                    refund_id,
                    message: refused.to_string(),
                },
            })
        }
        // Settled already (by the request itself, or an earlier delivery).
        _ => None,
    };
    let (stream, outcome) = (&stream, &outcome);
    let record = |uow: UnitOfWork| record_outcome(uow, stream, refund_id, outcome.clone(), metadata);
    match envelope {
        Some(envelope) => {
            handle_once(&payments.store, CONSUMER, envelope, record).await?;
        }
        None => {
            retry_on_conflict(|| async {
                let (uow, ()) = record(payments.store.begin().await?).await?;
                uow.commit().await
            })
            .await?;
        }
    }
    Ok(())
}

/// Appends `outcome` of refund `refund_id` unless it was settled meanwhile.
async fn record_outcome(
    mut uow: UnitOfWork,
    stream: &str,
    refund_id: Uuid,
    outcome: Option<PaymentsEvent>,
    metadata: &Metadata,
) -> Result<(UnitOfWork, ()), StoreError> {
    let Some(outcome) = outcome else { return Ok((uow, ())) };
    let mut payment = uow.load_aggregate::<Payment>(stream).await?;
    let still_pending = payment
        .state
        .admin_refunds()
        .iter()
        .any(|refund| refund.id == refund_id && refund.progress == RefundProgress::Pending);
    if still_pending {
        uow.append_decided(stream, &mut payment, &[outcome], metadata).await?;
    }
    Ok((uow, ()))
}
