//! The customer journey under load: sign in (every few orders), list products, open one,
//! quote its shipping, place a one-line order, and follow it until it is completed or
//! cancelled. Each customer records its own figures (no shared locks on the hot path);
//! they are merged at the end.

use crate::prepare::{Product, Shop};
use hdrhistogram::Histogram;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When the run measures and how customers behave.
#[derive(Debug, Clone, Copy)]
pub struct Phases {
    /// Warm-up ends: requests and orders from here on are measured.
    pub measure_from: Instant,
    /// Measuring ends: no new journey starts; orders in flight are followed to the end.
    pub measure_until: Instant,
    /// Pause between two looks at an order.
    pub poll: Duration,
    /// Longest an order may take to finish.
    pub order_timeout: Duration,
    /// Orders between two sign-ins.
    pub orders_per_sign_in: u32,
}

impl Phases {
    fn measures(&self, at: Instant) -> bool {
        at >= self.measure_from && at < self.measure_until
    }
}

/// A prepared customer: credentials and a saved card.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Sign-in email.
    pub email: String,
    /// Password.
    pub password: String,
    /// Saved card (payment method id).
    pub card: String,
}

/// The HTTP client and the server's base URL.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
}

/// Why a request did not give the expected answer.
#[derive(Debug)]
pub struct Failure {
    /// A short, groupable description: `POST /orders: 500`, `GET /products: timeout`.
    pub kind: String,
    /// The body or error text, for preparation errors.
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.detail)
    }
}

impl std::error::Error for Failure {}

impl Api {
    /// An API client for the server at `base`.
    pub fn new(client: reqwest::Client, base: &str) -> Api {
        Api { client, base: format!("{base}/api/v1") }
    }

    /// Sends one request and returns its JSON body when the status is `expected`.
    /// `endpoint` names the route (its template, not the concrete path) for grouping.
    pub async fn send(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        expected: StatusCode,
    ) -> Result<Value, Failure> {
        let bytes = self.send_raw(endpoint, method, path, token, body, expected).await?;
        serde_json::from_slice(&bytes)
            .map_err(|error| Failure { kind: format!("{endpoint}: unreadable body"), detail: error.to_string() })
    }

    /// [`Api::send`] without reading the body as JSON: for a driver that must not spend
    /// its CPU on answers it does not look at.
    pub async fn send_raw(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        expected: StatusCode,
    ) -> Result<bytes::Bytes, Failure> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if endpoint == PLACE_ORDER {
            request = request.header("idempotency-key", uuid::Uuid::new_v4().to_string());
        }
        let transport = |error: reqwest::Error| {
            let what = if error.is_timeout() {
                "timeout"
            } else if error.is_connect() {
                "connection refused"
            } else {
                "transport error"
            };
            Failure { kind: format!("{endpoint}: {what}"), detail: error.to_string() }
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status != expected {
            return Err(Failure {
                kind: format!("{endpoint}: {}", status.as_u16()),
                detail: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(bytes)
    }

    /// Signs in and returns the access token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String, Failure> {
        let session = self
            .send(
                SIGN_IN,
                Method::POST,
                "/auth/login",
                None,
                Some(&json!({ "email": email, "password": password })),
                StatusCode::OK,
            )
            .await?;
        Ok(session["access_token"].as_str().unwrap_or_default().to_owned())
    }
}

const SIGN_IN: &str = "POST /auth/login";
const LIST_PRODUCTS: &str = "GET /products";
const GET_PRODUCT: &str = "GET /products/{id}";
const QUOTE: &str = "POST /shipping/quotes";
const PLACE_ORDER: &str = "POST /orders";
const GET_ORDER: &str = "GET /orders/{id}";

/// What one customer (or, merged, all of them) saw.
pub struct WorkerStats {
    /// Latency of each endpoint's measured requests, in microseconds.
    pub endpoints: BTreeMap<&'static str, Histogram<u64>>,
    /// Place → terminal latency of completed orders placed while measuring, microseconds.
    pub order_latency: Histogram<u64>,
    /// Orders that completed while measuring.
    pub completed_in_window: u64,
    /// Orders placed while measuring (each was followed to its end).
    pub placed_in_window: u64,
    /// Failures by kind, over the whole run including warm-up.
    pub errors: BTreeMap<String, u64>,
}

/// A latency histogram from 1 µs to 10 minutes at 3 significant digits.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

impl Default for WorkerStats {
    fn default() -> Self {
        WorkerStats {
            endpoints: BTreeMap::new(),
            order_latency: latency_histogram(),
            completed_in_window: 0,
            placed_in_window: 0,
            errors: BTreeMap::new(),
        }
    }
}

impl WorkerStats {
    /// Adds another customer's figures to these.
    pub fn merge(&mut self, other: WorkerStats) {
        for (endpoint, histogram) in other.endpoints {
            self.endpoints.entry(endpoint).or_insert_with(latency_histogram).add(histogram).expect("same bounds");
        }
        self.order_latency.add(other.order_latency).expect("same bounds");
        self.completed_in_window += other.completed_in_window;
        self.placed_in_window += other.placed_in_window;
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
    }

    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }
}

/// One customer's session: a timed request recorder around [`Api`].
struct Session<'a> {
    api: &'a Api,
    phases: Phases,
    stats: WorkerStats,
}

impl Session<'_> {
    async fn call(
        &mut self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        expected: StatusCode,
    ) -> Result<Value, ()> {
        let started = Instant::now();
        let outcome = self.api.send(endpoint, method, path, token, body, expected).await;
        if self.phases.measures(started) {
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.stats.endpoints.entry(endpoint).or_insert_with(latency_histogram).saturating_record(micros.max(1));
        }
        outcome.map_err(|failure| self.stats.error(failure.kind))
    }
}

#[derive(Deserialize)]
struct OrderView {
    status: String,
    cancellation: Option<Cancellation>,
}

#[derive(Deserialize)]
struct Cancellation {
    code: String,
}

/// Shops until the measured window ends, then returns what this customer saw.
pub async fn shop_until_done(
    seed: u64,
    api: Api,
    shop: Arc<Shop>,
    customer: Customer,
    phases: Phases,
    completed: Arc<AtomicU64>,
) -> WorkerStats {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut session = Session { api: &api, phases, stats: WorkerStats::default() };
    let mut token: Option<String> = None;
    let mut orders_since_sign_in = 0;
    while Instant::now() < phases.measure_until {
        if token.is_none() || orders_since_sign_in >= phases.orders_per_sign_in {
            let body = json!({ "email": customer.email, "password": customer.password });
            token = session
                .call(SIGN_IN, Method::POST, "/auth/login", None, Some(&body), StatusCode::OK)
                .await
                .ok()
                .and_then(|s| s["access_token"].as_str().map(str::to_owned));
            orders_since_sign_in = 0;
        }
        let Some(bearer) = token.as_deref() else {
            back_off(phases).await;
            continue;
        };
        let product = &shop.products[rng.random_range(0..shop.products.len())];
        match one_order(&mut session, bearer, product, &customer, &completed).await {
            Ok(()) => orders_since_sign_in += 1,
            Err(()) => back_off(phases).await,
        }
    }
    session.stats
}

/// After a failure, wait a little rather than hammer a struggling server; never past the
/// end of the run.
async fn back_off(phases: Phases) {
    let until = (Instant::now() + Duration::from_millis(100)).min(phases.measure_until);
    tokio::time::sleep_until(until.into()).await;
}

async fn one_order(
    session: &mut Session<'_>,
    token: &str,
    product: &Product,
    customer: &Customer,
    completed: &AtomicU64,
) -> Result<(), ()> {
    session.call(LIST_PRODUCTS, Method::GET, "/products?limit=20", None, None, StatusCode::OK).await?;
    let path = format!("/products/{}", product.id);
    session.call(GET_PRODUCT, Method::GET, &path, None, None, StatusCode::OK).await?;
    let quote = json!({ "country": "US", "lines": [{ "product_id": product.id, "quantity": 1 }] });
    session.call(QUOTE, Method::POST, "/shipping/quotes", None, Some(&quote), StatusCode::OK).await?;
    let order = json!({
        "lines": [{ "product_id": product.id, "quantity": 1 }],
        "payment_method_id": customer.card,
        "shipping_address": {
            "name": "Load Driver", "line1": "1 Loopback Way", "city": "Localhost",
            "postal_code": "12345", "country": "US"
        }
    });
    let placed_at = Instant::now();
    let placed =
        session.call(PLACE_ORDER, Method::POST, "/orders", Some(token), Some(&order), StatusCode::ACCEPTED).await?;
    let measured = session.phases.measures(placed_at);
    if measured {
        session.stats.placed_in_window += 1;
    }
    let path = format!("/orders/{}", placed["id"].as_str().unwrap_or_default());
    let deadline = placed_at + session.phases.order_timeout;
    loop {
        tokio::time::sleep(session.phases.poll).await;
        let view = session.call(GET_ORDER, Method::GET, &path, Some(token), None, StatusCode::OK).await?;
        let view: OrderView =
            serde_json::from_value(view).map_err(|_| session.stats.error("order: unreadable".into()))?;
        let finished_at = Instant::now();
        match view.status.as_str() {
            "completed" => {
                completed.fetch_add(1, Ordering::Relaxed);
                if session.phases.measures(finished_at) {
                    session.stats.completed_in_window += 1;
                }
                if measured {
                    let micros = u64::try_from((finished_at - placed_at).as_micros()).unwrap_or(u64::MAX);
                    session.stats.order_latency.saturating_record(micros);
                }
                return Ok(());
            }
            "cancelled" => {
                let code = view.cancellation.map_or_else(|| "unknown".to_owned(), |c| c.code);
                session.stats.error(format!("order cancelled: {code}"));
                return Err(());
            }
            _ if finished_at >= deadline => {
                session.stats.error(format!("order not finished within {} s", session.phases.order_timeout.as_secs()));
                return Err(());
            }
            _ => {}
        }
    }
}
