//! The browsing scenarios: shoppers searching (`--scenario search`: words with typos and
//! prefixes, filters and sorts) or paging through listings (`--scenario listings`: a
//! category or the whole shop, page after page in each sort), back to back, against a
//! catalog filled to `--catalog-size` products first (untimed). Reports requests per
//! second, latency percentiles and the server's CPU per request.

use crate::journey::{Api, Failure, latency_histogram};
use crate::server::{Server, process_cpu_seconds};
use futures::{StreamExt, TryStreamExt};
use hdrhistogram::Histogram;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Products created at once while filling the catalog.
const FILL_PARALLELISM: usize = 8;
const ADJECTIVES: [&str; 20] = [
    "Classic",
    "Compact",
    "Deluxe",
    "Rustic",
    "Modern",
    "Travel",
    "Studio",
    "Everyday",
    "Premium",
    "Wireless",
    "Folding",
    "Insulated",
    "Ceramic",
    "Walnut",
    "Linen",
    "Copper",
    "Bamboo",
    "Enamel",
    "Stoneware",
    "Cast Iron",
];
const NOUNS: [&str; 25] = [
    "Headphones",
    "Speaker",
    "Chef's Knife",
    "Kettle",
    "Skillet",
    "Teapot",
    "Bowl",
    "Spatula",
    "Tongs",
    "Mug",
    "Grinder",
    "Lamp",
    "Lantern",
    "Candle",
    "Notebook",
    "Stool",
    "Towel",
    "Blanket",
    "Backpack",
    "Bottle",
    "Planter",
    "Clock",
    "Tray",
    "Basket",
    "Cutting Board",
];
/// What shoppers type: whole words, typos and the start of a word.
const QUERIES: [&str; 16] = [
    "headphones",
    "hedphones",
    "chef knif",
    "kettle",
    "ketle",
    "cast iron skillet",
    "lamp",
    "lantrn",
    "walnut tray",
    "ceramic mug",
    "bambo",
    "travel bottle",
    "linen towel",
    "copper",
    "stoneware bowl",
    "wireless speaker",
];
const SORTS: [&str; 5] = ["relevance", "price_asc", "price_desc", "newest", "name"];

/// Which browsing to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Browsing {
    /// Searches: words, filters, sorts.
    Search,
    /// Listing pages: the shop or a category, page after page.
    Listings,
}

/// When the run measures, and how.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Measuring starts.
    pub from: Instant,
    /// Measuring ends, and so does the run.
    pub until: Instant,
    /// Searches made distinct (a random price floor), so none is answered from the cache.
    pub uncached: bool,
}

/// Fills the catalog to `size` products (as the admin, untimed); answers the category ids.
pub async fn fill_catalog(api: &Api, admin: &str, size: usize) -> anyhow::Result<Vec<String>> {
    let page = api.send("GET /products", Method::GET, "/products?limit=1", None, None, StatusCode::OK).await?;
    let existing = usize::try_from(page["total"].as_u64().unwrap_or(0))?;
    let categories = api.send("GET /categories", Method::GET, "/categories", None, None, StatusCode::OK).await?;
    let categories: Vec<String> = categories["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(!categories.is_empty(), "the server has no categories (start it with --demo)");
    let missing = size.saturating_sub(existing);
    eprintln!("adding {missing} products to the {existing} there are (untimed)…");
    let run = uuid::Uuid::new_v4().simple().to_string();
    futures::stream::iter(0..missing)
        .map(|i| {
            let name =
                format!("{} {} {}", ADJECTIVES[i % ADJECTIVES.len()], NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()], i);
            let body = json!({
                "sku": format!("LD-{}-{i}", &run[..8]), "name": name,
                "description": format!("{name}, made for the load driver's catalog."),
                "category_id": categories[i % categories.len()],
                "price": { "amount_minor": 500 + (i * 7_919) % 30_000, "currency": "USD" },
                "weight_grams": 100 + i % 4_000, "initial_stock": i % 9,
            });
            async move {
                api.send("POST /products", Method::POST, "/products", Some(admin), Some(&body), StatusCode::CREATED)
                    .await
            }
        })
        .buffer_unordered(FILL_PARALLELISM)
        .try_for_each(|_| async { Ok::<_, Failure>(()) })
        .await?;
    Ok(categories)
}

/// The one field of a listing page the driver reads.
#[derive(serde::Deserialize)]
struct NextCursor {
    next_cursor: Option<String>,
}

/// One shopper's figures.
#[derive(Default)]
pub struct Tally {
    latency: Option<Histogram<u64>>,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn record(&mut self, micros: u64) {
        self.latency.get_or_insert_with(latency_histogram).saturating_record(micros.max(1));
    }

    /// Adds another shopper's figures to these.
    pub fn merge(&mut self, other: Tally) {
        if let Some(histogram) = other.latency {
            self.latency.get_or_insert_with(latency_histogram).add(histogram).expect("same bounds");
        }
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
    }
}

/// Browses back to back until the window ends; only requests started inside it count.
pub async fn browse(seed: u64, api: Api, browsing: Browsing, categories: Vec<String>, window: Window) -> Tally {
    let uncached = window.uncached;
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let mut cursor: Option<String> = None;
    let mut listing = String::new();
    while Instant::now() < window.until {
        let path = match browsing {
            Browsing::Search => search_path(&mut rng, &categories, uncached),
            Browsing::Listings => {
                if cursor.is_none() {
                    listing = listing_path(&mut rng, &categories);
                }
                match &cursor {
                    Some(cursor) => format!("{listing}&cursor={cursor}"),
                    None => listing.clone(),
                }
            }
        };
        let started = Instant::now();
        let answer = api.send_raw("GET /products", Method::GET, &path, None, None, StatusCode::OK).await;
        if started >= window.from {
            match &answer {
                Ok(_) => tally.record(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)),
                Err(failure) => *tally.errors.entry(failure.kind.clone()).or_default() += 1,
            }
        }
        // A listing shopper reads up to five pages, then starts another listing (only the
        // cursor is read: the driver shares the machine, its CPU is the server's loss).
        cursor = match answer {
            Ok(page) if browsing == Browsing::Listings && rng.random_ratio(4, 5) => {
                serde_json::from_slice::<NextCursor>(&page).ok().and_then(|page| page.next_cursor)
            }
            _ => None,
        };
    }
    tally
}

/// A search; `uncached`: with a price floor no other search shares, so every answer is
/// computed afresh.
fn search_path(rng: &mut SmallRng, categories: &[String], uncached: bool) -> String {
    let mut path = format!("/products?q={}", QUERIES.choose(rng).expect("queries").replace(' ', "%20"));
    if rng.random_ratio(1, 3) {
        let _ = write!(path, "&category={}", categories.choose(rng).expect("categories"));
    }
    let floor = if uncached { rng.random_range(0..500) } else { 0 };
    if rng.random_ratio(1, 4) {
        let _ = write!(path, "&price_min={}&price_max={}", 1_000 + floor, 5_000 + 1_000 * rng.random_range(0..20));
    } else if uncached {
        let _ = write!(path, "&price_min={floor}");
    }
    if rng.random_ratio(1, 4) {
        path.push_str("&in_stock=true");
    }
    let _ = write!(path, "&sort={}", SORTS.choose(rng).expect("sorts"));
    path
}

fn listing_path(rng: &mut SmallRng, categories: &[String]) -> String {
    let mut path = format!("/products?limit=20&sort={}", SORTS.choose(rng).expect("sorts"));
    if rng.random_ratio(2, 3) {
        let _ = write!(path, "&category={}", categories.choose(rng).expect("categories"));
    }
    path
}

/// What a browsing run measured.
#[derive(Debug, Serialize)]
pub struct BrowseReport {
    /// `search` or `listings`.
    pub scenario: &'static str,
    /// Products in the catalog.
    pub products: usize,
    /// Shoppers at once.
    pub concurrency: u32,
    /// Measured seconds.
    pub window_seconds: f64,
    /// Successful requests started while measuring.
    pub requests: u64,
    /// `requests` per second.
    pub requests_per_second: f64,
    /// Latency in milliseconds: median, 99th percentile, slowest.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Server CPU per request, in microseconds (when its process is known).
    pub server_cpu_us_per_request: Option<f64>,
    /// The driver's own CPU over the window, in seconds.
    pub driver_cpu_seconds: Option<f64>,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
}

/// The CPU seconds of the server and of this driver, for the window's start and end.
pub fn cpu(server: &Server) -> (Option<f64>, Option<f64>) {
    (server.cpu_seconds(), process_cpu_seconds(std::process::id()))
}

impl BrowseReport {
    /// Puts the figures together.
    pub fn new(
        browsing: Browsing,
        products: usize,
        concurrency: u32,
        window: Duration,
        tally: Tally,
        cpu_before: (Option<f64>, Option<f64>),
        cpu_after: (Option<f64>, Option<f64>),
    ) -> BrowseReport {
        let latency = tally.latency.unwrap_or_else(latency_histogram);
        let requests = latency.len();
        let seconds = window.as_secs_f64();
        let ms = |micros: u64| micros as f64 / 1000.0;
        let server_cpu = cpu_before.0.zip(cpu_after.0).map(|(before, after)| after - before);
        BrowseReport {
            scenario: match browsing {
                Browsing::Search => "search",
                Browsing::Listings => "listings",
            },
            products,
            concurrency,
            window_seconds: seconds,
            requests,
            requests_per_second: requests as f64 / seconds,
            p50_ms: ms(latency.value_at_quantile(0.5)),
            p99_ms: ms(latency.value_at_quantile(0.99)),
            max_ms: ms(latency.max()),
            server_cpu_us_per_request: server_cpu.filter(|_| requests > 0).map(|cpu| cpu * 1e6 / requests as f64),
            driver_cpu_seconds: cpu_before.1.zip(cpu_after.1).map(|(before, after)| after - before),
            errors: tally.errors,
        }
    }

    /// The report for people.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} over {} products, {} shoppers, {:.1} s measured",
            self.scenario, self.products, self.concurrency, self.window_seconds
        );
        let _ = writeln!(out, "  requests/s        {:>10.1}  ({} requests)", self.requests_per_second, self.requests);
        let _ =
            writeln!(out, "  latency ms        p50 {:.2}  p99 {:.2}  max {:.2}", self.p50_ms, self.p99_ms, self.max_ms);
        if let Some(cpu) = self.server_cpu_us_per_request {
            let _ = writeln!(out, "  server CPU/request {cpu:>9.1} µs");
        }
        if let Some(cpu) = self.driver_cpu_seconds {
            let _ = writeln!(out, "  driver CPU         {cpu:>9.1} s");
        }
        for (kind, count) in &self.errors {
            let _ = writeln!(out, "  error {kind}: {count}");
        }
        out
    }

    /// Fails the run when any request failed.
    pub fn verdict(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.errors.is_empty(), "{} requests failed", self.errors.values().sum::<u64>());
        anyhow::ensure!(self.requests > 0, "no request completed while measuring");
        Ok(())
    }
}

/// Runs `browsing` at `concurrency` for the window: the scenario's whole run.
pub async fn run(
    api: &Api,
    server: &Server,
    browsing: Browsing,
    categories: Vec<String>,
    products: usize,
    concurrency: u32,
    window: Window,
) -> anyhow::Result<BrowseReport> {
    let shoppers: Vec<_> = (0..concurrency)
        .map(|index| tokio::spawn(browse(u64::from(index), api.clone(), browsing, categories.clone(), window)))
        .collect();
    tokio::time::sleep_until(window.from.into()).await;
    let before = cpu(server);
    tokio::time::sleep_until(window.until.into()).await;
    let after = cpu(server);
    let mut tally = Tally::default();
    for shopper in shoppers {
        tally.merge(shopper.await?);
    }
    Ok(BrowseReport::new(browsing, products, concurrency, window.until - window.from, tally, before, after))
}
