//! Test support: start the real platform on a loopback port against a fresh database
//! (a temporary SQLite folder, or isolated PostgreSQL schemas) and talk to it over HTTP.
//!
//! PostgreSQL suites use `EMPORIUM_TEST_DATABASE_URL`. Under `CI=true` they must run: a
//! missing URL or an unreachable server fails the test loudly. Elsewhere, without the URL,
//! they print why they are skipped.

use emporium::{Platform, Settings};
use kernel::clock::{SharedClock, SystemClock};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub use emporium::seed::{ADMIN_EMAIL, ADMIN_PASSWORD, CUSTOMER_EMAIL, CUSTOMER_PASSWORD};

/// Which database a test app runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// SQLite files in a temporary folder.
    Sqlite,
    /// Fresh schemas in the PostgreSQL database at this URL.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend, or `None` (with the reason printed) when it is not configured
    /// outside CI. Panics under `CI=true` when the URL is missing.
    pub fn postgres() -> Option<Backend> {
        service_url("EMPORIUM_TEST_DATABASE_URL", "PostgreSQL").map(Backend::Postgres)
    }

    /// SQLite, plus PostgreSQL when available: what store tests run against.
    pub fn all() -> Vec<Backend> {
        std::iter::once(Backend::Sqlite).chain(Backend::postgres()).collect()
    }
}

/// Asserts that `body` is a problem document (RFC 9457) answered with `expected`, with a
/// detail a person can act on; `what` names the request in the failure message.
pub fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode, what: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    assert_eq!(body["status"], expected.as_u16(), "{what}: {body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what} has a detail: {body}");
}

/// The Redis URL for cache suites: `EMPORIUM_TEST_REDIS_URL`; required under `CI=true`,
/// otherwise `None` with the reason printed.
pub fn redis_url() -> Option<String> {
    service_url("EMPORIUM_TEST_REDIS_URL", "Redis")
}

/// The URL of an external service's test instance from `variable`. Under `CI=true` its
/// suites must run, so a missing URL panics; elsewhere the variant is skipped, saying why.
fn service_url(variable: &str, service: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true but {variable} is not set: the {service} suites must run in CI")
        }
        _ => {
            eprintln!("skipping the {service} variant: {variable} is not set");
            None
        }
    }
}

/// How contexts exchange messages in a test app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bus {
    /// Consumers follow the producers' event stores (the embedded default).
    Embedded,
    /// RabbitMQ at this URL, with queues of the app's own (deleted when the app is dropped).
    RabbitMq(String),
}

impl Bus {
    /// RabbitMQ from `EMPORIUM_TEST_AMQP_URL`, or `None` (with the reason printed) when it
    /// is not configured outside CI. Panics under `CI=true` when the URL is missing.
    pub fn rabbitmq() -> Option<Bus> {
        service_url("EMPORIUM_TEST_AMQP_URL", "RabbitMQ").map(Bus::RabbitMq)
    }

    /// Points `settings` at this bus: for RabbitMQ, a namespace no other app uses.
    pub fn apply(&self, settings: &mut Settings) {
        if let Bus::RabbitMq(url) = self {
            settings.amqp_url = Some(url.clone());
            settings.amqp_namespace = format!("test-{}", &Uuid::new_v4().simple().to_string()[..12]);
            settings.amqp_shards = 2;
        }
    }
}

/// Runs an async test body once per backend from [`Backend::all`].
#[macro_export]
macro_rules! on_every_backend {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::Backend::postgres() {
                    ($body)(backend).await;
                }
            }
        }
    };
}

/// Runs an async test body on every backend with each bus: SQLite and PostgreSQL, each
/// with embedded delivery and over RabbitMQ.
#[macro_export]
macro_rules! on_every_backend_and_bus {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Backend::Sqlite, $crate::Bus::Embedded).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::Backend::postgres() {
                    ($body)(backend, $crate::Bus::Embedded).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_rabbitmq() {
                if let Some(bus) = $crate::Bus::rabbitmq() {
                    ($body)($crate::Backend::Sqlite, bus).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_rabbitmq() {
                if let (Some(backend), Some(bus)) = ($crate::Backend::postgres(), $crate::Bus::rabbitmq()) {
                    ($body)(backend, bus).await;
                }
            }
        }
    };
}

/// A running platform and an HTTP client for it.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// The settings it runs with (reused on restart).
    pub settings: Settings,
    client: reqwest::Client,
    platform: Option<Platform>,
    server: Option<tokio::task::JoinHandle<()>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    clock: SharedClock,
    // Kept for the app's lifetime: dropping it deletes the SQLite files.
    _data_dir: Arc<tempfile::TempDir>,
    schemas: Option<(String, String)>,
    /// Every consumer, whose RabbitMQ queues go when the app is dropped.
    consumers: Vec<&'static str>,
}

impl TestApp {
    /// Starts a fresh platform on `backend`.
    pub async fn spawn(backend: &Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a fresh platform on `backend` whose contexts talk over `bus`.
    pub async fn spawn_on(backend: &Backend, bus: &Bus) -> TestApp {
        Self::spawn_with(backend, |settings| bus.apply(settings)).await
    }

    /// Starts a fresh platform on `backend` after `configure` adjusts its settings.
    pub async fn spawn_with(backend: &Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = Arc::new(tempfile::tempdir().expect("temporary folder"));
        let mut settings = test_settings(data_dir.path());
        let mut schemas = None;
        if let Backend::Postgres(url) = backend {
            let prefix = format!("t{}_", &Uuid::new_v4().simple().to_string()[..12]);
            settings.database_url = Some(url.clone());
            settings.db_schema_prefix.clone_from(&prefix);
            schemas = Some((url.clone(), prefix));
        }
        configure(&mut settings);
        Self::start(settings, Arc::new(SystemClock), data_dir, schemas).await
    }

    /// A client for a platform served by another process (a [`ServerProcess`]) from
    /// `settings`: HTTP to `base`, and its databases opened here (no background work) for
    /// seeding the admin and checking invariants. Cleans up like a spawned app.
    pub async fn attach(server: &ServerProcess) -> TestApp {
        let clock: SharedClock = Arc::new(SystemClock);
        let platform = Platform::open(&server.settings, clock.clone()).await.expect("platform opens");
        TestApp {
            base: server.base.clone(),
            settings: server.settings.clone(),
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client"),
            consumers: platform.consumers(),
            platform: Some(platform),
            server: None,
            shutdown: None,
            clock,
            _data_dir: server.data_dir.clone(),
            schemas: server.schemas.clone(),
        }
    }

    async fn start(
        settings: Settings,
        clock: SharedClock,
        data_dir: Arc<tempfile::TempDir>,
        schemas: Option<(String, String)>,
    ) -> TestApp {
        capture_logs();
        let mut platform = Platform::open(&settings, clock.clone()).await.expect("platform opens");
        platform.start_background().await.expect("background work starts");
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("loopback port");
        let address = listener.local_addr().expect("bound address");
        // Served as `emporium serve` serves it: with each connection's peer address.
        let router = platform.router().into_make_service_with_connect_info::<SocketAddr>();
        let consumers = platform.consumers();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
                .expect("server runs");
        });
        TestApp {
            base: format!("http://{address}"),
            settings,
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client"),
            platform: Some(platform),
            server: Some(server),
            shutdown: Some(shutdown),
            clock,
            _data_dir: data_dir,
            schemas,
            consumers,
        }
    }

    /// The running platform.
    pub fn platform(&self) -> &Platform {
        self.platform.as_ref().expect("platform is running")
    }

    async fn stop_server(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Kills the platform mid-flight (background tasks aborted wherever they are), then
    /// starts a new one on the same data: what a process crash and restart do.
    pub async fn crash_and_restart(mut self) -> TestApp {
        self.stop_server().await;
        self.platform.take().expect("running").crash().await;
        self.reopen().await
    }

    /// Stops the platform gracefully and starts a new one on the same data.
    pub async fn restart(mut self) -> TestApp {
        self.stop_server().await;
        self.platform.take().expect("running").shutdown().await;
        self.reopen().await
    }

    async fn reopen(mut self) -> TestApp {
        let schemas = self.schemas.take();
        self.consumers.clear(); // the new app's queues: they stay
        let data_dir = self._data_dir.clone();
        Self::start(self.settings.clone(), self.clock.clone(), data_dir, schemas).await
    }

    /// The event types recorded in `stream` of `context`'s store, in order.
    pub async fn event_types(&self, context: &str, stream: &str) -> Vec<String> {
        let db = self.platform().database(context).unwrap_or_else(|| panic!("no {context} database")).clone();
        sqlx::query_scalar("select event_type from events where stream_id = $1 order by stream_version")
            .bind(stream)
            .fetch_all(db.reader())
            .await
            .expect("events query")
    }

    /// Seeds the demo users (and catalog).
    pub async fn seed_demo(&self) {
        emporium::seed::demo(self.platform()).await.expect("demo data seeds");
    }

    /// Sends a request; answers the status and the JSON body (`Null` when empty).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let text = response.text().await.expect("body reads");
        let json =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, json)
    }

    /// Sends raw bytes as a JSON body and returns status, content type and body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &'static str,
    ) -> (StatusCode, String, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let json = response.json().await.unwrap_or(Value::Null);
        (status, content_type, json)
    }

    /// GET with an optional token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::GET, path, token, None).await
    }

    /// POST a JSON body with an optional token.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// Sends one GraphQL operation to `/graphql` as `token` and answers its response; a
    /// GraphQL answer is 200 even when the operation failed, so any other status panics.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.post("/graphql", token, json!({ "query": query, "variables": variables })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) =
            self.post("/api/v1/auth/login", None, json!({ "email": email, "password": password })).await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// An admin's token (the demo admin is created if needed).
    pub async fn admin_token(&self) -> String {
        let identity = self.platform().identity();
        identity
            .ensure_user(ADMIN_EMAIL, ADMIN_PASSWORD, "Admin", kernel::auth::Role::Admin)
            .await
            .expect("admin exists");
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Registers a new customer and returns their token.
    pub async fn new_customer(&self) -> String {
        let email = format!("{}@example.test", Uuid::new_v4().simple());
        let (status, body) = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({ "email": email, "password": "correct-horse-1", "name": "Test Customer" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register failed: {body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Creates a product with `stock` units at `price_minor` USD and waits until Orders can
    /// price it, Shipping can quote it and Inventory holds its stock.
    pub async fn create_product(&self, admin: &str, stock: i64, price_minor: i64) -> Uuid {
        let sku = format!("T-{}", &Uuid::new_v4().simple().to_string()[..16]);
        let (status, body) = self
            .post(
                "/api/v1/products",
                Some(admin),
                json!({ "sku": sku, "name": format!("Product {sku}"), "description": "test product",
                        "price": { "amount_minor": price_minor, "currency": "USD" }, "weight_grams": 500, "initial_stock": stock }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "create product failed: {body}");
        let id: Uuid = body["id"].as_str().and_then(|s| s.parse().ok()).expect("product id");
        self.eventually("inventory opens the stock item", || async {
            let (status, body) = self.get(&format!("/api/v1/inventory/{id}"), Some(admin)).await;
            (status == StatusCode::OK && body["on_hand"] == json!(stock)).then_some(())
        })
        .await;
        // Orders prices from its own copy of the catalog, which follows a moment later.
        let orders = self.platform().database("orders").expect("orders database").clone();
        self.eventually("orders can price the product", || async {
            let found: Option<String> = sqlx::query_scalar("select product_id from price_list where product_id = $1")
                .bind(id.to_string())
                .fetch_optional(orders.reader())
                .await
                .expect("price list query");
            found.map(|_| ())
        })
        .await;
        // So does Shipping, which quotes a cart by its products' weights.
        self.eventually("shipping can quote the product", || async {
            let lines = json!([{ "product_id": id, "quantity": 1 }]);
            let (status, _) =
                self.post("/api/v1/shipping/quotes", None, json!({ "country": "US", "lines": lines })).await;
            (status == StatusCode::OK).then_some(())
        })
        .await;
        id
    }

    /// Saves a card for the customer and returns the payment method id.
    pub async fn add_card(&self, customer: &str, number: &str) -> Uuid {
        let (status, body) = self
            .post(
                "/api/v1/payment-methods",
                Some(customer),
                json!({ "card_number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123", "holder_name": "Test Customer" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "add card failed: {body}");
        body["id"].as_str().and_then(|s| s.parse().ok()).expect("payment method id")
    }

    /// Places an order of `(product, quantity)` lines shipped to `country`.
    pub async fn place_order(
        &self,
        customer: &str,
        lines: &[(Uuid, i64)],
        card: Uuid,
        country: &str,
    ) -> (StatusCode, Value) {
        let lines: Vec<Value> = lines.iter().map(|(id, q)| json!({ "product_id": id, "quantity": q })).collect();
        self.post(
            "/api/v1/orders",
            Some(customer),
            json!({ "lines": lines, "payment_method_id": card,
                    "shipping_address": { "name": "Test Customer", "line1": "1 Main St", "city": "Springfield",
                                          "postal_code": "12345", "country": country } }),
        )
        .await
    }

    /// A shop with one product of 10 units at 15.00, and a new customer whose order of 2 of
    /// them completed: (admin token, customer token, product, the order as the API shows it).
    pub async fn a_completed_order(&self) -> (String, String, Uuid, Value) {
        let admin = self.admin_token().await;
        let product = self.create_product(&admin, 10, 1_500).await;
        let customer = self.new_customer().await;
        let card = self.add_card(&customer, "4242424242424242").await;
        let (status, placed) = self.place_order(&customer, &[(product, 2)], card, "US").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{placed}");
        let order = self.settled_order(&customer, placed["id"].as_str().expect("order id")).await;
        assert_eq!(order["status"], "completed", "{order}");
        (admin, customer, product, order)
    }

    /// Runs an operator's command (`emporium <arguments>`, the binary at `binary`) against
    /// this app's databases, as a second process beside the running platform; returns its
    /// standard output, and panics with its output if it fails.
    pub async fn cli(&self, binary: &str, arguments: &[&str]) -> String {
        let mut command = emporium_command(std::path::Path::new(binary), &self.settings);
        command.args(arguments);
        let output = tokio::task::spawn_blocking(move || command.output()).await.expect("cli task").expect("cli runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "emporium {arguments:?} failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Switches a fault of the simulated card gateway on or off (`authorize`, `capture`,
    /// `void`, `refund`, `lookup`, `authorize_answer`, `capture_crash`…: see
    /// `payments::gateway`). It lives in the
    /// payments database, so it reaches a gateway in another process too.
    pub async fn gateway_fault(&self, fault: &str, on: bool) {
        let sql = if on {
            "insert into simulated_gateway_outages (operation) values ($1) on conflict (operation) do nothing"
        } else {
            "delete from simulated_gateway_outages where operation = $1"
        };
        let mut tx = self.platform().database("payments").expect("payments database").begin().await.expect("tx");
        sqlx::query(sql).bind(fault).execute(&mut *tx).await.expect("gateway fault switched");
        tx.commit().await.expect("gateway fault committed");
    }

    /// How many operations of `kind` (`authorization`, `capture`, `void` or `refund`) the
    /// simulated gateway made.
    pub async fn gateway_operations(&self, kind: &str) -> i64 {
        sqlx::query_scalar("select cast(count(*) as bigint) from simulated_gateway_operations where kind = $1")
            .bind(kind)
            .fetch_one(self.platform().database("payments").expect("payments database").reader())
            .await
            .expect("gateway operations")
    }

    /// Polls the order until it is completed or cancelled and its saga has finished, and
    /// a completed order's shipment can be read too (each context's read model follows its
    /// own events, so Shipping's may show the parcel a moment after Orders completes).
    pub async fn settled_order(&self, token: &str, order_id: &str) -> Value {
        if let Some(order) = self.try_eventually(|| self.settled(token, order_id)).await {
            return order;
        }
        let (_, last_seen) = self.get(&format!("/api/v1/orders/{order_id}"), Some(token)).await;
        panic!("timed out waiting until order {order_id} settles; last seen: {last_seen}")
    }

    /// The order when it is completed or cancelled, its saga has finished and its shipment,
    /// if it has one, can be read.
    pub async fn settled(&self, token: &str, order_id: &str) -> Option<Value> {
        let (status, body) = self.get(&format!("/api/v1/orders/{order_id}"), Some(token)).await;
        let settled = status == StatusCode::OK
            && matches!(body["status"].as_str(), Some("completed" | "cancelled"))
            && matches!(body["saga"]["status"].as_str(), Some("completed" | "compensated"));
        if !settled {
            return None;
        }
        if let Some(shipment_id) = body["shipment_id"].as_str() {
            let (status, _) = self.get(&format!("/api/v1/shipments/{shipment_id}"), Some(token)).await;
            if status != StatusCode::OK {
                return None;
            }
        }
        Some(body)
    }

    /// Checks the platform's invariants ([`emporium::audit`]) once every saga has settled
    /// (retrying for a few seconds while read models catch up), and panics naming the
    /// first one broken.
    pub async fn assert_invariants(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let broken = emporium::audit::broken_invariant(self.platform()).await.expect("the audit reads");
            match broken {
                None => return,
                Some(why) if Instant::now() >= deadline => panic!("invariant broken: {why}"),
                Some(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Retries `probe` every 50 ms for up to 20 s until it yields a value.
    pub async fn eventually<T, F, Fut>(&self, what: &str, probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        self.try_eventually(probe).await.unwrap_or_else(|| panic!("timed out waiting until {what}"))
    }

    /// Like [`TestApp::eventually`], but gives `None` on timeout so the caller can say
    /// what it saw last.
    pub async fn try_eventually<T, F, Fut>(&self, mut probe: F) -> Option<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(value) = probe().await {
                return Some(value);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The settings a test platform starts from: the defaults, without the request budgets
/// (a suite registers and signs in many users from one address in seconds); the tests of
/// those budgets set them again.
fn test_settings(data_dir: &std::path::Path) -> Settings {
    Settings { rate_limit: 0, auth_rate_limit: 0, ..Settings::embedded(data_dir.to_owned()) }
}

/// The `emporium` binary at `binary`, configured (by environment only) as `settings` say.
fn emporium_command(binary: &std::path::Path, settings: &Settings) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("EMPORIUM_LISTEN", settings.listen.to_string())
        .env("EMPORIUM_DATA_DIR", &settings.data_dir)
        .env("EMPORIUM_DB_SCHEMA_PREFIX", &settings.db_schema_prefix)
        .env("EMPORIUM_AMQP_NAMESPACE", &settings.amqp_namespace)
        .env("EMPORIUM_AMQP_SHARDS", settings.amqp_shards.to_string())
        .env("EMPORIUM_GATEWAY_LATENCY_MS", settings.gateway_latency_ms.to_string())
        .env("EMPORIUM_CAPTURE_AT", settings.capture_at.to_string())
        .env("EMPORIUM_SAGA_STEP_DEADLINE_SECS", settings.saga_step_deadline_secs.to_string())
        .env("EMPORIUM_SAGA_RETRY_PAUSE_MS", settings.saga_retry_pause_ms.to_string())
        .env("EMPORIUM_SAGA_QUEUE_DEADLINE_SECS", settings.saga_queue_deadline_secs.to_string())
        .env("EMPORIUM_RATE_LIMIT", settings.rate_limit.to_string())
        .env("EMPORIUM_AUTH_RATE_LIMIT", settings.auth_rate_limit.to_string())
        .env(
            "EMPORIUM_TRUSTED_PROXIES",
            settings.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
        );
    if let Some(deadlines) = &settings.saga_step_deadlines {
        command.env("EMPORIUM_SAGA_STEP_DEADLINES", deadlines);
    }
    if !settings.carrier_webhook_secrets.is_empty() {
        command.env("EMPORIUM_CARRIER_WEBHOOK_SECRETS", settings.carrier_webhook_secrets.join(","));
    }
    if let Some(url) = &settings.database_url {
        command.env("EMPORIUM_DATABASE_URL", url);
    }
    if let Some(url) = &settings.amqp_url {
        command.env("EMPORIUM_AMQP_URL", url);
    }
    command
}

/// Sends the platform's logs (warnings and worse, or what `EMPORIUM_TEST_LOG` asks for) to
/// the test harness's captured output, so a failing test shows what the platform said
/// before it failed and a passing one stays quiet.
fn capture_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EMPORIUM_TEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _already_installed = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// The real `emporium` binary serving on a loopback port, for tests that must kill a
/// process (`kill -9`), not drop a runtime.
pub struct ServerProcess {
    /// Base URL, e.g. `http://127.0.0.1:41234` (the same after a restart).
    pub base: String,
    binary: std::path::PathBuf,
    settings: Settings,
    child: Option<std::process::Child>,
    data_dir: Arc<tempfile::TempDir>,
    schemas: Option<(String, String)>,
    log: std::path::PathBuf,
    /// Environment variables set beside those of its settings (`RUST_LOG`, `OTEL_*`).
    env: Vec<(String, String)>,
}

impl ServerProcess {
    /// Starts `binary serve --demo` on a fresh `backend` and `bus`, after `configure`
    /// adjusts its settings, and waits until it is ready.
    pub async fn start(
        binary: &std::path::Path,
        backend: &Backend,
        bus: &Bus,
        configure: impl FnOnce(&mut Settings),
    ) -> ServerProcess {
        Self::start_with_env(binary, backend, bus, &[], configure).await
    }

    /// Like [`ServerProcess::start`], with environment variables `env` set for the process
    /// (over the log filter of `warn` it gets otherwise), on every restart too.
    pub async fn start_with_env(
        binary: &std::path::Path,
        backend: &Backend,
        bus: &Bus,
        env: &[(&str, &str)],
        configure: impl FnOnce(&mut Settings),
    ) -> ServerProcess {
        let data_dir = Arc::new(tempfile::tempdir().expect("temporary folder"));
        let mut settings = test_settings(data_dir.path());
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("port").port();
        settings.listen = SocketAddr::from(([127, 0, 0, 1], port));
        let mut schemas = None;
        if let Backend::Postgres(url) = backend {
            let prefix = format!("p{}_", &Uuid::new_v4().simple().to_string()[..12]);
            settings.database_url = Some(url.clone());
            settings.db_schema_prefix.clone_from(&prefix);
            schemas = Some((url.clone(), prefix));
        }
        bus.apply(&mut settings);
        configure(&mut settings);
        let log = data_dir.path().join("server.log");
        let mut server = ServerProcess {
            base: format!("http://{}", settings.listen),
            binary: binary.to_owned(),
            settings,
            child: None,
            data_dir,
            schemas,
            log,
            env: env.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
        };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        let mut command = emporium_command(&self.binary, &self.settings);
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        command.args(["serve", "--demo"]);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("server log");
        command.stdout(log.try_clone().expect("log handle")).stderr(log);
        self.child = Some(command.spawn().expect("the emporium binary starts"));
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await
                && response.status() == StatusCode::OK
            {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("the server exited with {status}: {}", self.log_text());
            }
            assert!(Instant::now() < deadline, "the server was not ready within 60 s: {}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The running process's id, for reading what it uses (`/proc/{pid}/status`).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// What the server wrote to its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process with SIGKILL, wherever it is, and waits for it to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL delivered");
            child.wait().expect("the killed server is reaped");
        }
    }

    /// Waits up to `limit` for the process to end by itself (a crash); whether it did.
    pub async fn exited_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.child.as_mut().is_none_or(|child| child.try_wait().expect("child status").is_some()) {
                self.child = None;
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Starts the server again on the same data, port and settings.
    pub async fn restart(&mut self) {
        self.kill9();
        self.spawn().await;
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Drops PostgreSQL schemas `{prefix}{name}` for each name, leaving the shared test
/// database as it was found. Runs on its own thread so it works from `Drop`.
fn drop_schemas(url: String, prefix: String, names: &'static [&'static str]) {
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            sqlx::any::install_default_drivers();
            let Ok(pool) = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await else { return };
            for name in names {
                // Background tasks of a platform being dropped may still hold a lock briefly.
                for _ in 0..5 {
                    let sql = format!("drop schema if exists {prefix}{name} cascade");
                    if sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.is_ok() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            pool.close().await;
        });
    });
    let _ = dropped.join();
}

/// Deletes a test app's RabbitMQ queues and exchanges. Runs on its own thread so it works
/// from `Drop`.
fn delete_queues(settings: &Settings, consumers: Vec<&'static str>) {
    let kernel::module::Transport::Amqp(broker) = settings.transport() else { return };
    if consumers.is_empty() {
        return; // handed over to a restarted app
    }
    let deleted = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            if let Err(error) = broker.delete(&consumers).await {
                eprintln!("could not delete the test's RabbitMQ queues: {error}");
            }
            broker.close().await;
        });
    });
    let _ = deleted.join();
}

impl Drop for TestApp {
    fn drop(&mut self) {
        delete_queues(&self.settings, std::mem::take(&mut self.consumers));
        if let Some((url, prefix)) = self.schemas.take() {
            drop_schemas(url, prefix, &["catalog", "inventory", "orders", "payments", "shipping", "identity"]);
        }
    }
}

/// One event store on a fresh database, for kernel tests.
pub struct TestStore {
    /// The store.
    pub store: kernel::EventStore,
    target: kernel::DbTarget,
    _dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

/// The database name every [`TestStore`] uses.
const TEST_STORE: &str = "store";

impl TestStore {
    /// A store in a temporary SQLite folder or in a fresh PostgreSQL schema.
    pub async fn open(backend: &Backend) -> TestStore {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (target, schema) = match backend {
            Backend::Sqlite => (kernel::DbTarget::SqliteDir(dir.path().to_owned()), None),
            Backend::Postgres(url) => {
                let prefix = format!("k{}_", &Uuid::new_v4().simple().to_string()[..12]);
                let target = kernel::DbTarget::Postgres { url: url.clone(), schema_prefix: prefix.clone() };
                (target, Some((url.clone(), prefix)))
            }
        };
        let db = kernel::Db::open(&target, TEST_STORE).await.expect("database opens");
        let store = kernel::EventStore::open(db, Arc::new(SystemClock)).await.expect("store opens");
        TestStore { store, target, _dir: dir, schema }
    }

    /// A second, independent handle on the same database (its own connections), as
    /// another process would open it; `Err` is what such a process would be told.
    pub async fn open_again(&self) -> Result<kernel::EventStore, kernel::db::DbError> {
        let db = kernel::Db::open(&self.target, TEST_STORE).await?;
        kernel::EventStore::open(db, Arc::new(SystemClock)).await
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((url, prefix)) = self.schema.take() {
            drop_schemas(url, prefix, &[TEST_STORE]);
        }
    }
}
