//! The demo installation: categories, about fifty products with stock and a picture each,
//! one admin and one customer. It goes through the public API in-process, so demo data obeys
//! every rule real data does, and running it again changes nothing.

use crate::Platform;
use anyhow::{Context, bail};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use kernel::auth::Role;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The demo admin's email.
pub const ADMIN_EMAIL: &str = "admin@emporium.local";
/// The demo admin's password.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// The demo customer's email.
pub const CUSTOMER_EMAIL: &str = "customer@emporium.local";
/// The demo customer's password.
pub const CUSTOMER_PASSWORD: &str = "customer-password-1";

/// (slug, name, parent's slug, position among siblings) of each demo category, parents first.
const CATEGORIES: &[(&str, &str, Option<&str>, i32)] = &[
    ("kitchen", "Kitchen", None, 0),
    ("knives-and-boards", "Knives & Boards", Some("kitchen"), 0),
    ("cookware", "Cookware", Some("kitchen"), 1),
    ("coffee-and-tea", "Coffee & Tea", None, 1),
    ("tea", "Tea", Some("coffee-and-tea"), 0),
    ("home-office", "Home Office", None, 2),
    ("outdoors", "Outdoors", None, 3),
    ("bath", "Bath", None, 4),
];

/// (category slug, sku, name, price in cents, weight in grams, stock) of each demo product.
const PRODUCTS: &[(&str, &str, &str, i64, i64, i64)] = &[
    ("knives-and-boards", "KIT-CHEF-KNIFE", "Chef's Knife, 8 inch", 6900, 240, 40),
    ("knives-and-boards", "KIT-CUTTING-BOARD", "End-Grain Cutting Board", 5400, 1800, 25),
    ("cookware", "KIT-CAST-IRON", "Cast Iron Skillet, 10 inch", 3900, 2700, 30),
    ("cookware", "KIT-DUTCH-OVEN", "Enamelled Dutch Oven", 11900, 5200, 12),
    ("kitchen", "KIT-MIXING-BOWLS", "Nesting Mixing Bowls", 2900, 1100, 60),
    ("kitchen", "KIT-SPATULA", "Fish Spatula", 1400, 90, 80),
    ("kitchen", "KIT-TONGS", "Locking Tongs", 1200, 160, 75),
    ("kitchen", "KIT-APRON", "Canvas Apron", 3200, 400, 4),
    ("kitchen", "KIT-SALT-CELLAR", "Olive Wood Salt Cellar", 2200, 210, 3),
    ("kitchen", "KIT-PEPPER-MILL", "Pepper Mill", 3400, 380, 0),
    ("coffee-and-tea", "COF-POUR-OVER", "Ceramic Pour-Over Dripper", 2800, 420, 50),
    ("coffee-and-tea", "COF-GRINDER", "Burr Coffee Grinder", 14900, 2100, 15),
    ("coffee-and-tea", "COF-KETTLE", "Gooseneck Kettle", 7900, 900, 20),
    ("coffee-and-tea", "COF-BEANS-ETH", "Ethiopia Yirgacheffe Beans, 340 g", 1800, 360, 100),
    ("coffee-and-tea", "COF-BEANS-COL", "Colombia Huila Beans, 340 g", 1700, 360, 100),
    ("coffee-and-tea", "COF-FILTERS", "Paper Filters, 100 pack", 700, 150, 200),
    ("tea", "TEA-SENCHA", "Sencha Green Tea, 100 g", 1500, 120, 45),
    ("tea", "TEA-TEAPOT", "Cast Iron Teapot", 6400, 1300, 8),
    ("tea", "TEA-CUPS", "Porcelain Tea Cups, set of 4", 3600, 700, 5),
    ("coffee-and-tea", "COF-MUG", "Stoneware Mug", 1900, 380, 90),
    ("home-office", "OFF-DESK-LAMP", "Adjustable Desk Lamp", 8900, 1600, 22),
    ("home-office", "OFF-NOTEBOOK", "Dot Grid Notebook", 1600, 320, 150),
    ("home-office", "OFF-PEN-SET", "Fountain Pen Set", 4800, 140, 30),
    ("home-office", "OFF-MONITOR-STAND", "Walnut Monitor Stand", 12900, 3900, 10),
    ("home-office", "OFF-DESK-MAT", "Felt Desk Mat", 3900, 700, 35),
    ("home-office", "OFF-CABLE-TRAY", "Under-Desk Cable Tray", 2900, 1200, 40),
    ("home-office", "OFF-HEADPHONE-STAND", "Headphone Stand", 3400, 600, 2),
    ("home-office", "OFF-PLANNER", "Weekly Planner", 2400, 450, 60),
    ("home-office", "OFF-STAPLER", "Heavy-Duty Stapler", 2100, 520, 45),
    ("home-office", "OFF-CHAIR-CUSHION", "Lumbar Cushion", 4400, 900, 18),
    ("outdoors", "OUT-WATER-BOTTLE", "Insulated Water Bottle", 3200, 410, 120),
    ("outdoors", "OUT-DAYPACK", "20 L Daypack", 7900, 850, 25),
    ("outdoors", "OUT-HEADLAMP", "Rechargeable Headlamp", 4500, 95, 40),
    ("outdoors", "OUT-CAMP-STOVE", "Compact Camp Stove", 6900, 350, 14),
    ("outdoors", "OUT-HAMMOCK", "Travel Hammock", 5900, 600, 16),
    ("outdoors", "OUT-PICNIC-BLANKET", "Waterproof Picnic Blanket", 4900, 1100, 30),
    ("outdoors", "OUT-TREKKING-POLES", "Carbon Trekking Poles", 12900, 480, 9),
    ("outdoors", "OUT-FIRST-AID", "Trail First-Aid Kit", 2900, 300, 55),
    ("outdoors", "OUT-LANTERN", "Solar Lantern", 3900, 420, 1),
    ("outdoors", "OUT-MULTITOOL", "Pocket Multitool", 8900, 240, 20),
    ("bath", "BTH-TOWEL-SET", "Turkish Cotton Towel Set", 8900, 2400, 25),
    ("bath", "BTH-BATH-MAT", "Waffle Bath Mat", 3900, 900, 30),
    ("bath", "BTH-SOAP", "Olive Oil Soap, 3 bars", 1800, 360, 80),
    ("bath", "BTH-DISPENSER", "Stoneware Soap Dispenser", 2600, 520, 24),
    ("bath", "BTH-ROBE", "Linen Bathrobe", 11900, 1100, 7),
    ("bath", "BTH-CANDLE", "Cedar Candle", 3200, 450, 45),
    ("bath", "BTH-BRUSH", "Boar Bristle Body Brush", 2400, 230, 35),
    ("bath", "BTH-CADDY", "Bamboo Bath Caddy", 4200, 1500, 12),
    ("bath", "BTH-DIFFUSER", "Reed Diffuser", 2900, 380, 3),
    ("bath", "BTH-SCALE", "Digital Bathroom Scale", 4900, 1700, 0),
];

/// Side of the demo pictures, in pixels: a product card's size, drawn on the spot.
const PICTURE_SIDE: u32 = 600;

async fn call(
    router: &axum::Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<(StatusCode, Value)> {
    let mut request = Request::builder().method(method).uri(format!("/api/v1{path}"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request.header("content-type", "application/json").body(Body::from(body.to_string()))?;
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes)? };
    Ok((status, json))
}

/// Uploads `picture` to product `id`'s gallery as the admin's image upload form does.
async fn upload_picture(router: &axum::Router, token: &str, id: &str, picture: Vec<u8>) -> anyhow::Result<()> {
    let boundary = format!("emporium-{}", uuid::Uuid::new_v4().simple());
    let mut body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"demo.png\"\r\n\
         content-type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&picture);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/products/{id}/images"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))?;
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    if status != StatusCode::CREATED {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
        bail!("uploading a picture of {id} answered {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(())
}

/// What seeding created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Categories created now.
    pub categories: usize,
    /// Products created now.
    pub products: usize,
    /// Pictures added now (to demo products that had none).
    pub pictures: usize,
}

/// Creates the demo users, categories and products that do not exist yet.
pub async fn demo(platform: &Platform) -> anyhow::Result<Seeded> {
    let identity = platform.identity();
    identity.ensure_user(ADMIN_EMAIL, ADMIN_PASSWORD, "Demo Admin", Role::Admin).await?;
    identity.ensure_user(CUSTOMER_EMAIL, CUSTOMER_PASSWORD, "Demo Customer", Role::Customer).await?;
    let router = platform.router();
    let (status, session) =
        call(&router, Method::POST, "/auth/login", None, json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .await?;
    if status != StatusCode::OK {
        bail!("demo admin cannot sign in ({status}): {session}; was the password changed?");
    }
    let token = session["access_token"].as_str().context("login answered without a token")?.to_owned();

    let mut seeded = Seeded::default();
    let (_, existing) = call(&router, Method::GET, "/categories", None, Value::Null).await?;
    let mut category_ids = std::collections::HashMap::new();
    for category in existing["items"].as_array().into_iter().flatten() {
        category_ids.insert(category["slug"].as_str().unwrap_or_default().to_owned(), category["id"].clone());
    }
    for (slug, name, parent, position) in CATEGORIES {
        if category_ids.contains_key(*slug) {
            continue;
        }
        let parent_id = parent.map(|parent| category_ids[parent].clone());
        let category = json!({ "name": name, "slug": slug, "parent_id": parent_id, "position": position });
        let (status, body) = call(&router, Method::POST, "/categories", Some(&token), category).await?;
        if status != StatusCode::CREATED {
            bail!("creating category {slug} answered {status}: {body}");
        }
        category_ids.insert((*slug).to_owned(), body["id"].clone());
        seeded.categories += 1;
    }
    for (category, sku, name, price, weight, stock) in PRODUCTS {
        let body = json!({
            "sku": sku,
            "name": name,
            "description": format!("{name}, chosen for everyday use and built to last."),
            "category_id": category_ids[*category],
            "price": { "amount_minor": price, "currency": "USD" },
            "weight_grams": weight,
            "initial_stock": stock,
        });
        match call(&router, Method::POST, "/products", Some(&token), body).await? {
            (StatusCode::CREATED, _) => seeded.products += 1,
            (StatusCode::CONFLICT, _) => {}
            (status, body) => bail!("creating product {sku} answered {status}: {body}"),
        }
    }
    // Every demo product without a picture gets one (an admin sees drafts and archived too).
    let mut page = "/products?limit=100&sort=newest".to_owned();
    loop {
        let (status, listing) = call(&router, Method::GET, &page, Some(&token), Value::Null).await?;
        if status != StatusCode::OK {
            bail!("listing the products answered {status}: {listing}");
        }
        for product in listing["items"].as_array().into_iter().flatten() {
            let sku = product["sku"].as_str().unwrap_or_default();
            let bare = product["images"].as_array().is_some_and(Vec::is_empty);
            if bare && PRODUCTS.iter().any(|demo| demo.1 == sku) {
                let id = product["id"].as_str().context("a product without an id")?;
                upload_picture(&router, &token, id, catalog::demo_picture(sku, PICTURE_SIDE)).await?;
                seeded.pictures += 1;
            }
        }
        match listing["next_cursor"].as_str() {
            Some(cursor) => page = format!("/products?limit=100&sort=newest&cursor={cursor}"),
            None => break,
        }
    }
    Ok(seeded)
}
