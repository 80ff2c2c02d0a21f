//! What an operator watches: the metrics the three failure scenarios and the happy path
//! move, and the Grafana dashboard and Prometheus alert rules in `deploy/`, whose every
//! expression must name a metric the platform exports. Its own test binary: the metrics
//! recorder is process-wide, so nothing else may move the counters read here.

use emporium::telemetry::METRICS;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use testkit::{Backend, TestApp};

/// `/metrics` as `name{labels}` → value.
async fn scrape(app: &TestApp) -> (String, HashMap<String, f64>) {
    let text = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
    let values = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect();
    (text, values)
}

/// The sum of every series of `name` whose labels include each of `labels`.
fn total(values: &HashMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    values
        .iter()
        .filter(|(series, _)| {
            series.split('{').next() == Some(name) && labels.iter().all(|label| series.contains(label))
        })
        .map(|(_, value)| value)
        .sum()
}

/// The metric names an expression uses (`emporium_*`, `process_*`), without the `_sum` and
/// `_count` a summary adds.
fn metric_names(expression: &str) -> BTreeSet<String> {
    expression
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|token| token.starts_with("emporium_") || token.starts_with("process_"))
        .map(|token| token.trim_end_matches("_sum").trim_end_matches("_count").to_owned())
        .collect()
}

fn expressions_of_dashboard(dashboard: &Value) -> Vec<String> {
    let panels = dashboard["panels"].as_array().expect("panels");
    panels
        .iter()
        .flat_map(|panel| panel["targets"].as_array().expect("targets").iter())
        .map(|target| target["expr"].as_str().expect("an expression").to_owned())
        .collect()
}

fn expressions_of_rules(rules: &Value) -> Vec<String> {
    let groups = rules["groups"].as_array().expect("groups");
    groups
        .iter()
        .flat_map(|group| group["rules"].as_array().expect("rules").iter())
        .map(|rule| {
            assert!(rule["alert"].is_string() && rule["annotations"]["runbook"].is_string(), "{rule}");
            rule["expr"].as_str().expect("an expression").to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenarios_move_the_metrics_the_dashboard_and_alerts_watch() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 3, 1200).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let declined = app.add_card(&customer, "4000000000000002").await;
    let scenarios = [(1, card, "US"), (5, card, "US"), (1, declined, "US"), (1, card, "AQ")];
    for (quantity, card, country) in scenarios {
        let (_, order) = app.place_order(&customer, &[(product, quantity)], card, country).await;
        app.settled_order(&customer, order["id"].as_str().unwrap()).await;
    }
    for _ in 0..2 {
        app.get(&format!("/api/v1/products/{product}"), None).await;
    }
    let (text, values) = scrape(&app).await;

    let saga = "saga=\"place_order\"";
    assert_eq!(total(&values, "emporium_saga_started_total", &[saga]), 4.0, "{text}");
    assert_eq!(total(&values, "emporium_saga_completed_total", &[saga]), 1.0);
    for code in ["out_of_stock", "payment_declined", "shipping_unavailable"] {
        let code = format!("code=\"{code}\"");
        assert_eq!(total(&values, "emporium_saga_compensated_total", &[saga, &code]), 1.0, "{code}: {text}");
        assert_eq!(total(&values, "emporium_saga_step_failed_total", &[saga, &code]), 1.0, "{code}");
    }
    let reserve = "step=\"reserve_inventory\"";
    assert_eq!(total(&values, "emporium_saga_step_failed_total", &[reserve, "code=\"out_of_stock\""]), 1.0);
    // Reservations: three succeeded (one later undone), one failed; the undoing is timed too.
    let step_count = "emporium_saga_step_seconds_count";
    assert_eq!(total(&values, step_count, &[reserve, "outcome=\"succeeded\""]), 3.0, "{text}");
    assert_eq!(total(&values, step_count, &[reserve, "outcome=\"failed\""]), 1.0);
    assert_eq!(total(&values, step_count, &[reserve, "outcome=\"compensated\""]), 2.0);
    assert!(total(&values, "emporium_db_connections", &["database=\"orders\""]) >= 1.0, "{text}");
    for consumer in ["inventory.reservations", "payments.commands", "shipping.commands", "orders.place_order_saga"] {
        let consumer = format!("consumer=\"{consumer}\"");
        assert!(total(&values, "emporium_message_handling_seconds_count", &[&consumer]) > 0.0, "{consumer}: {text}");
        assert!(total(&values, "emporium_message_lag_seconds_count", &[&consumer]) > 0.0, "{consumer}");
    }
    assert!(total(&values, "emporium_cache_reads_total", &["result=\"hit\""]) >= 1.0, "the second read hit");
    assert!(total(&values, "emporium_http_requests_total", &["status=\"202\""]) >= 4.0, "{text}");
    assert!(total(&values, "process_resident_memory_bytes", &[]) > 1_000_000.0, "{text}");

    // Every metric that flows with orders is exported, and documented.
    for metric in METRICS.iter().filter(|metric| !metric.rare) {
        assert!(text.contains(&format!("\n{}", metric.name)), "{} is not exported", metric.name);
        assert!(text.contains(&format!("# HELP {} {}", metric.name, metric.help)), "{} has no help", metric.name);
    }

    // The dashboard and the alert rules name only metrics the platform exports.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{root}/grafana/emporium.json")).unwrap()).unwrap();
    let rules: Value =
        serde_norway::from_str(&std::fs::read_to_string(format!("{root}/prometheus/alerts.yml")).unwrap()).unwrap();
    let expressions: Vec<String> =
        expressions_of_dashboard(&dashboard).into_iter().chain(expressions_of_rules(&rules)).collect();
    assert!(expressions.len() >= 15, "{expressions:?}");
    for expression in &expressions {
        let names = metric_names(expression);
        assert!(!names.is_empty(), "{expression} watches no metric");
        for name in names {
            let known = METRICS.iter().any(|metric| metric.name == name) || text.contains(&format!("\n{name} "));
            assert!(known, "{expression} names {name}, which the platform does not export");
        }
    }
}

/// A stand-in Sentry (and OTLP collector, which it ignores) on a loopback port: its DSN,
/// its base URL, and the bodies of the envelopes it receives.
async fn sentry_endpoint() -> (String, String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = received.clone();
    let app = axum::Router::new()
        .route(
            "/api/{project}/envelope/",
            axum::routing::post(move |body: axum::body::Bytes| {
                sink.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                std::future::ready(axum::http::StatusCode::OK)
            }),
        )
        .route("/v1/traces", axum::routing::post(|| std::future::ready(axum::http::StatusCode::OK)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://public@{address}/1"), format!("http://{address}"), received)
}

/// Waits up to 10 s for an error event whose message starts with `message`; answers it.
async fn reported(received: &std::sync::Mutex<Vec<String>>, message: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let envelopes = received.lock().unwrap().clone();
        // An envelope is lines of JSON: its header, then each item's header and payload.
        let event = envelopes
            .iter()
            .flat_map(|body| body.lines().filter_map(|line| serde_json::from_str::<Value>(line).ok()))
            .find(|item| {
                item["platform"].is_string() && item["message"].as_str().is_some_and(|m| m.starts_with(message))
            });
        if let Some(event) = event {
            return event;
        }
        assert!(std::time::Instant::now() < deadline, "no event says {message:?}: {envelopes:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Stalls Inventory's relay of the server behind `app` with an event it cannot publish:
/// an error the server logs.
async fn stall_a_relay(app: &TestApp) {
    use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent};
    let db = app.platform().database("inventory").expect("inventory database").clone();
    let store = EventStore::open(db, std::sync::Arc::new(kernel::clock::SystemClock)).await.unwrap();
    let broken = NewEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type: "InventoryReserved".to_owned(),
        schema_version: 1,
        payload: serde_json::json!({ "order_id": "not-a-uuid" }),
        metadata: Metadata::default(),
    };
    let mut uow = store.begin().await.unwrap();
    uow.append("broken-reservation", ExpectedVersion::NoStream, &[broken]).await.unwrap();
    uow.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_go_to_sentry_only_when_a_dsn_is_set() {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_emporium"));
    let (dsn, collector, received) = sentry_endpoint().await;
    for reporting in [false, true] {
        let env: Vec<(&str, &str)> = if reporting {
            vec![("SENTRY_DSN", dsn.as_str()), ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str())]
        } else {
            Vec::new()
        };
        let server =
            testkit::ServerProcess::start_with_env(binary, &Backend::Sqlite, &testkit::Bus::Embedded, &env, |_| {})
                .await;
        let app = TestApp::attach(&server).await;
        stall_a_relay(&app).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !server.log_text().contains("relay stalled") {
            assert!(std::time::Instant::now() < deadline, "the relay never stalled: {}", server.log_text());
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if reporting {
            let stalled = reported(&received, "relay stalled").await;
            assert_eq!(stalled["level"].as_str().unwrap_or("error"), "error", "{stalled}");
            // A 5xx answer: the orders read model is gone. Its event names the request's trace.
            let orders = app.platform().database("orders").expect("orders database");
            let mut tx = orders.begin().await.unwrap();
            sqlx::query("drop table orders").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            let customer = app.login(testkit::CUSTOMER_EMAIL, testkit::CUSTOMER_PASSWORD).await;
            let (status, _) = app.get("/api/v1/orders", Some(&customer)).await;
            assert_eq!(status, reqwest::StatusCode::INTERNAL_SERVER_ERROR);
            let failed = reported(&received, "request failed").await;
            let trace = failed["tags"]["trace_id"]
                .as_str()
                .unwrap_or_else(|| panic!("no trace tag: {} {}", failed["tags"], failed["contexts"]));
            assert!(trace.len() == 32 && trace.chars().all(|c| c.is_ascii_hexdigit()), "{trace}");
        } else {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            assert!(received.lock().unwrap().is_empty(), "nothing is sent without a DSN");
        }
    }
}
