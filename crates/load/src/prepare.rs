//! Untimed preparation through the public API: the products to buy (restocked so the run
//! never sells out), and one registered customer with a saved test card per concurrent
//! shopper.

use crate::journey::{Api, Customer, Failure};
use chrono::Datelike;
use futures::{StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

/// Units each product must have available before a run: far more than a run can sell
/// (600 s at 1,000 orders/s over 50 products is 12,000 units each).
const STOCK_FLOOR: i64 = 500_000;
/// The largest single stock adjustment the API accepts.
const MAX_ADJUSTMENT: i64 = 1_000_000;
/// Registrations at once: each hashes a password, which is CPU-bound on the server.
const REGISTRATION_PARALLELISM: usize = 4;
/// The approved test card of the simulated gateway.
const APPROVED_CARD: &str = "4242424242424242";

/// A product the customers buy.
#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    /// Product id.
    pub id: String,
    /// Units available when the run was prepared.
    pub available: i64,
}

/// What the customers shop from.
#[derive(Debug)]
pub struct Shop {
    /// Every product, restocked.
    pub products: Vec<Product>,
}

#[derive(Deserialize)]
struct Page {
    items: Vec<Product>,
    next_cursor: Option<String>,
}

/// Lists every product and restocks those below [`STOCK_FLOOR`] as the admin.
pub async fn shop(api: &Api, admin_email: &str, admin_password: &str, concurrency: u32) -> anyhow::Result<Shop> {
    let admin = api.sign_in(admin_email, admin_password).await.map_err(|failure| {
        anyhow::anyhow!("cannot sign in as the admin {admin_email} (pass --admin-email/--admin-password): {failure}")
    })?;
    let mut products = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/products?limit=100&cursor={cursor}"),
            None => "/products?limit=100".to_owned(),
        };
        let page: Page =
            serde_json::from_value(api.send("GET /products", Method::GET, &path, None, None, StatusCode::OK).await?)?;
        products.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    anyhow::ensure!(!products.is_empty(), "the server has no products to buy (start it with --demo)");
    for product in &products {
        let missing = STOCK_FLOOR - product.available;
        if missing > 0 {
            let body =
                json!({ "delta": missing.min(MAX_ADJUSTMENT), "reason": "restock", "note": "before a load run" });
            let path = format!("/inventory/{}/adjustments", product.id);
            api.send(
                "POST /inventory/{id}/adjustments",
                Method::POST,
                &path,
                Some(&admin),
                Some(&body),
                StatusCode::OK,
            )
            .await?;
        }
    }
    eprintln!("{} products restocked for {concurrency} customers", products.len());
    Ok(Shop { products })
}

/// Registers `count` new customers, each with a saved approved card.
pub async fn customers(api: &Api, count: u32) -> anyhow::Result<Vec<Customer>> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    futures::stream::iter(0..count)
        .map(|index| register(api, format!("load-{}-{index}@example.com", &run[..12])))
        .buffered(REGISTRATION_PARALLELISM)
        .try_collect()
        .await
        .map_err(Into::into)
}

async fn register(api: &Api, email: String) -> Result<Customer, Failure> {
    let password = "load-driver-password".to_owned();
    let body = json!({ "email": email, "password": password, "name": "Load Driver" });
    let session =
        api.send("POST /auth/register", Method::POST, "/auth/register", None, Some(&body), StatusCode::CREATED).await?;
    let token = session["access_token"].as_str().unwrap_or_default();
    let exp_year = chrono::Utc::now().year() + 5;
    let card = json!({
        "card_number": APPROVED_CARD, "exp_month": 12, "exp_year": exp_year, "cvc": "123", "holder_name": "Load Driver"
    });
    let method = api
        .send("POST /payment-methods", Method::POST, "/payment-methods", Some(token), Some(&card), StatusCode::CREATED)
        .await?;
    Ok(Customer { email, password, card: method["id"].as_str().unwrap_or_default().to_owned() })
}
