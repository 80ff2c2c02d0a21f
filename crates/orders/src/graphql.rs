//! Orders' part of the GraphQL schema: placing, reading and cancelling one's orders, through
//! the same functions as the REST slices (`place_order`, `get_order`, `list_orders`,
//! `cancel_order`, `timeline`).

use crate::Orders;
use crate::cancel_order::{CancelOrderRequest, cancel};
use crate::get_order::visible_order;
use crate::list_orders::{OrderFilter, page_of_orders};
use crate::place_order::{PlaceOrder, place};
use crate::read_model::{LineView, OrderView};
use crate::timeline::{OrderTimelineEntry, timeline};
use async_graphql::connection::Connection;
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, ErrorExtensions, Object, Result, ResultExt, SimpleObject, Subscription};
use contracts::views::{ProductLoader, ProductView};
use futures::Stream;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::event_store::RecordedEvent;
use kernel::graphql::{connection, page_request, signed_in, state};
use kernel::idempotency::{mutation_fingerprint, once};
use uuid::Uuid;

/// Orders' queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// One of the caller's orders with its saga's progress (any order, for admins);
    /// `NOT_FOUND` for another customer's.
    async fn order(&self, ctx: &Context<'_>, id: Uuid) -> Result<OrderView> {
        let principal = signed_in(ctx)?;
        visible_order(state::<Orders>(ctx)?, principal, id).await.extend()
    }

    /// One of the caller's orders' moments, oldest first (any order's, for admins);
    /// `NOT_FOUND` for another customer's.
    async fn order_timeline(&self, ctx: &Context<'_>, id: Uuid) -> Result<Vec<OrderTimelineEntry>> {
        let principal = signed_in(ctx)?;
        let orders = state::<Orders>(ctx)?;
        visible_order(orders, principal, id).await.extend()?;
        timeline(orders, id).await.map_err(ApiError::from).extend()
    }

    /// The caller's orders, newest first (every order, for admins), a page at a time,
    /// narrowed by `filter` as over REST.
    #[graphql(complexity = "usize::try_from(first.unwrap_or(20)).unwrap_or(0).saturating_mul(child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<OrderFilter>,
    ) -> Result<Connection<String, OrderView>> {
        let principal = signed_in(ctx)?;
        let after_given = after.is_some();
        let filter = filter.unwrap_or_default();
        let page =
            page_of_orders(state::<Orders>(ctx)?, principal, &page_request(first, after), &filter).await.extend()?;
        Ok(connection(page, after_given, |order| order.id.to_string()))
    }
}

#[ComplexObject]
impl LineView {
    /// The product as the catalog shows it now (its price and stock may have moved since the
    /// order); null when it is no longer sold. Every line of one answer is read together.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<ProductView>> {
        let products = state::<DataLoader<ProductLoader>>(ctx)?;
        products.load_one(self.product_id).await.map_err(|error| error.as_ref().extend())
    }
}

/// Orders' mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct OrdersMutation;

#[Object]
impl OrdersMutation {
    /// Place an order; the saga then runs (watch `order(id)` until it is completed or
    /// cancelled). With `idempotencyKey`, the first answer (an error too) is given again for
    /// 24 hours, and never a second order.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: PlaceOrder,
        idempotency_key: Option<String>,
    ) -> Result<OrderView> {
        let principal = signed_in(ctx)?;
        let orders = state::<Orders>(ctx)?;
        let key = idempotency_key.as_deref().map(kernel::idempotency::checked_key).transpose().extend()?;
        let request = mutation_fingerprint("placeOrder", &input).extend()?;
        // `place` also claims the key in the order's own unit of work: a crash between the
        // order and its kept answer still places one order.
        let placed = async { place(orders, principal, key.clone(), input).await.map(|(_, order)| order) };
        once(&orders.store, &principal, key.as_deref(), &request, placed).await.extend()
    }

    /// Cancel an order: its customer until the parcel leaves, an admin until it is
    /// delivered (a parcel already with the carrier is returned to sender). The
    /// cancellation then runs (watch `order(id)` until it is `cancelled`, or `completed`
    /// with `cancellationRefused`). `CONFLICT` while it is still being placed, once
    /// delivered, for a customer once the parcel left, or after a refusal; asking again
    /// changes nothing.
    /// With `idempotencyKey`, the first answer (an error too) is given again for 24 hours.
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: Option<CancelOrderRequest>,
        idempotency_key: Option<String>,
    ) -> Result<OrderView> {
        let principal = signed_in(ctx)?;
        let orders = state::<Orders>(ctx)?;
        let input = input.unwrap_or_default();
        let request = mutation_fingerprint("cancelOrder", &(id, &input)).extend()?;
        let cancelled = async { cancel(orders, principal, id, input).await.map(|(_, order)| order) };
        once(&orders.store, &principal, idempotency_key.as_deref(), &request, cancelled).await.extend()
    }
}

/// One step of an order's saga as it happens, with the order as it stands right after it.
#[derive(SimpleObject)]
pub struct OrderUpdate {
    /// What the saga recorded (`SagaStarted`, `SagaCommandIssued`, `SagaReplyReceived`, ...).
    event: String,
    /// The saga event's number: updates of one order count up by one, with no gaps.
    version: i64,
    /// The order, its status and its saga's steps, as of this event.
    order: OrderView,
}

/// Orders' subscriptions, merged into the platform's `Subscription`.
#[derive(Default)]
pub struct OrdersSubscription;

/// How long an update waits for the order's read model to include its event before it is
/// sent with the order as the read model has it.
const READ_MODEL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[Subscription]
impl OrdersSubscription {
    /// Every step of the order's saga as it is recorded, from the first, each with the
    /// order as it stands after it; ends once the saga has finished. Only the order's
    /// customer or an admin may follow it (`NOT_FOUND` for anyone else).
    async fn order_updated(&self, ctx: &Context<'_>, id: Uuid) -> Result<impl Stream<Item = Result<OrderUpdate>>> {
        let principal = signed_in(ctx)?;
        let orders = state::<Orders>(ctx)?.clone();
        visible_order(&orders, principal, id).await.extend()?;
        let appends = orders.store.subscribe_appends();
        let follow = Follow {
            orders,
            principal,
            id,
            appends,
            pending: Vec::new().into_iter(),
            sent: 0,
            order_settled: None,
            finished: false,
        };
        Ok(futures::stream::unfold(follow, |mut follow| async move {
            let update = follow.next().await?;
            Some((update.extend(), follow))
        }))
    }
}

/// A subscriber's place in one order's saga.
struct Follow {
    orders: Orders,
    principal: Principal,
    id: Uuid,
    /// Wakes when Orders records anything.
    appends: tokio::sync::watch::Receiver<u64>,
    /// Saga events read but not yet sent.
    pending: std::vec::IntoIter<RecordedEvent>,
    /// The last version sent.
    sent: i64,
    /// Where the order's own latest event stands: in-place steps record it beside the saga's
    /// event, so the last update waits for it too.
    order_settled: Option<kernel::event_store::Position>,
    finished: bool,
}

impl Follow {
    /// The next update, waiting for the saga to record one; `None` once the saga finished.
    async fn next(&mut self) -> Option<Result<OrderUpdate, ApiError>> {
        loop {
            if self.finished {
                return None;
            }
            if let Some(event) = self.pending.next() {
                return Some(self.update(event).await);
            }
            let store = &self.orders.store;
            let read = async {
                let saga = store.load(&kernel::saga::stream_id(self.id)).await?;
                let order = store.load(&crate::order::order_stream(self.id)).await?;
                Ok::<_, kernel::event_store::StoreError>((saga, order.last().map(|event| event.position)))
            };
            match read.await {
                Ok((events, order_settled)) => {
                    let fresh: Vec<_> = events.into_iter().filter(|event| event.stream_version > self.sent).collect();
                    if !fresh.is_empty() {
                        self.pending = fresh.into_iter();
                        self.order_settled = order_settled;
                        continue;
                    }
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(ApiError::from(error)));
                }
            }
            // Nothing new yet: wait for Orders' next append (the channel closes only at shutdown).
            if self.appends.changed().await.is_err() {
                return None;
            }
        }
    }

    /// The update for `event`, once the read model shows it. The saga's final event closes
    /// the stream; it is recorded beside the order's own final event (the in-place step that
    /// completes or cancels the order), so its update waits for that one too. (The saga's
    /// state in the view is current, not as of `event`: it cannot tell when to stop.)
    async fn update(&mut self, event: RecordedEvent) -> Result<OrderUpdate, ApiError> {
        let last = kernel::saga::is_final_event(&event.event_type);
        let shown = match self.order_settled {
            Some(order) if last => order.max(event.position),
            _ => event.position,
        };
        self.orders.read_model.wait_for(shown, READ_MODEL_WAIT).await;
        let order = visible_order(&self.orders, self.principal, self.id).await?;
        self.sent = event.stream_version;
        self.finished = last;
        Ok(OrderUpdate { event: event.event_type, version: event.stream_version, order })
    }
}
