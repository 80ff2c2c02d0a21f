//! Settings from flags or environment variables (flags mirror the variable names).

use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
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

    /// Secret that signs access tokens; generated once and kept in the data folder when unset.
    #[arg(long, env = "EMPORIUM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Seconds each place-order saga step may take before it counts as failed.
    #[arg(long, env = "EMPORIUM_SAGA_STEP_DEADLINE_SECS", default_value_t = 30)]
    pub saga_step_deadline_secs: u32,

    /// Latency the simulated card gateway adds to every call, in milliseconds.
    #[arg(long, env = "EMPORIUM_GATEWAY_LATENCY_MS", default_value_t = 0)]
    pub gateway_latency_ms: u64,

    /// Share (0.0–1.0) of simulated gateway calls that fail transiently.
    #[arg(long, env = "EMPORIUM_GATEWAY_FAILURE_RATE", default_value_t = 0.0)]
    pub gateway_failure_rate: f64,

    /// Log line format.
    #[arg(long, env = "EMPORIUM_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
}

impl Settings {
    /// Settings for an embedded installation in `data_dir` with every other value at its
    /// default (what tests and the demo start from).
    pub fn embedded(data_dir: PathBuf) -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            db_schema_prefix: String::new(),
            redis_url: None,
            redis_prefix: "emporium:".to_owned(),
            jwt_secret: None,
            saga_step_deadline_secs: 30,
            gateway_latency_ms: 0,
            gateway_failure_rate: 0.0,
            log_format: LogFormat::Pretty,
        }
    }
}
