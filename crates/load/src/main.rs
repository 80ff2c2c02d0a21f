//! `emporium-load`: the load driver. It starts a fresh embedded server (or drives a
//! running one on loopback), prepares customers, cards and stock untimed, then runs the
//! customer journey at a set concurrency for a set time after a warm-up, and reports
//! completed orders per second, latency percentiles, per-endpoint figures, errors, and the
//! server's CPU and memory per order (plus WAL flushes and write transactions on PostgreSQL).

mod browse;
mod journey;
mod postgres;
mod prepare;
mod report;
mod server;

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use journey::{Customer, Phases, WorkerStats};
use report::{Report, Snapshot};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Runs the customer journey against Emporium and reports what it cost.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// What the shoppers do: place orders (the whole journey), or only search, or only page
    /// through listings (over a catalog filled to `--catalog-size` first).
    #[arg(long, value_enum, default_value_t = Scenario::Orders)]
    scenario: Scenario,
    /// Products the catalog must hold before a search or listings run (added untimed).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=200_000))]
    catalog_size: u64,
    /// Search scenario: make every search distinct, so the server computes each answer
    /// (none comes from its cache).
    #[arg(long)]
    uncached: bool,
    /// Customers shopping at the same time, each one order after another.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Measured seconds, after the warm-up.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    duration: u64,
    /// Seconds of load before measuring starts (caches, pools, JIT-free but not cold).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=120))]
    warmup: u64,
    /// A running server to drive instead of starting one (loopback addresses only).
    #[arg(long)]
    target: Option<String>,
    /// The process id of the `--target` server, to report its CPU and memory.
    #[arg(long, requires = "target")]
    server_pid: Option<u32>,
    /// PostgreSQL URL. The started server keeps its data there in fresh schemas, dropped
    /// afterwards; with `--target`, only its WAL and transaction statistics are read.
    #[arg(long, env = "EMPORIUM_LOAD_DATABASE_URL")]
    postgres: Option<String>,
    /// The `emporium` binary to start (default: the one beside this driver).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Extra `KEY=VALUE` environment for the started server, e.g.
    /// `EMPORIUM_GATEWAY_LATENCY_MS=1500`; repeatable.
    #[arg(long = "server-env", value_parser = parse_key_value)]
    server_env: Vec<(String, String)>,
    /// Orders a customer places between two sign-ins (a sign-in hashes a password: costly
    /// on purpose, so it is part of the journey but not of every order).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    orders_per_sign_in: u32,
    /// How often a customer polls its order while the saga runs, in milliseconds.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=5_000))]
    poll_ms: u64,
    /// Seconds an order may take to finish before it counts as an error.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    order_timeout: u64,
    /// Seconds any one request may take before it counts as an error.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    request_timeout: u64,
    /// Admin account used to restock (the demo admin by default).
    #[arg(long, default_value = "admin@emporium.local")]
    admin_email: String,
    /// The admin's password.
    #[arg(long, default_value = "admin-password-1")]
    admin_password: String,
    /// Keep the started server's data folder (and PostgreSQL schemas) for inspection.
    #[arg(long)]
    keep_data: bool,
    /// Print the report as JSON on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

/// See [`Cli::scenario`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// The customer journey, order after order.
    Orders,
    /// Searches.
    Search,
    /// Listing pages.
    Listings,
}

fn parse_key_value(raw: &str) -> Result<(String, String), String> {
    let (key, value) = raw.split_once('=').ok_or_else(|| format!("{raw:?} is not KEY=VALUE"))?;
    Ok((key.to_owned(), value.to_owned()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let server = match &cli.target {
        Some(url) => server::Server::attach(url, cli.server_pid).await?,
        None => {
            let binary = match &cli.server_bin {
                Some(path) => path.clone(),
                None => std::env::current_exe()?.with_file_name("emporium"),
            };
            server::Server::start(&binary, cli.postgres.as_deref(), &cli.server_env, cli.keep_data).await?
        }
    };
    let browsing = match cli.scenario {
        Scenario::Orders => None,
        Scenario::Search => Some(browse::Browsing::Search),
        Scenario::Listings => Some(browse::Browsing::Listings),
    };
    if let Some(browsing) = browsing {
        let outcome = run_browsing(&cli, &server, browsing).await;
        server.stop().await;
        let report = outcome?;
        show(cli.json, &report, report.table())?;
        return report.verdict();
    }
    let outcome = run(&cli, &server).await;
    server.stop().await;
    let report = outcome?;
    show(cli.json, &report, report.table())?;
    report.verdict()
}

/// Prints `report` as JSON, or its `table` for people.
fn show(json: bool, report: &impl serde::Serialize, table: String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{table}");
    }
    Ok(())
}

/// The driver's HTTP client: `--request-timeout`, and a connection kept per shopper.
fn http_client(cli: &Cli) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(cli.request_timeout))
        .pool_max_idle_per_host(cli.concurrency as usize * 2)
        .build()
}

async fn run(cli: &Cli, server: &server::Server) -> anyhow::Result<Report> {
    let client = http_client(cli)?;
    let api = journey::Api::new(client, &server.base);
    let postgres = match &cli.postgres {
        Some(url) => Some(postgres::Stats::connect(url).await?),
        None => None,
    };

    eprintln!("preparing {} customers, their cards and stock (untimed)…", cli.concurrency);
    let shop = prepare::shop(&api, &cli.admin_email, &cli.admin_password, cli.concurrency).await?;
    let customers = prepare::customers(&api, cli.concurrency).await?;
    let rss_before = server.rss_bytes();

    let started = Instant::now();
    let phases = Phases {
        measure_from: started + Duration::from_secs(cli.warmup),
        measure_until: started + Duration::from_secs(cli.warmup + cli.duration),
        poll: Duration::from_millis(cli.poll_ms),
        order_timeout: Duration::from_secs(cli.order_timeout),
        orders_per_sign_in: cli.orders_per_sign_in,
    };
    let completed = Arc::new(AtomicU64::new(0));
    let shop = Arc::new(shop);
    let workers: Vec<_> = customers
        .into_iter()
        .enumerate()
        .map(|(index, customer): (usize, Customer)| {
            let (api, shop, completed) = (api.clone(), shop.clone(), completed.clone());
            tokio::spawn(
                async move { journey::shop_until_done(index as u64, api, shop, customer, phases, completed).await },
            )
        })
        .collect();

    let progress = progress_bar(cli.warmup + cli.duration);
    let ticker = tokio::spawn({
        let (progress, completed) = (progress.clone(), completed.clone());
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let elapsed = started.elapsed();
                progress.set_position(elapsed.as_secs().min(progress.length().unwrap_or(0)));
                let phase = if Instant::now() < phases.measure_from { "warming up" } else { "measuring" };
                progress.set_message(format!("{phase}: {} orders completed", completed.load(Ordering::Relaxed)));
            }
        }
    });

    tokio::time::sleep_until(phases.measure_from.into()).await;
    let before = Snapshot::take(server, postgres.is_some(), postgres.as_ref()).await?;
    tokio::time::sleep_until(phases.measure_until.into()).await;
    let after_window = Snapshot::take(server, postgres.is_some(), None).await?;
    progress.set_message("draining orders placed during the run…");

    let mut stats = WorkerStats::default();
    for worker in workers {
        stats.merge(worker.await.context("a customer task panicked")?);
    }
    ticker.abort();
    progress.finish_and_clear();

    let pg_after = match &postgres {
        Some(stats) => Some(stats.settled_snapshot().await?),
        None => None,
    };
    Ok(Report::new(report::Run {
        backend: server.backend(cli.postgres.is_some()),
        concurrency: cli.concurrency,
        warmup_seconds: cli.warmup,
        window_seconds: phases.measure_until.duration_since(phases.measure_from).as_secs_f64(),
        stats,
        products: shop.products.len(),
        before,
        after_window,
        pg_after,
        rss_before,
        rss_after: server.rss_bytes(),
    }))
}

async fn run_browsing(
    cli: &Cli,
    server: &server::Server,
    browsing: browse::Browsing,
) -> anyhow::Result<browse::BrowseReport> {
    let client = http_client(cli)?;
    let api = journey::Api::new(client, &server.base);
    let admin = api.sign_in(&cli.admin_email, &cli.admin_password).await?;
    let products = usize::try_from(cli.catalog_size)?;
    let categories = browse::fill_catalog(&api, &admin, products).await?;
    let from = Instant::now() + Duration::from_secs(cli.warmup);
    let window = browse::Window { from, until: from + Duration::from_secs(cli.duration), uncached: cli.uncached };
    eprintln!("browsing for {} s after a {} s warm-up…", cli.duration, cli.warmup);
    browse::run(&api, server, browsing, categories, products, cli.concurrency, window).await
}

fn progress_bar(seconds: u64) -> ProgressBar {
    let progress = ProgressBar::new(seconds);
    progress.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} s  {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    progress
}
