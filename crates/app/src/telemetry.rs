//! Where the process's logs and traces go: logs to stderr (JSON or readable), and, when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, every span to an OpenTelemetry collector over OTLP
//! (HTTP, protobuf). The standard `OTEL_*` variables are honoured (`OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, headers, timeouts).
//! Trace context crosses contexts in events and messages (`kernel::telemetry`), so an order
//! is one trace from its HTTP request to its shipment.

use crate::settings::LogFormat;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps span export and error reporting running; dropping it sends what is still
/// buffered.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    _errors: Option<sentry::ClientInitGuard>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("could not send the last spans: {error}");
        }
    }
}

/// Installs the process's logging; span export when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; and error reporting to Sentry when
/// `SENTRY_DSN` is set (see [`error_reporting`]). Keep the answer until the process ends.
pub fn init(format: LogFormat) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Logs go to stderr; stdout is for what a command reports.
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    // `RUST_LOG` filters the log only: spans are traced and errors reported whatever the
    // log shows (with `RUST_LOG=warn` the request and handler spans still exist).
    let logs = match format {
        LogFormat::Json => logs.json().boxed(),
        LogFormat::Pretty => logs.boxed(),
    }
    .with_filter(filter);
    let exporting = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        .iter()
        .any(|variable| std::env::var(variable).is_ok_and(|value| !value.is_empty()));
    let provider = if exporting {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
        let resource = opentelemetry_sdk::Resource::builder().with_service_name("emporium").build();
        Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
    } else {
        None
    };
    let traces = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("emporium")).with_filter(LevelFilter::INFO)
    });
    let errors = error_reporting()?;
    let reported = errors.as_ref().map(|_| {
        use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
        ErrorLayer::new()
            .with_filter(LevelFilter::ERROR)
            .and_then(BreadcrumbLayer::new().with_filter(LevelFilter::INFO))
    });
    tracing_subscriber::registry().with(logs).with(traces).with(reported).try_init()?;
    Ok(Telemetry { provider, _errors: errors })
}

/// Sentry, when `SENTRY_DSN` is set: panics, and every error-level log line (a 5xx answer,
/// a dead-lettered message, a parked saga, a stalled relay) become events; those raised in a
/// traced span carry its id as the `trace_id` tag (their `tags.trace_id` field); info and
/// warning lines ride along as breadcrumbs. No personal data is sent. `SENTRY_ENVIRONMENT`
/// and `SENTRY_RELEASE` are honoured.
fn error_reporting() -> anyhow::Result<Option<sentry::ClientInitGuard>> {
    let Some(dsn) = std::env::var("SENTRY_DSN").ok().filter(|dsn| !dsn.is_empty()) else { return Ok(None) };
    let _valid: sentry::types::Dsn = dsn.parse()?;
    let mut options = sentry::ClientOptions::new().dsn(&dsn).send_default_pii(false);
    if let Some(release) = sentry::release_name!() {
        options = options.release(release);
    }
    Ok(Some(sentry::init(options)))
}

/// What a metric counts or measures, for `/metrics`' `# HELP` lines and the operator's guide.
pub struct MetricInfo {
    /// Its name.
    pub name: &'static str,
    /// Its labels (each with a bounded set of values).
    pub labels: &'static [&'static str],
    /// What it means.
    pub help: &'static str,
    /// Whether it shows only once something rare happened (a dead letter, a parked saga),
    /// rather than as soon as orders flow.
    pub rare: bool,
}

const fn metric(name: &'static str, labels: &'static [&'static str], help: &'static str, rare: bool) -> MetricInfo {
    MetricInfo { name, labels, help, rare }
}

/// Every metric the platform records (histograms are exported as summaries: `quantile`
/// label, `_sum` and `_count`), besides the process's own `process_*` gauges.
pub const METRICS: &[MetricInfo] = &[
    metric("emporium_http_requests_total", &["method", "route", "status"], "HTTP requests answered", false),
    metric("emporium_http_request_duration_seconds", &["method", "route"], "time to answer an HTTP request", false),
    metric("emporium_rate_limited_total", &["limit"], "requests refused with 429, by budget", true),
    metric("emporium_saga_started_total", &["saga"], "sagas started", false),
    metric("emporium_saga_completed_total", &["saga"], "sagas finished with every step done", false),
    metric(
        "emporium_saga_compensated_total",
        &["saga", "code"],
        "sagas finished with every step undone, by failure code",
        false,
    ),
    metric(
        "emporium_saga_step_failed_total",
        &["saga", "step", "code"],
        "saga steps that failed, by step and failure code",
        false,
    ),
    metric(
        "emporium_saga_needs_attention_total",
        &["saga", "step"],
        "sagas parked because a compensation keeps failing",
        true,
    ),
    metric("emporium_saga_timer_failures_total", &["saga"], "failed passes of a saga engine's deadline timer", true),
    metric(
        "emporium_message_handling_seconds",
        &["consumer"],
        "time a consumer takes to handle a message, retries included",
        false,
    ),
    metric(
        "emporium_message_lag_seconds",
        &["consumer"],
        "time from a message's event to its handling starting",
        false,
    ),
    metric("emporium_dead_letters_total", &["consumer"], "messages a consumer gave up on", true),
    metric("emporium_relay_stalled", &["context"], "1 while a relay is stuck on an event it cannot publish", true),
    metric("emporium_unit_of_work_queued_seconds", &["database"], "wait for a database's write lane", false),
    metric("emporium_unit_of_work_held_seconds", &["database"], "time a unit of work holds its write lane", false),
    metric("emporium_commit_group_units", &[], "units of work committed together", false),
    metric(
        "emporium_db_connections",
        &["database", "pool", "state"],
        "database connections in use and idle, when scraped",
        false,
    ),
    metric(
        "emporium_saga_step_seconds",
        &["saga", "step", "outcome"],
        "time from a saga step's command to its answer",
        false,
    ),
    metric("emporium_cache_reads_total", &["backend", "result"], "read-model cache reads, hit or miss", false),
    metric("emporium_view_lookups_total", &["view"], "reads of one context's view for another's answer", true),
];

/// Gives every metric its `# HELP` line.
pub fn describe_metrics() {
    for metric in METRICS {
        metrics::describe_counter!(metric.name, metric.help);
    }
}
