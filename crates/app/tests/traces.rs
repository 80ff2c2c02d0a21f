//! One trace per order: the HTTP request that places it and every context's handling of
//! its messages, compensations included, are spans of one trace, each under the span whose
//! work caused it. Spans are collected in memory through the same `tracing-opentelemetry`
//! layer the binary installs for OTLP. Its own test binary: the subscriber is process-wide.

use opentelemetry::trace::{SpanId, TraceId, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use testkit::{Backend, Bus, TestApp};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The process's span collector, installed once.
fn collector() -> &'static (SdkTracerProvider, InMemorySpanExporter) {
    static COLLECTOR: OnceLock<(SdkTracerProvider, InMemorySpanExporter)> = OnceLock::new();
    COLLECTOR.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
            .with(layer)
            .try_init()
            .expect("the only subscriber of this test binary");
        (provider, exporter)
    })
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.as_str().into_owned())
}

/// The spans of the trace whose root is the request `POST /api/v1/orders` that answered
/// with `order_id`'s order; panics when the request did not start exactly one trace.
fn trace_of_order(spans: &[SpanData], order_id: &str) -> Vec<SpanData> {
    let handled: HashSet<TraceId> = spans
        .iter()
        .filter(|span| attribute(span, "correlation_id").is_some_and(|id| id.contains(order_id)))
        .map(|span| span.span_context.trace_id())
        .collect();
    assert_eq!(handled.len(), 1, "every message of order {order_id} is in one trace: {handled:?}");
    let trace = *handled.iter().next().unwrap();
    spans.iter().filter(|span| span.span_context.trace_id() == trace).cloned().collect()
}

/// Checks that `trace` has one root, the order's HTTP request, and that every other span's
/// parent is in it; answers the contexts that handled a message in it, with the message
/// types each handled.
fn contexts_in(trace: &[SpanData]) -> HashMap<String, Vec<String>> {
    let ids: HashSet<SpanId> = trace.iter().map(|span| span.span_context.span_id()).collect();
    let roots: Vec<&SpanData> = trace.iter().filter(|span| !ids.contains(&span.parent_span_id)).collect();
    let names: Vec<&str> = roots.iter().map(|span| span.name.as_ref()).collect();
    assert_eq!(names, ["POST /api/v1/orders"], "one root, the request placing the order");
    let mut contexts: HashMap<String, Vec<String>> = HashMap::new();
    for span in trace.iter().filter(|span| span.name.as_ref() != "POST /api/v1/orders") {
        if let (Some(context), Some(message)) = (attribute(span, "context"), attribute(span, "message_type")) {
            contexts.entry(context).or_default().push(message);
        }
    }
    contexts
}

async fn order_traces_on(backend: &Backend, bus: &Bus) {
    let (provider, exporter) = collector();
    let app = TestApp::spawn_on(backend, bus).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 1000).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let declined = app.add_card(&customer, "4000000000000002").await;

    let (_, completed) = app.place_order(&customer, &[(product, 1)], card, "US").await;
    let completed_id = completed["id"].as_str().unwrap().to_owned();
    let (_, refused) = app.place_order(&customer, &[(product, 1)], declined, "US").await;
    let refused_id = refused["id"].as_str().unwrap().to_owned();
    assert_eq!(app.settled_order(&customer, &completed_id).await["status"], "completed");
    assert_eq!(app.settled_order(&customer, &refused_id).await["status"], "cancelled");
    // Catalog's stock level follows the last reply; give the last spans a moment to end.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    provider.force_flush().expect("spans flushed");
    let spans = exporter.get_finished_spans().expect("spans");

    // A request's span is named by its route, not by the path with its ids.
    let requests: HashSet<&str> =
        spans.iter().map(|span| span.name.as_ref()).filter(|name| name.starts_with("GET ")).collect();
    assert!(requests.contains("GET /api/v1/orders/{id}"), "the order polls are named by route: {requests:?}");
    assert!(!spans.iter().any(|span| span.name.contains(&completed_id)), "no span is named by an id");
    let trace = trace_of_order(&spans, &completed_id);
    let contexts = contexts_in(&trace);
    for context in ["catalog", "inventory", "orders", "payments", "shipping"] {
        assert!(contexts.contains_key(context), "{context} handled part of the order in its trace: {contexts:?}");
    }
    // Each step is under the span that decided it: the payment under the handling of the
    // reservation's reply, the shipment under the handling of the payment's result.
    let handling = |message: &str| {
        trace
            .iter()
            .find(|span| attribute(span, "message_type").as_deref() == Some(message))
            .map(|span| span.span_context.span_id())
    };
    let parent_of = |message: &str| {
        trace
            .iter()
            .find(|span| attribute(span, "message_type").as_deref() == Some(message))
            .map(|span| span.parent_span_id)
    };
    assert_eq!(parent_of("payments.ProcessPayment"), handling("inventory.InventoryReserved"));
    assert_eq!(parent_of("shipping.CreateShipment"), handling("payments.PaymentProcessed"));
    let compensated = contexts_in(&trace_of_order(&spans, &refused_id));
    assert!(
        compensated["inventory"].iter().any(|message| message == "inventory.ReleaseInventory"),
        "the compensation is in the declined order's trace: {compensated:?}"
    );
    assert!(!compensated.contains_key("shipping"), "nothing shipped: {compensated:?}");
    exporter.reset();
}

// One test: the collector is shared, so the variants run one after another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_one_trace_from_its_request_through_every_context() {
    for backend in Backend::all() {
        order_traces_on(&backend, &Bus::Embedded).await;
        if let Some(rabbitmq) = Bus::rabbitmq() {
            order_traces_on(&backend, &rabbitmq).await;
        }
    }
}

/// A stand-in OTLP collector on a loopback port: counts the trace exports it receives.
async fn collector_endpoint() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let received = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            if !body.is_empty() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            std::future::ready(axum::http::StatusCode::OK)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exports_its_spans_and_its_logs_name_the_trace_but_never_a_secret() {
    use serde_json::{Value, json};
    let (endpoint, exports) = collector_endpoint().await;
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
    let env = [
        ("RUST_LOG", "info"),
        ("EMPORIUM_LOG_FORMAT", "json"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ];
    let server = testkit::ServerProcess::start_with_env(binary, &Backend::Sqlite, &Bus::Embedded, &env, |_| {}).await;
    let client = reqwest::Client::new();
    let call = async |path: &str, token: Option<&str>, body: Option<Value>| -> Value {
        let url = format!("{}/api/v1{path}", server.base);
        let mut request = match &body {
            Some(body) => client.post(url).json(body),
            None => client.get(url),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap_or(Value::Null)
    };

    // A shopper's whole journey, with every secret a log could leak.
    let password = "a-secret-password-9";
    let body = json!({ "email": "logs@example.com", "password": password, "name": "Logan" });
    let session = call("/auth/register", None, Some(body)).await;
    let access = session["access_token"].as_str().unwrap_or_else(|| panic!("{session}")).to_owned();
    let refresh = session["refresh_token"].as_str().unwrap().to_owned();
    let product = call("/products?limit=1", None, None).await["items"][0]["id"].clone();
    let mut orders = Vec::new();
    for number in ["4242424242424242", "4000000000000002"] {
        let card =
            json!({ "card_number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123", "holder_name": "Logan" });
        let card = call("/payment-methods", Some(&access), Some(card)).await["id"].clone();
        let order = json!({ "lines": [{ "product_id": product, "quantity": 1 }], "payment_method_id": card,
            "shipping_address": { "name": "Logan", "line1": "1 Log St", "city": "Springfield", "postal_code": "12345", "country": "US" } });
        orders.push(call("/orders", Some(&access), Some(order)).await["id"].as_str().unwrap().to_owned());
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    for order in &orders {
        loop {
            let seen = call(&format!("/orders/{order}"), Some(&access), None).await;
            if matches!(seen["saga"]["status"].as_str(), Some("completed" | "compensated")) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "order never settled: {seen}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let renewed = call("/auth/refresh", None, Some(json!({ "refresh_token": refresh }))).await;
    let renewed_access = renewed["access_token"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while exports.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(std::time::Instant::now() < deadline, "no span export reached the collector");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let log = server.log_text();
    for secret in [password, "4242424242424242", "4000000000000002", &access, &refresh, &renewed_access] {
        assert!(!log.contains(secret), "the log holds a secret ({} characters)", secret.len());
    }
    // Every saga transition is one JSON line, inside a span that names the order's trace.
    let transitions: Vec<Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "saga transition")
        .collect();
    let of_first: Vec<&Value> =
        transitions.iter().filter(|line| line["fields"]["saga_id"] == orders[0].as_str()).collect();
    assert!(of_first.iter().any(|line| line["fields"]["transition"] == "SagaCompleted"), "{of_first:?}");
    let traces: HashSet<&str> = of_first
        .iter()
        .map(|line| {
            let spans = line["spans"].as_array().unwrap_or_else(|| panic!("{line}"));
            spans.iter().find_map(|span| span["trace_id"].as_str()).unwrap_or_else(|| panic!("no trace id: {line}"))
        })
        .collect();
    assert_eq!(traces.len(), 1, "every transition of one order names its one trace: {traces:?}");
}
