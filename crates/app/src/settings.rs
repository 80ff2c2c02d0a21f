//! Settings from flags or environment variables (flags mirror the variable names).

use clap::{Args, ValueEnum};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// What kind of installation this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// A developer's machine or a test: the GraphQL schema can be explored.
    Development,
    /// Serving shoppers: GraphQL introspection and field suggestions are off.
    Production,
}

/// Everything the platform can be configured with.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address the HTTP API listens on.
    #[arg(long, env = "EMPORIUM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder for the SQLite databases (embedded mode) and the generated JWT secret.
    #[arg(long, env = "EMPORIUM_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Folder for uploaded product pictures; `blobs` in the data folder when unset. With
    /// several catalog replicas it must be one volume they all mount.
    #[arg(long, env = "EMPORIUM_BLOB_DIR")]
    pub blob_dir: Option<PathBuf>,

    /// Secrets the carrier signs its webhook updates with, comma-separated (two while one
    /// replaces the other; each at least 32 characters). Unset: one is generated and kept in
    /// the data folder as `carrier-webhook-secret`.
    #[arg(long, env = "EMPORIUM_CARRIER_WEBHOOK_SECRETS", value_delimiter = ',', hide_env_values = true)]
    pub carrier_webhook_secrets: Vec<String>,

    /// A `postgres://` URL moves every context to PostgreSQL (one schema each).
    #[arg(long, env = "EMPORIUM_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Prefix of every PostgreSQL schema name (lets several installations share a database).
    #[arg(long, env = "EMPORIUM_DB_SCHEMA_PREFIX", default_value = "")]
    pub db_schema_prefix: String,

    /// A `redis://` URL moves the read-model cache from this process's memory to Redis.
    #[arg(long, env = "EMPORIUM_REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key (lets several installations share a Redis).
    #[arg(long, env = "EMPORIUM_REDIS_PREFIX", default_value = "emporium:")]
    pub redis_prefix: String,

    /// An `amqp://` URL moves delivery between contexts to RabbitMQ (quorum queues,
    /// publisher confirms); without it consumers follow the producers' event stores.
    #[arg(long, env = "EMPORIUM_AMQP_URL", hide_env_values = true)]
    pub amqp_url: Option<String>,

    /// Prefix of every RabbitMQ exchange and queue (lets several installations share a broker).
    #[arg(long, env = "EMPORIUM_AMQP_NAMESPACE", default_value = "emporium")]
    pub amqp_namespace: String,

    /// Queues per consumer on RabbitMQ: how many replicas of one consumer can work at once.
    /// Change it only with the queues drained (it re-routes partitions).
    #[arg(long, env = "EMPORIUM_AMQP_SHARDS", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub amqp_shards: u16,

    /// Deliveries after which RabbitMQ dead-letters a message whose consumer keeps dying on it.
    #[arg(long, env = "EMPORIUM_AMQP_DELIVERY_LIMIT", default_value_t = 20)]
    pub amqp_delivery_limit: u32,

    /// Unacknowledged messages RabbitMQ sends each shard's consumer ahead.
    #[arg(long, env = "EMPORIUM_AMQP_PREFETCH", default_value_t = 256)]
    pub amqp_prefetch: u16,

    /// Secret that signs access tokens; generated once and kept in the data folder when unset.
    #[arg(long, env = "EMPORIUM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Seconds each place-order saga step may take before it counts as failed.
    #[arg(long, env = "EMPORIUM_SAGA_STEP_DEADLINE_SECS", default_value_t = 30)]
    pub saga_step_deadline_secs: u32,

    /// Deadlines of particular saga steps instead of the one above, as
    /// `step=seconds[,step=seconds...]`, e.g. `process_payment=45,create_shipment=20`.
    #[arg(long, env = "EMPORIUM_SAGA_STEP_DEADLINES")]
    pub saga_step_deadlines: Option<String>,

    /// Seconds the payment step's command may wait for Payments to begin charging (a
    /// backlog, a restart) before the step counts as failed.
    #[arg(long, env = "EMPORIUM_SAGA_QUEUE_DEADLINE_SECS", default_value_t = 600)]
    pub saga_queue_deadline_secs: u32,

    /// Milliseconds before the first retry of a failed saga compensation (doubling after
    /// each failure, capped at 1,024 times).
    #[arg(long, env = "EMPORIUM_SAGA_RETRY_PAUSE_MS", default_value_t = 2000)]
    pub saga_retry_pause_ms: u32,

    /// Latency the simulated card gateway adds to every call, in milliseconds.
    #[arg(long, env = "EMPORIUM_GATEWAY_LATENCY_MS", default_value_t = 0)]
    pub gateway_latency_ms: u64,

    /// Share (0.0–1.0) of simulated gateway calls that fail transiently.
    #[arg(long, env = "EMPORIUM_GATEWAY_FAILURE_RATE", default_value_t = 0.0)]
    pub gateway_failure_rate: f64,

    /// When an order's authorized payment is charged: `shipment` (when its parcel leaves
    /// with the carrier) or `confirmation` (as soon as the order is confirmed).
    #[arg(long, env = "EMPORIUM_CAPTURE_AT", default_value = "shipment")]
    pub capture_at: payments::CaptureAt,

    /// Most units of one product one order may have (a limit against hoarding).
    #[arg(long, env = "EMPORIUM_MAX_UNITS_PER_PRODUCT", default_value_t = 100)]
    pub max_units_per_product: u32,

    /// Standard shipping is free for orders whose items are worth at least this many US
    /// cents; 0 never makes it free.
    #[arg(long, env = "EMPORIUM_FREE_SHIPPING_OVER", default_value_t = 10_000)]
    pub free_shipping_over: i64,

    /// Requests a second one client address may send, as a burst refilled over the second;
    /// beyond it the answer is 429 with `Retry-After` (0: unlimited). Health, readiness and
    /// metrics are exempt.
    #[arg(long, env = "EMPORIUM_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,

    /// Sign-in, registration, refresh and password-change attempts a minute, per client
    /// address and per account (0: unlimited).
    #[arg(long, env = "EMPORIUM_AUTH_RATE_LIMIT", default_value_t = 20)]
    pub auth_rate_limit: u32,

    /// Addresses of proxies (the storefront's server, a load balancer) whose
    /// `X-Forwarded-For` names the client, comma-separated; from anyone else the header is
    /// ignored, so a client cannot choose the address its limits are counted under.
    #[arg(long, env = "EMPORIUM_TRUSTED_PROXIES", value_delimiter = ',', default_value = "127.0.0.1,::1")]
    pub trusted_proxies: Vec<IpAddr>,

    /// Web origins (`https://shop.example.com`) whose pages may call the API from the
    /// browser, comma-separated; empty (the default) allows none: the storefront calls the
    /// API from its own server.
    #[arg(long, env = "EMPORIUM_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// `production` hides what helps developers explore the API (GraphQL introspection,
    /// field suggestions, GraphiQL at `/graphiql`).
    #[arg(long = "env", env = "EMPORIUM_ENV", value_enum, default_value = "development")]
    pub environment: Environment,

    /// Log line format.
    #[arg(long, env = "EMPORIUM_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
}

/// An origin as browsers send it: scheme, host and optional port; nothing else.
fn parse_origin(raw: &str) -> Result<String, String> {
    let origin = raw.trim();
    let (scheme, rest) = origin.split_once("://").ok_or("an origin looks like https://shop.example.com")?;
    let host_and_port_only =
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !matches!(scheme, "http" | "https") || !host_and_port_only {
        return Err(format!("{origin:?} is not an origin (scheme://host[:port], no path or trailing slash)"));
    }
    Ok(origin.to_owned())
}

impl Settings {
    /// How contexts reach each other: RabbitMQ when its URL is set.
    pub fn transport(&self) -> kernel::module::Transport {
        match &self.amqp_url {
            Some(url) => kernel::module::Transport::Amqp(kernel::amqp::Broker::new(kernel::amqp::AmqpSettings {
                url: url.clone(),
                namespace: self.amqp_namespace.clone(),
                shards: self.amqp_shards,
                delivery_limit: self.amqp_delivery_limit,
                prefetch: self.amqp_prefetch,
            })),
            None => kernel::module::Transport::Embedded,
        }
    }

    /// Settings for an embedded installation in `data_dir` with every other value at its
    /// default (what tests and the demo start from).
    pub fn embedded(data_dir: PathBuf) -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            blob_dir: None,
            carrier_webhook_secrets: Vec::new(),
            database_url: None,
            db_schema_prefix: String::new(),
            redis_url: None,
            redis_prefix: "emporium:".to_owned(),
            amqp_url: None,
            amqp_namespace: "emporium".to_owned(),
            amqp_shards: 4,
            amqp_delivery_limit: 20,
            amqp_prefetch: 256,
            jwt_secret: None,
            saga_step_deadline_secs: 30,
            saga_retry_pause_ms: 2000,
            saga_queue_deadline_secs: 600,
            saga_step_deadlines: None,
            gateway_latency_ms: 0,
            gateway_failure_rate: 0.0,
            capture_at: payments::CaptureAt::Shipment,
            max_units_per_product: 100,
            free_shipping_over: 10_000,
            rate_limit: 50,
            auth_rate_limit: 20,
            trusted_proxies: vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from(std::net::Ipv6Addr::LOCALHOST)],
            cors_origins: Vec::new(),
            environment: Environment::Development,
            log_format: LogFormat::Pretty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_origin;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in ["https://shop.example.com", "http://127.0.0.1:3000", " https://[::1]:8443 "] {
            assert_eq!(parse_origin(good).as_deref(), Ok(good.trim()));
        }
        for bad in ["shop.example.com", "https://shop.example.com/", "https://shop.example.com/cart", "ftp://x", "*"] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
