//! Payments' part of the GraphQL schema: a customer's saved cards and payments, through the
//! same functions as the REST slices (`add_payment_method`, `list_payment_methods`,
//! `get_payment`, `remove_payment_method`).

use crate::Payments;
use crate::add_payment_method::{NewPaymentMethod, add};
use crate::get_payment::visible_payment;
use crate::read_model::RefundView;
use crate::read_model::{self, PaymentMethodView, PaymentView};
use crate::refund_by_admin::{NewRefund, refund};
use crate::remove_payment_method::{make_default, remove};
use async_graphql::{Context, Object, Result, ResultExt};
use kernel::error::ApiError;
use kernel::graphql::{admin, signed_in, state};
use kernel::idempotency::{mutation_fingerprint, once};
use uuid::Uuid;

/// Payments' queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct PaymentsQuery;

#[Object]
impl PaymentsQuery {
    /// The caller's saved cards.
    async fn payment_methods(&self, ctx: &Context<'_>) -> Result<Vec<PaymentMethodView>> {
        let principal = signed_in(ctx)?;
        let payments = state::<Payments>(ctx)?;
        read_model::payment_methods(payments.store.db(), principal.user_id).await.map_err(ApiError::from).extend()
    }

    /// A payment of the caller's (any, for admins); `NOT_FOUND` for another customer's.
    async fn payment(&self, ctx: &Context<'_>, id: Uuid) -> Result<PaymentView> {
        let principal = signed_in(ctx)?;
        visible_payment(state::<Payments>(ctx)?, principal, id).await.extend()
    }
}

/// Payments' mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct PaymentsMutation;

#[Object]
impl PaymentsMutation {
    /// Save a card: the gateway tokenises it; only token, brand, last four digits and
    /// expiry are kept.
    /// With `idempotencyKey`, the first answer (an error too) is given again for 24 hours.
    async fn add_payment_method(
        &self,
        ctx: &Context<'_>,
        input: NewPaymentMethod,
        idempotency_key: Option<String>,
    ) -> Result<PaymentMethodView> {
        let principal = signed_in(ctx)?;
        let payments = state::<Payments>(ctx)?;
        let request = mutation_fingerprint("addPaymentMethod", &input).extend()?;
        once(&payments.store, &principal, idempotency_key.as_deref(), &request, add(payments, principal, input))
            .await
            .extend()
    }

    /// Remove a saved card: no longer listed nor charged for new orders (the newest
    /// remaining card becomes the default when it was). Answers the card's id; removing it
    /// again changes nothing.
    async fn remove_payment_method(&self, ctx: &Context<'_>, id: Uuid) -> Result<Uuid> {
        let principal = signed_in(ctx)?;
        remove(state::<Payments>(ctx)?, principal, id).await.extend()?;
        Ok(id)
    }

    /// Give back part or the rest of a charged payment (admins), never more than is still
    /// charged. With `idempotencyKey`, the first answer (an error too) is given again for 24 hours.
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        payment_id: Uuid,
        input: NewRefund,
        idempotency_key: Option<String>,
    ) -> Result<RefundView> {
        let principal = admin(ctx)?;
        let payments = state::<Payments>(ctx)?;
        let key = idempotency_key.as_deref();
        let request = mutation_fingerprint("refundPayment", &(payment_id, &input)).extend()?;
        once(&payments.store, &principal, key, &request, refund(payments, principal, payment_id, key, input))
            .await
            .extend()
    }

    /// Make a saved card the default: the one checkout offers first.
    async fn make_default_payment_method(&self, ctx: &Context<'_>, id: Uuid) -> Result<PaymentMethodView> {
        let principal = signed_in(ctx)?;
        make_default(state::<Payments>(ctx)?, principal, id).await.extend()
    }
}
