//! RabbitMQ restarted under load: orders placed before, during and after the outage all
//! settle, nothing is lost and no effect happens twice (one charge, one reservation and
//! one shipment per completed order). The test stops and starts the broker application
//! with `rabbitmqctl`, so it needs the broker on this machine; it runs both stores one
//! after the other in one test, as two would stop each other's broker.

use futures::future::join_all;
use reqwest::StatusCode;
use sqlx::Row;
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::{Backend, Bus, TestApp};

/// Orders placed, one every [`PLACE_EVERY`], while the broker goes away and comes back.
const ORDERS: usize = 30;
const PLACE_EVERY: Duration = Duration::from_millis(100);

fn rabbitmqctl(action: &str) {
    rabbitmqctl_output(&[action]);
}

fn rabbitmqctl_output(arguments: &[&str]) -> String {
    let output =
        Command::new("rabbitmqctl").args(arguments).output().expect("rabbitmqctl runs (is RabbitMQ installed here?)");
    assert!(output.status.success(), "rabbitmqctl {arguments:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Makes sure the broker is up again even when the test fails half-way.
struct BrokerBack;
impl Drop for BrokerBack {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl").arg("start_app").output();
    }
}

async fn count(db: &kernel::Db, sql: &'static str) -> i64 {
    sqlx::query(sql).fetch_one(db.reader()).await.unwrap().get(0)
}

async fn survives_a_broker_restart(backend: Backend, bus: Bus) {
    let app = TestApp::spawn_with(&backend, |settings| {
        bus.apply(settings);
        settings.gateway_latency_ms = 200;
    })
    .await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 1000, 700).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;

    let placing = async {
        join_all((0..ORDERS).map(|n| {
            let (app, customer) = (&app, &customer);
            async move {
                tokio::time::sleep(PLACE_EVERY * n as u32).await;
                let (status, order) = app.place_order(customer, &[(product, 1)], card, "US").await;
                assert_eq!(status, StatusCode::ACCEPTED, "{order}");
                order["id"].as_str().unwrap().to_owned()
            }
        }))
        .await
    };
    let outage = async {
        let _back = BrokerBack;
        tokio::time::sleep(Duration::from_millis(700)).await;
        tokio::task::spawn_blocking(|| rabbitmqctl("stop_app")).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        tokio::task::spawn_blocking(|| rabbitmqctl("start_app")).await.unwrap();
    };
    let (ids, ()) = tokio::join!(placing, outage);
    let restarted = Instant::now();

    for id in &ids {
        let settled = app.try_eventually(|| async { app.settled(&customer, id).await }).await;
        let Some(order) = settled else {
            let (_, order) = app.get(&format!("/api/v1/orders/{id}"), Some(&customer)).await;
            let queues = tokio::task::spawn_blocking(|| {
                rabbitmqctl_output(&["list_queues", "name", "messages_ready", "messages_unacknowledged", "consumers"])
            })
            .await
            .unwrap();
            let namespace = &app.settings.amqp_namespace;
            let ours: Vec<&str> = queues.lines().filter(|line| line.starts_with(namespace.as_str())).collect();
            panic!(
                "order {id} did not settle: {order}\nqueues (ready, unacknowledged, consumers):\n{}",
                ours.join("\n")
            );
        };
        assert_eq!(order["status"], "completed", "{order}");
    }
    eprintln!("{ORDERS} orders settled {:?} after the broker came back", restarted.elapsed());
    let payments = app.platform().database("payments").unwrap();
    let authorizations = count(
        payments,
        "select cast(count(*) as bigint) from simulated_gateway_operations where kind = 'authorization'",
    )
    .await;
    assert_eq!(authorizations, ORDERS as i64, "one authorization per order");
    let shipping = app.platform().database("shipping").unwrap();
    let shipments =
        count(shipping, "select cast(count(*) as bigint) from events where event_type = 'ShipmentCreated'").await;
    assert_eq!(shipments, ORDERS as i64, "one shipment per order");
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_mid_load_loses_nothing_and_repeats_nothing() {
    let Some(bus) = Bus::rabbitmq() else { return };
    survives_a_broker_restart(Backend::Sqlite, bus.clone()).await;
    if let Some(postgres) = Backend::postgres() {
        survives_a_broker_restart(postgres, bus).await;
    }
}
