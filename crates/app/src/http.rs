//! The HTTP edge: `/api/v1` routes of every context behind request ids, tracing, metrics,
//! a request budget per client address, body and time limits, panic containment and
//! security headers; plus health, readiness and Prometheus metrics.

use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use kernel::auth::SharedTokenVerifier;
use kernel::db::Db;
use kernel::error::ApiError;
use kernel::rate_limit::{ClientIp, RateLimit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// Largest request body an endpoint reads, unless it says otherwise (an image upload does).
const BODY_LIMIT: usize = 256 * 1024;
/// Largest request body that reaches any endpoint at all: the largest an endpoint allows.
const LARGEST_BODY: usize = 11 * 1024 * 1024;
/// Longest a request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How often recorded histogram samples are folded into their summaries.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// The process-wide Prometheus recorder (installed once, shared by every router).
///
/// The recorder keeps every histogram sample until upkeep folds it in; with no scraper
/// and no upkeep, memory would grow with every request. A thread of its own runs upkeep,
/// so it works whatever runtime (or none) the caller has.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new().install_recorder().expect("no other metrics recorder is installed");
        crate::telemetry::describe_metrics();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(METRICS_UPKEEP);
                    upkeep.run_upkeep();
                }
            })
            .expect("the metrics upkeep thread starts");
        handle
    })
}

/// The process's own gauges (`process_resident_memory_bytes`, `process_cpu_seconds_total`,
/// open files, threads) and the databases' pool use, read when scraped, beside everything
/// the platform recorded.
fn scrape(handle: &PrometheusHandle, pools: &[Db]) -> String {
    for db in pools {
        db.record_pool_use();
    }
    static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();
    PROCESS
        .get_or_init(|| {
            let collector = metrics_process::Collector::default();
            collector.describe();
            collector
        })
        .collect();
    handle.render()
}

/// The OpenAPI document's fixed parts; each context contributes its paths and schemas.
#[derive(OpenApi)]
#[openapi(
    info(title = "Emporium API", version = "1", description = "Event-sourced e-commerce platform. Errors are RFC 9457 problem documents."),
    modifiers(&BearerAuth),
    tags(
        (name = "identity", description = "Accounts, sessions and their tokens"),
        (name = "catalog", description = "Products and categories"),
        (name = "inventory", description = "Stock (admin)"),
        (name = "orders", description = "Orders and the place-order saga"),
        (name = "payments", description = "Saved cards and payments"),
        (name = "shipping", description = "Quotes and shipments"),
        (name = "operations", description = "Dead letters and other tools for operators (admin)"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` scheme the paths' `security` refers to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Splits the contexts' routes under `/api/v1` into the axum router and the OpenAPI document.
pub fn api(routes: OpenApiRouter) -> (Router, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes.route_layer(middleware::from_fn(record_metrics)))
        .split_for_parts();
    declare_request_budget(&mut openapi);
    (router, openapi)
}

/// Every operation may answer 429 once its caller's address has spent its budget (the
/// edge decides, before any handler): said once here rather than on every path.
fn declare_request_budget(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::IntoResponses;
    let budget = kernel::error::problems::TooManyRequests::responses();
    for item in openapi.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            for (status, response) in &budget {
                operation.responses.responses.entry(status.clone()).or_insert_with(|| response.clone());
            }
        }
    }
}

/// Who is calling, and how much each caller may send. Shared by every router built from
/// one platform, so budgets are counted once per process.
pub struct Clients {
    requests: RateLimit<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
}

impl Clients {
    /// `per_second` requests from one client address (0: unlimited); `trusted_proxies` may
    /// name the client in `X-Forwarded-For`.
    pub fn new(per_second: u32, trusted_proxies: Vec<IpAddr>) -> Clients {
        Clients { requests: RateLimit::per_second(per_second, "requests from this address"), trusted_proxies }
    }

    /// Spends one request of `client`'s budget.
    pub(crate) fn check(&self, client: IpAddr) -> Result<(), ApiError> {
        self.requests.check(&client)
    }

    /// The client behind a connection from `peer`: the peer itself, unless it is a trusted
    /// proxy; then the nearest address in `X-Forwarded-For` that is not one (each proxy
    /// appends the address it got the request from, so only the trusted hops' entries at the
    /// right end can be believed; whatever a client wrote further left cannot).
    /// IPv4 addresses seen through an IPv6 socket (`::ffff:a.b.c.d`) count as themselves.
    fn client_of(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        let mut client = peer;
        if !self.trusted_proxies.contains(&peer) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(address) = hop.trim().parse::<IpAddr>().map(|address| address.to_canonical()) else { break };
            client = address;
            if !self.trusted_proxies.contains(&address) {
                break;
            }
        }
        client
    }
}

/// Probes and scrapers, which must answer however busy their address is.
fn exempt_from_limits(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Names the client of a request that came over a socket ([`ClientIp`], for the
/// endpoints' own budgets) and spends one request of its budget.
async fn identify_client(State(clients): State<Arc<Clients>>, mut request: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        return next.run(request).await;
    };
    let client = clients.client_of(peer.ip(), request.headers());
    request.extensions_mut().insert(ClientIp(client));
    if !exempt_from_limits(request.uri().path())
        && let Err(refused) = clients.requests.check(&client)
    {
        return refused.into_response();
    }
    next.run(request).await
}

/// The platform's endpoints: REST under `/api/v1` (with their OpenAPI description) and
/// GraphQL at `/graphql`.
pub struct Routes {
    /// Every context's REST endpoints and the operator's.
    pub rest: OpenApiRouter,
    /// `POST /graphql`, subscriptions at `GET /graphql/ws` and, outside production, GraphiQL
    /// at `GET /graphiql`.
    pub graphql: Router,
}

/// Wraps the API routes with everything every request gets, and serves the OpenAPI
/// document at `/api/openapi.json` with a browsable UI at `/api/docs`. Clients are known
/// (and limited) when the router is served with `ConnectInfo<SocketAddr>`.
pub fn edge(
    routes: Routes,
    verifier: SharedTokenVerifier,
    dbs: Vec<Db>,
    clients: Arc<Clients>,
    cors_origins: &[String],
) -> Router {
    let cors = cors(cors_origins);
    let handle = metrics_handle().clone();
    let pools = dbs.clone();
    let (api, openapi) = api(routes.rest);
    Router::new()
        .merge(api)
        .merge(routes.graphql)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .route("/healthz", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .route("/readyz", get(move || ready(dbs.clone())))
        .route("/metrics", get(move || std::future::ready(scrape(&handle, &pools))))
        .layer(middleware::from_fn_with_state(clients, identify_client))
        .layer(cors)
        .layer(middleware::from_fn(security_headers))
        .layer(Extension(verifier))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(LARGEST_BODY))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(&std::io::Error::other("a request handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
            let request_id = header("x-request-id").unwrap_or("-");
            let name = format!("{} {}", request.method(), request.uri().path());
            // Renamed to its route once routed (`record_metrics`).
            let span = tracing::info_span!("http", otel.name = name, method = %request.method(), uri = %request.uri(),
                request_id, trace_id = tracing::field::Empty);
            // A caller that is itself traced (the storefront's server) continues its trace.
            kernel::telemetry::continue_trace(&span, header("traceparent"));
            span
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Lets pages of `origins` call the API from the browser (with a bearer token, never
/// cookies); with no origins, browsers keep every other site's pages out.
fn cors(origins: &[String]) -> CorsLayer {
    let origins = origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect::<Vec<_>>();
    if origins.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::RETRY_AFTER, header::HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

async fn ready(dbs: Vec<Db>) -> Response {
    for db in &dbs {
        if let Err(error) = db.ping().await {
            tracing::warn!(database = db.name(), %error, "not ready");
            return ApiError::unavailable(format!("the {} database is not reachable", db.name())).into_response();
        }
    }
    Json(serde_json::json!({ "status": "ready" })).into_response()
}

async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // The request's span was named before routing; its trace name is the route, not the
    // path with its ids (one name per operation, as for the metrics).
    kernel::telemetry::rename_current_span(format!("{method} {route}"));
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("emporium_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("emporium_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The API answers data, never pages to run: nothing in a response may load or run
/// anything, and no site may frame it. The bundled API docs and GraphiQL (development
/// only) are pages; they get only their own scripts and styles.
const API_CONTENT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CONTENT_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// Answers are not stored anywhere unless their handler says otherwise (GraphiQL's
/// fingerprinted assets do).
async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let policy = if path.starts_with("/api/docs") {
        DOCS_CONTENT_POLICY
    } else if path == "/graphiql" {
        crate::graphiql::CONTENT_POLICY
    } else {
        API_CONTENT_POLICY
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn clients() -> Clients {
        Clients::new(0, vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from([10, 0, 0, 2])])
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_direct_client_is_its_peer_whatever_it_claims() {
        assert_eq!(clients().client_of(ip("203.0.113.7"), &forwarded(&["198.51.100.1"])), ip("203.0.113.7"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_nearest_untrusted_hop() {
        let clients = clients();
        assert_eq!(clients.client_of(ip("127.0.0.1"), &forwarded(&["203.0.113.7"])), ip("203.0.113.7"));
        // A client's own claim further left is not believed; trusted hops are skipped.
        let chain = forwarded(&["6.6.6.6, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(clients.client_of(ip("127.0.0.1"), &chain), ip("203.0.113.7"));
    }

    #[test]
    fn ipv4_seen_through_ipv6_counts_as_itself() {
        let clients = clients();
        assert_eq!(clients.client_of(ip("::ffff:127.0.0.1"), &forwarded(&["::ffff:203.0.113.7"])), ip("203.0.113.7"));
    }

    #[test]
    fn a_trusted_proxy_without_a_usable_header_is_the_client() {
        let clients = clients();
        assert_eq!(clients.client_of(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
        assert_eq!(clients.client_of(ip("127.0.0.1"), &forwarded(&["not an address"])), ip("127.0.0.1"));
        // An unreadable hop ends the trust: the last hop read before it counts.
        assert_eq!(clients.client_of(ip("127.0.0.1"), &forwarded(&["203.0.113.7, junk, 10.0.0.2"])), ip("10.0.0.2"));
    }
}
