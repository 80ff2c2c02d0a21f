//! The composition root: the only crate that knows every context. It reads settings,
//! opens each context's database, wires stores, bus and routers, and puts authentication,
//! limits, tracing and metrics at the HTTP edge. The `emporium` binary is a thin CLI over it.

pub mod audit;
pub mod carrier;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod operations;
pub mod platform;
pub mod seed;
pub mod settings;
pub mod telemetry;

pub use platform::Platform;
pub use settings::Settings;
