//! An event a context cannot turn into its integration message stops that context's relay
//! at that event, logged and counted, instead of being skipped: a skipped reply leaves a
//! saga waiting for an answer that never comes. Once the event is mended, the relay goes on.

use kernel::clock::SystemClock;
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Bus, TestApp, on_every_backend_and_bus};
use uuid::Uuid;

on_every_backend_and_bus!(
    an_undecodable_event_stalls_its_relay_instead_of_being_skipped,
    |backend: Backend, bus: Bus| async move {
        let app = TestApp::spawn_on(&backend, &bus).await;
        app.seed_demo().await;
        let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let db = app.platform().database("inventory").expect("inventory database").clone();
        let store = EventStore::open(db, Arc::new(SystemClock)).await.unwrap();

        let (_, page) = app.get("/api/v1/products?limit=1", None).await;
        let product = page["items"][0]["id"].as_str().unwrap().to_owned();
        let available = async || app.get(&format!("/api/v1/products/{product}"), None).await.1["available"].as_i64();
        let before = available().await.expect("the catalog shows availability");

        // A reservation whose payload no longer matches its type (a bad deploy, a hand edit).
        let broken = NewEvent {
            event_id: Uuid::now_v7(),
            event_type: "InventoryReserved".to_owned(),
            schema_version: 1,
            payload: json!({ "order_id": "not-a-uuid" }),
            metadata: Metadata::default(),
        };
        let mut uow = store.begin().await.unwrap();
        let broken_at = uow.append("broken-reservation", ExpectedVersion::NoStream, &[broken]).await.unwrap().unwrap();
        uow.commit().await.unwrap();

        // A good event behind it: a restock, which Inventory publishes as StockLevelChanged.
        let path = format!("/api/v1/inventory/{product}/adjustments");
        let (status, _) = app.post(&path, Some(&admin), json!({ "delta": 7, "reason": "restock" })).await;
        assert_eq!(status, StatusCode::OK);

        let metrics = format!("{}/metrics", app.base);
        app.eventually("the stalled relay is counted", || async {
            let text = reqwest::get(&metrics).await.ok()?.text().await.ok()?;
            text.lines().any(|line| line == "emporium_relay_stalled{context=\"inventory\"} 1").then_some(())
        })
        .await;
        // Give a skipping relay every chance to move on, then check it did not: the catalog
        // never heard of the restock behind the broken event.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(available().await, Some(before), "the relay moved past the event it could not publish");

        // Mended (here: removed), the relay resumes and delivers what waited behind it.
        let mut tx = store.db().begin().await.unwrap();
        sqlx::query("delete from events where stream_id = 'broken-reservation'").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        app.eventually("the restock reaches the catalog", || async {
            (available().await == Some(before + 7)).then_some(())
        })
        .await;
        let _ = broken_at;
    }
);
