//! The run's report: figures computed from the customers' merged statistics and the
//! server's counters at the start and end of the measured window, as a table for people
//! and as JSON for machines.

use crate::journey::WorkerStats;
use crate::postgres::{Counters, Stats};
use crate::server::{Server, local_postgres_cpu_seconds, process_cpu_seconds};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Counters read at one moment.
pub struct Snapshot {
    server_cpu: Option<f64>,
    driver_cpu: Option<f64>,
    /// Local PostgreSQL processes' CPU, on PostgreSQL runs.
    database_cpu: Option<f64>,
    postgres: Option<Counters>,
}

impl Snapshot {
    /// Reads the server's and the driver's CPU time; on PostgreSQL runs, the local
    /// cluster's CPU time, and its counters if `counters` is given.
    pub async fn take(server: &Server, on_postgres: bool, counters: Option<&Stats>) -> anyhow::Result<Snapshot> {
        let postgres = match counters {
            Some(stats) => Some(stats.snapshot().await?),
            None => None,
        };
        Ok(Snapshot {
            server_cpu: server.cpu_seconds(),
            driver_cpu: process_cpu_seconds(std::process::id()),
            database_cpu: on_postgres.then(local_postgres_cpu_seconds).flatten(),
            postgres,
        })
    }
}

/// Everything a report is made from.
pub struct Run {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Concurrent customers.
    pub concurrency: u32,
    /// Warm-up seconds.
    pub warmup_seconds: u64,
    /// Measured seconds.
    pub window_seconds: f64,
    /// The customers' merged figures.
    pub stats: WorkerStats,
    /// Products bought from.
    pub products: usize,
    /// Counters when measuring started.
    pub before: Snapshot,
    /// Counters when measuring ended.
    pub after_window: Snapshot,
    /// PostgreSQL counters once the orders placed while measuring had finished.
    pub pg_after: Option<Counters>,
    /// Server memory before the load.
    pub rss_before: Option<u64>,
    /// Server memory after the load.
    pub rss_after: Option<u64>,
}

/// Percentiles of a latency distribution, in milliseconds.
#[derive(Debug, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

impl Latency {
    fn of(histogram: &Histogram<u64>) -> Latency {
        let ms = |quantile: f64| histogram.value_at_quantile(quantile) as f64 / 1000.0;
        Latency { p50_ms: ms(0.5), p95_ms: ms(0.95), p99_ms: ms(0.99), max_ms: histogram.max() as f64 / 1000.0 }
    }
}

/// One endpoint's measured requests.
#[derive(Debug, Serialize)]
pub struct Endpoint {
    /// Method and route template.
    pub endpoint: String,
    /// Requests sent while measuring.
    pub requests: u64,
    /// Requests per second.
    pub per_second: f64,
    /// Latency.
    pub latency: Latency,
}

/// Orders.
#[derive(Debug, Serialize)]
pub struct Orders {
    /// Orders that completed while measuring.
    pub completed: u64,
    /// Completed orders per second.
    pub completed_per_second: f64,
    /// Orders placed while measuring.
    pub placed: u64,
    /// Place → completed, for orders placed while measuring.
    pub latency: Latency,
}

/// The server's cost.
#[derive(Debug, Serialize)]
pub struct Cost {
    /// Server CPU seconds while measuring.
    pub server_cpu_seconds: Option<f64>,
    /// Server CPU milliseconds per completed order.
    pub server_cpu_ms_per_order: Option<f64>,
    /// The driver's own CPU milliseconds per completed order (it shares the machine).
    pub driver_cpu_ms_per_order: Option<f64>,
    /// The local PostgreSQL cluster's CPU milliseconds per completed order (it shares the
    /// machine too), on PostgreSQL runs.
    pub database_cpu_ms_per_order: Option<f64>,
    /// Server resident memory before the load, MiB.
    pub rss_before_mib: Option<f64>,
    /// Server resident memory after the load, MiB.
    pub rss_after_mib: Option<f64>,
}

/// PostgreSQL's work per order placed while measuring.
#[derive(Debug, Serialize)]
pub struct PostgresCost {
    /// WAL flushes per order.
    pub wal_flushes_per_order: f64,
    /// Transactions that wrote, per order.
    pub write_transactions_per_order: f64,
    /// Committed transactions (reads included) per order.
    pub commits_per_order: f64,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Concurrent customers.
    pub concurrency: u32,
    /// Warm-up seconds.
    pub warmup_seconds: u64,
    /// Measured seconds.
    pub window_seconds: f64,
    /// Products bought from.
    pub products: usize,
    /// Orders.
    pub orders: Orders,
    /// Per endpoint.
    pub endpoints: Vec<Endpoint>,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
    /// CPU and memory.
    pub cost: Cost,
    /// PostgreSQL figures, on PostgreSQL runs.
    pub postgres: Option<PostgresCost>,
}

const MIB: f64 = 1024.0 * 1024.0;

impl Report {
    /// Computes the figures.
    pub fn new(run: Run) -> Report {
        let completed = run.stats.completed_in_window;
        let per_order = |total: f64| (completed > 0).then(|| total * 1000.0 / completed as f64);
        let cpu = |pick: fn(&Snapshot) -> Option<f64>| Some(pick(&run.after_window)? - pick(&run.before)?);
        let server_cpu = cpu(|s| s.server_cpu);
        let postgres = match (run.before.postgres, run.pg_after) {
            (Some(before), Some(after)) if run.stats.placed_in_window > 0 => {
                let spent = after - before;
                let placed = run.stats.placed_in_window as f64;
                Some(PostgresCost {
                    wal_flushes_per_order: spent.wal_flushes as f64 / placed,
                    write_transactions_per_order: spent.write_transactions as f64 / placed,
                    commits_per_order: spent.commits as f64 / placed,
                })
            }
            _ => None,
        };
        Report {
            backend: run.backend,
            concurrency: run.concurrency,
            warmup_seconds: run.warmup_seconds,
            window_seconds: run.window_seconds,
            products: run.products,
            orders: Orders {
                completed,
                completed_per_second: completed as f64 / run.window_seconds,
                placed: run.stats.placed_in_window,
                latency: Latency::of(&run.stats.order_latency),
            },
            endpoints: run
                .stats
                .endpoints
                .iter()
                .map(|(endpoint, histogram)| Endpoint {
                    endpoint: (*endpoint).to_owned(),
                    requests: histogram.len(),
                    per_second: histogram.len() as f64 / run.window_seconds,
                    latency: Latency::of(histogram),
                })
                .collect(),
            errors: run.stats.errors,
            cost: Cost {
                server_cpu_seconds: server_cpu,
                server_cpu_ms_per_order: server_cpu.and_then(per_order),
                driver_cpu_ms_per_order: cpu(|s| s.driver_cpu).and_then(per_order),
                database_cpu_ms_per_order: cpu(|s| s.database_cpu).and_then(per_order),
                rss_before_mib: run.rss_before.map(|b| b as f64 / MIB),
                rss_after_mib: run.rss_after.map(|b| b as f64 / MIB),
            },
            postgres,
        }
    }

    /// The report as a table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let o = &self.orders;
        let opt = |value: Option<f64>, unit: &str| value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}{unit}"));
        let _ = writeln!(
            out,
            "\nEmporium load run: {} backend, {} customers, {:.0} s measured after {} s warm-up, {} products",
            self.backend, self.concurrency, self.window_seconds, self.warmup_seconds, self.products
        );
        let _ = writeln!(out, "  orders completed     {:>8}   {:.1} orders/s", o.completed, o.completed_per_second);
        let _ = writeln!(
            out,
            "  place -> completed   p50 {:.1} ms   p95 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
            o.latency.p50_ms, o.latency.p95_ms, o.latency.p99_ms, o.latency.max_ms
        );
        let c = &self.cost;
        let _ = writeln!(
            out,
            "  server CPU           {} per order ({} in the window)",
            opt(c.server_cpu_ms_per_order, " ms"),
            opt(c.server_cpu_seconds, " s")
        );
        let _ = writeln!(out, "  driver CPU           {} per order", opt(c.driver_cpu_ms_per_order, " ms"));
        if let Some(database) = c.database_cpu_ms_per_order {
            let _ = writeln!(out, "  PostgreSQL CPU       {database:.1} ms per order (local cluster)");
        }
        let _ = writeln!(
            out,
            "  server RSS           {} before, {} after",
            opt(c.rss_before_mib, " MiB"),
            opt(c.rss_after_mib, " MiB")
        );
        if let Some(pg) = &self.postgres {
            let _ = writeln!(
                out,
                "  PostgreSQL           {:.1} WAL flushes, {:.1} write transactions, {:.1} commits per order",
                pg.wal_flushes_per_order, pg.write_transactions_per_order, pg.commits_per_order
            );
        }
        let _ =
            writeln!(out, "\n  {:<34} {:>9} {:>9} {:>9} {:>9}", "endpoint", "requests", "req/s", "p50 ms", "p99 ms");
        for e in &self.endpoints {
            let _ = writeln!(
                out,
                "  {:<34} {:>9} {:>9.1} {:>9.2} {:>9.2}",
                e.endpoint, e.requests, e.per_second, e.latency.p50_ms, e.latency.p99_ms
            );
        }
        if self.errors.is_empty() {
            let _ = writeln!(out, "\n  errors: none");
        } else {
            let _ = writeln!(out, "\n  errors:");
            for (kind, count) in &self.errors {
                let _ = writeln!(out, "  {count:>8}  {kind}");
            }
        }
        out
    }

    /// A run is good when orders completed and nothing failed; otherwise the exit code
    /// says so, so a smoke run in CI catches a broken journey.
    pub fn verdict(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.orders.completed > 0, "no order completed while measuring");
        let failures: u64 = self.errors.values().sum();
        anyhow::ensure!(failures == 0, "{failures} requests or orders failed (see errors above)");
        Ok(())
    }
}
