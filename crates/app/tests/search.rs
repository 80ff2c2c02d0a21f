//! Search over a fixed 200-product catalog, on both engines: typos, prefixes, filters, every
//! sort, facet counts equal to a brute-force count, pages without duplicates or gaps, the
//! search box's suggestions, bad input refused; and the same answers on SQLite and
//! PostgreSQL.

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use testkit::{Backend, TestApp, on_every_backend};
use uuid::Uuid;

const ADJECTIVES: [&str; 10] =
    ["Wireless", "Classic", "Compact", "Deluxe", "Rustic", "Modern", "Travel", "Studio", "Everyday", "Premium"];
/// Each noun and the slug of its category.
const NOUNS: [(&str, &str); 20] = [
    ("Headphones", "headphones"),
    ("Speaker", "audio"),
    ("Chef's Knife", "knives"),
    ("Kettle", "cookware"),
    ("Skillet", "cookware"),
    ("Teapot", "cookware"),
    ("Bowl", "cookware"),
    ("Spatula", "cookware"),
    ("Tongs", "cookware"),
    ("Mug", "kitchen"),
    ("Grinder", "kitchen"),
    ("Lamp", "lighting"),
    ("Lantern", "lighting"),
    ("Candle", "lighting"),
    ("Notebook", "home"),
    ("Stool", "home"),
    ("Towel", "home"),
    ("Blanket", "home"),
    ("Backpack", "outdoors"),
    ("Bottle", "outdoors"),
];
/// (slug, parent slug) of the fixture's categories, parents first.
const TREE: [(&str, Option<&str>); 9] = [
    ("kitchen", None),
    ("knives", Some("kitchen")),
    ("cookware", Some("kitchen")),
    ("audio", None),
    ("headphones", Some("audio")),
    ("home", None),
    ("lighting", Some("home")),
    ("outdoors", None),
    ("garden", None),
];

/// One fixture product as the test knows it.
#[derive(Debug, Clone)]
struct Known {
    sku: String,
    name: String,
    noun: &'static str,
    /// Slugs of its category and every one above it.
    lineage: Vec<&'static str>,
    price: i64,
    stock: i64,
}

fn lineage(slug: &'static str) -> Vec<&'static str> {
    let mut line = vec![slug];
    let mut current = slug;
    while let Some((_, Some(parent))) = TREE.iter().find(|(s, _)| *s == current) {
        line.push(parent);
        current = parent;
    }
    line
}

fn fixture() -> Vec<Known> {
    let mut products = Vec::new();
    for (n, (noun, category)) in NOUNS.iter().enumerate() {
        for (a, adjective) in ADJECTIVES.iter().enumerate() {
            let i = i64::try_from(n * ADJECTIVES.len() + a).unwrap();
            products.push(Known {
                sku: format!("FX-{i:03}"),
                name: format!("{adjective} {noun}"),
                noun,
                lineage: lineage(category),
                price: (i * 3_779) % 30_000 + 500,
                stock: if i % 7 == 0 { 0 } else { i % 13 + 1 },
            });
        }
    }
    products
}

/// A search answer, with products named by SKU and categories by path so two installations
/// can be compared.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Answer {
    items: Vec<Item>,
    next_cursor: Option<String>,
    total: usize,
    facets: Facets,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Item {
    sku: String,
    name: String,
    price: Price,
    available: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Price {
    amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Facets {
    categories: Vec<CategoryCount>,
    price_bands: Vec<PriceBand>,
    availability: Availability,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct CategoryCount {
    path: String,
    count: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct PriceBand {
    min_minor: i64,
    max_minor: Option<i64>,
    count: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Availability {
    in_stock: usize,
    out_of_stock: usize,
}

/// The fixture's catalog: the category tree, then 200 products in order.
async fn catalog(backend: &Backend) -> (TestApp, BTreeMap<&'static str, Uuid>) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin_token().await;
    let mut categories = BTreeMap::new();
    for (slug, parent) in TREE {
        let parent_id = parent.map(|p| categories[p]);
        let (status, body) = app
            .post("/api/v1/categories", Some(&admin), json!({ "name": slug, "slug": slug, "parent_id": parent_id }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        categories.insert(slug, body["id"].as_str().unwrap().parse().unwrap());
    }
    for product in fixture() {
        let body = json!({ "sku": product.sku, "name": product.name, "description": format!("Made to last: {}.", product.name),
            "category_id": categories[product.lineage[0]], "price": { "amount_minor": product.price, "currency": "USD" },
            "weight_grams": 500, "initial_stock": product.stock });
        let (status, answer) = app.post("/api/v1/products", Some(&admin), body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    (app, categories)
}

async fn search(app: &TestApp, query: &str) -> Answer {
    let (status, body) = app.get(&format!("/api/v1/products?{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    serde_json::from_value(body).unwrap()
}

/// Every page of `query`, `limit` at a time.
async fn every_page(app: &TestApp, query: &str, limit: usize) -> Vec<Item> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let page_query = match &cursor {
            Some(cursor) => format!("{query}&limit={limit}&cursor={}", urlencode(cursor)),
            None => format!("{query}&limit={limit}"),
        };
        let page = search(app, &page_query).await;
        assert!(page.items.len() <= limit);
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
    panic!("more than 200 pages")
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

fn skus(items: &[Item]) -> Vec<String> {
    items.iter().map(|item| item.sku.clone()).collect()
}

fn nouns_of(items: &[Item]) -> BTreeSet<String> {
    let known = fixture();
    items.iter().map(|item| known.iter().find(|k| k.sku == item.sku).unwrap().noun.to_owned()).collect()
}

/// The price band facet as the API documents it, counted by brute force.
fn bands(products: &[&Known]) -> Vec<PriceBand> {
    let lows = [0, 1_000, 2_500, 5_000, 10_000, 25_000];
    lows.iter()
        .enumerate()
        .map(|(i, low)| {
            let high = lows.get(i + 1).copied();
            let count = products.iter().filter(|p| p.price >= *low && high.is_none_or(|h| p.price < h)).count();
            PriceBand { min_minor: *low, max_minor: high, count }
        })
        .collect()
}

on_every_backend!(typos_and_prefixes_find_what_was_meant, |backend: Backend| async move {
    let (app, _) = catalog(&backend).await;
    let typo = every_page(&app, "q=hedphones", 50).await;
    assert_eq!(nouns_of(&typo), BTreeSet::from(["Headphones".to_owned()]), "{typo:?}");
    assert_eq!(typo.len(), ADJECTIVES.len());
    let knife = search(&app, "q=chef%20knif").await;
    assert_eq!(nouns_of(&knife.items), BTreeSet::from(["Chef's Knife".to_owned()]));
    assert_eq!(knife.total, ADJECTIVES.len());
    let prefix = every_page(&app, "q=head", 50).await;
    assert_eq!(nouns_of(&prefix), BTreeSet::from(["Headphones".to_owned()]), "search as you type");
    let exact = search(&app, "q=wireless%20kettle").await;
    assert_eq!(skus(&exact.items), ["FX-030"], "every word must match");
    let accents = search(&app, "q=K%C3%89TTLE").await;
    assert_eq!(accents.total, ADJECTIVES.len(), "case and accents are folded");
    let none = search(&app, "q=zzzzqqq").await;
    assert_eq!((none.total, none.items.len(), none.next_cursor), (0, 0, None));
    // A name match outranks a description match: "Lamp" is in every lamp's name.
    let lamp = search(&app, "q=lamp").await;
    assert!(lamp.items.iter().all(|item| item.name.ends_with("Lamp")), "{lamp:?}");

    let (status, body) = app.get("/api/v1/products/suggestions?q=hedph", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body["products"].as_array().unwrap().is_empty(), "{body}");
    assert!(body["products"].as_array().unwrap().iter().all(|p| p["name"].as_str().unwrap().ends_with("Headphones")));
    assert_eq!(body["categories"][0]["slug"], "headphones", "{body}");
    let (_, body) = app.get("/api/v1/products/suggestions?q=kitchn", None).await;
    assert_eq!(body["categories"][0]["path"], "kitchen", "a typo in a category name: {body}");
    let (_, body) = app.get("/api/v1/products/suggestions?q=", None).await;
    assert_eq!(body, json!({ "products": [], "categories": [] }));
});

/// The filters of one search, as the brute force applies them.
#[derive(Debug, Clone, Copy, Default)]
struct Filter {
    category: Option<&'static str>,
    price_min: Option<i64>,
    price_max: Option<i64>,
    in_stock: bool,
}

impl Filter {
    fn query(&self, categories: &BTreeMap<&'static str, Uuid>) -> String {
        let mut query = Vec::new();
        if let Some(slug) = self.category {
            query.push(format!("category={}", categories[slug]));
        }
        if let Some(min) = self.price_min {
            query.push(format!("price_min={min}"));
        }
        if let Some(max) = self.price_max {
            query.push(format!("price_max={max}"));
        }
        if self.in_stock {
            query.push("in_stock=true".to_owned());
        }
        query.join("&")
    }

    fn category_ok(&self, product: &Known) -> bool {
        self.category.is_none_or(|slug| product.lineage.contains(&slug))
    }

    fn price_ok(&self, product: &Known) -> bool {
        self.price_min.is_none_or(|min| product.price >= min) && self.price_max.is_none_or(|max| product.price <= max)
    }

    fn stock_ok(&self, product: &Known) -> bool {
        !self.in_stock || product.stock > 0
    }

    fn keeps(&self, product: &Known) -> bool {
        self.category_ok(product) && self.price_ok(product) && self.stock_ok(product)
    }
}

on_every_backend!(filters_sorts_facets_and_pages_agree_with_a_brute_force_count, |backend: Backend| async move {
    let (app, categories) = catalog(&backend).await;
    let known = fixture();
    let cases = [
        Filter::default(),
        Filter { category: Some("kitchen"), ..Filter::default() },
        Filter { price_min: Some(2_500), price_max: Some(9_999), ..Filter::default() },
        Filter { in_stock: true, ..Filter::default() },
        Filter { category: Some("home"), price_max: Some(20_000), in_stock: true, ..Filter::default() },
        Filter { category: Some("garden"), ..Filter::default() },
    ];
    type Order = fn(&&Known, &&Known) -> std::cmp::Ordering;
    let sorts: [(&str, Option<Order>); 5] = [
        ("relevance", None),
        ("price_asc", Some(|a, b| a.price.cmp(&b.price).then(a.sku.cmp(&b.sku)))),
        ("price_desc", Some(|a, b| b.price.cmp(&a.price).then(a.sku.cmp(&b.sku)))),
        ("newest", Some(|a, b| b.sku.cmp(&a.sku))),
        ("name", Some(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.sku.cmp(&b.sku)))),
    ];
    for filter in cases {
        let filters = filter.query(&categories);
        let expected: Vec<&Known> = known.iter().filter(|p| filter.keeps(p)).collect();
        for (sort, order) in sorts {
            let query = format!("{filters}&sort={sort}");
            let found = every_page(&app, &query, 7).await;
            let mut wanted = expected.clone();
            if let Some(order) = order {
                wanted.sort_by(order);
            }
            // Creation order is SKU order in the fixture, and it breaks every tie.
            let wanted: Vec<String> = wanted.iter().map(|p| p.sku.clone()).collect();
            assert_eq!(skus(&found), wanted, "{query}: every page, in order, nothing twice or missing");
        }
        let answer = search(&app, &filters).await;
        assert_eq!(answer.total, expected.len(), "{filters}");

        // Each facet counts the matches of every other filter.
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for product in known.iter().filter(|p| filter.price_ok(p) && filter.stock_ok(p)) {
            for slug in &product.lineage {
                *counts.entry(path_of(slug)).or_default() += 1;
            }
        }
        let facet_counts: BTreeMap<String, usize> =
            answer.facets.categories.iter().map(|c| (c.path.clone(), c.count)).collect();
        assert_eq!(facet_counts, counts, "{filters}: category facet");
        let banded: Vec<&Known> = known.iter().filter(|p| filter.category_ok(p) && filter.stock_ok(p)).collect();
        assert_eq!(answer.facets.price_bands, bands(&banded), "{filters}: price bands");
        let stocked: Vec<&Known> = known.iter().filter(|p| filter.category_ok(p) && filter.price_ok(p)).collect();
        let in_stock = stocked.iter().filter(|p| p.stock > 0).count();
        assert_eq!(
            answer.facets.availability,
            Availability { in_stock, out_of_stock: stocked.len() - in_stock },
            "{filters}: availability"
        );
    }
    let (status, body) = app.get("/api/v1/products?sort=price_asc&limit=5", None).await;
    assert_eq!(status, StatusCode::OK);
    let cursor = body["next_cursor"].as_str().unwrap().to_owned();
    for (query, expected) in [
        ("price_min=500&price_max=100".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
        ("price_min=-1".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
        (format!("q={}", "a".repeat(201)), StatusCode::UNPROCESSABLE_ENTITY),
        ("sort=cheapest".to_owned(), StatusCode::BAD_REQUEST),
        ("in_stock=maybe".to_owned(), StatusCode::BAD_REQUEST),
        ("limit=0".to_owned(), StatusCode::BAD_REQUEST),
        ("category=not-a-uuid".to_owned(), StatusCode::BAD_REQUEST),
        ("cursor=garbage".to_owned(), StatusCode::BAD_REQUEST),
        (format!("sort=name&cursor={}", urlencode(&cursor)), StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = app.get(&format!("/api/v1/products?{query}"), None).await;
        assert_eq!(status, expected, "{query}: {body}");
        assert_eq!(body["status"], expected.as_u16(), "{query}: a problem document: {body}");
    }
});

fn path_of(slug: &'static str) -> String {
    lineage(slug).iter().rev().copied().collect::<Vec<_>>().join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgresql_give_the_same_answers() {
    let Some(postgres) = Backend::postgres() else { return };
    let (sqlite, sqlite_categories) = catalog(&Backend::Sqlite).await;
    let (postgres, postgres_categories) = catalog(&postgres).await;
    for query in [
        "q=hedphones".to_owned(),
        "q=chef%20knif&sort=price_desc".to_owned(),
        "q=classic&in_stock=true".to_owned(),
        "q=everyday%20la".to_owned(),
        "sort=name&limit=50".to_owned(),
        "price_min=1000&price_max=5000&sort=newest".to_owned(),
    ] {
        let (a, b) = (search(&sqlite, &query).await, search(&postgres, &query).await);
        assert_eq!(without_cursor(a), without_cursor(b), "{query}");
    }
    let (a, b) = (
        search(&sqlite, &format!("category={}&q=compact", sqlite_categories["kitchen"])).await,
        search(&postgres, &format!("category={}&q=compact", postgres_categories["kitchen"])).await,
    );
    assert!(a.total > 0);
    assert_eq!(without_cursor(a), without_cursor(b));
}

/// An answer with its cursor reduced to whether there is one: a cursor holds an id, and
/// two installations give the same product different ids.
fn without_cursor(mut answer: Answer) -> Answer {
    answer.next_cursor = answer.next_cursor.map(|_| "more".to_owned());
    answer
}

on_every_backend!(a_restarted_process_rebuilds_its_index_from_the_events, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 4, 2_500).await;
    let (status, body) = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/products/{product}"),
            Some(&admin),
            Some(json!({ "name": "Quokka Lantern", "price": { "amount_minor": 3_100, "currency": "USD" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = search(&app, "q=quokka").await;
    let app = app.crash_and_restart().await;
    let after = search(&app, "q=quokka").await;
    assert_eq!(after.total, 1, "{after:?}");
    assert_eq!(after.items[0].price.amount_minor, 3_100);
    assert_eq!(after.items, before.items, "the same answer from the events alone");
});
