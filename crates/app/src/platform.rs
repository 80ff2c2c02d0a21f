//! Wiring: one database per context, the event stores, the bus, every context's module,
//! Identity, and the background runtime.

use crate::settings::Settings;
use anyhow::Context;
use contracts::shipping_rates::{RATE_CURRENCY, RateCard};
use identity::Identity;
use kernel::blobs::FsBlobStore;
use kernel::cache::{Cache, InProcessCache, RedisCache};
use kernel::clock::SharedClock;
use kernel::db::{Db, DbTarget};
use kernel::event_store::EventStore;
use kernel::module::{ContextModule, Runtime, Transport};
use kernel::money::Money;
use kernel::projection::ProjectionRunner;
use payments::{SimulatedGateway, SimulatedGatewayConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A platform assembled from settings: routers ready, background work started on demand.
pub struct Platform {
    modules: Vec<ContextModule>,
    identity: Identity,
    dbs: Vec<Db>,
    /// Who is calling, and the per-address request budget, shared by every router built.
    clients: Arc<crate::http::Clients>,
    /// Web origins whose pages may call the API from the browser.
    cors_origins: Vec<String>,
    /// The GraphQL schema, built once.
    graphql: crate::graphql::ApiSchema,
    /// Whether GraphiQL is served: outside production only.
    graphiql: bool,
    transport: Transport,
    runtime: Option<Runtime>,
    /// When authorized payments are captured, which decides what the money audit expects.
    pub(crate) capture_at: payments::CaptureAt,
}

fn target(settings: &Settings) -> DbTarget {
    match &settings.database_url {
        Some(url) => DbTarget::Postgres { url: url.clone(), schema_prefix: settings.db_schema_prefix.clone() },
        None => DbTarget::SqliteDir(settings.data_dir.clone()),
    }
}

/// Where product pictures are kept: as configured, or in the data folder.
fn blob_dir(settings: &Settings) -> std::path::PathBuf {
    settings.blob_dir.clone().unwrap_or_else(|| settings.data_dir.join("blobs"))
}

/// The JWT secret: configured, or generated once and kept in the data folder.
fn jwt_secret(settings: &Settings) -> anyhow::Result<String> {
    if let Some(secret) = &settings.jwt_secret {
        anyhow::ensure!(secret.len() >= 32, "EMPORIUM_JWT_SECRET must be at least 32 characters");
        return Ok(secret.clone());
    }
    kept_secret(settings, "jwt-secret")
}

/// The rate card Shipping quotes by and Orders charges by: one setting, read once for both.
fn rate_card(settings: &Settings) -> RateCard {
    let threshold = (settings.free_shipping_over > 0).then(|| Money::new(settings.free_shipping_over, RATE_CURRENCY));
    RateCard::new(threshold)
}

/// The secrets the carrier signs its webhooks with: configured (two while rotating), or
/// one generated once and kept in the data folder (the simulated carrier reads it there).
pub fn carrier_secrets(settings: &Settings) -> anyhow::Result<Vec<String>> {
    if settings.carrier_webhook_secrets.is_empty() {
        return Ok(vec![kept_secret(settings, "carrier-webhook-secret")?]);
    }
    anyhow::ensure!(
        settings.carrier_webhook_secrets.iter().all(|secret| secret.len() >= 32),
        "each of EMPORIUM_CARRIER_WEBHOOK_SECRETS must be at least 32 characters"
    );
    Ok(settings.carrier_webhook_secrets.clone())
}

/// The secret kept in the data folder's file `name`, made (random, 256 bits) the first time.
fn kept_secret(settings: &Settings, name: &str) -> anyhow::Result<String> {
    let path = settings.data_dir.join(name);
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().to_owned());
    }
    std::fs::create_dir_all(&settings.data_dir).with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let secret: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    write_private(&path, &secret)?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    Ok(std::fs::write(path, contents)?)
}

impl Platform {
    /// Opens (and migrates) every context's database and builds the modules.
    pub async fn open(settings: &Settings, clock: SharedClock) -> anyhow::Result<Platform> {
        let target = target(settings);
        let mut dbs = Vec::new();
        let mut open = async |name: &str| -> anyhow::Result<EventStore> {
            let db = Db::open(&target, name).await.with_context(|| format!("opening the {name} database"))?;
            dbs.push(db.clone());
            Ok(EventStore::open(db, clock.clone()).await?)
        };
        let catalog = open("catalog").await?;
        let inventory = open("inventory").await?;
        let orders = open("orders").await?;
        let payments = open("payments").await?;
        let shipping = open("shipping").await?;
        let identity_db = Db::open(&target, "identity").await.context("opening the identity database")?;
        dbs.push(identity_db.clone());

        let gateway = SimulatedGateway::open(
            payments.db().clone(),
            SimulatedGatewayConfig {
                latency: Duration::from_millis(settings.gateway_latency_ms),
                transient_failure_rate: settings.gateway_failure_rate.clamp(0.0, 1.0),
            },
        )
        .await?;
        let step_deadlines = orders::step_deadlines(settings.saga_step_deadlines.as_deref().unwrap_or_default())
            .map_err(|why| anyhow::anyhow!("EMPORIUM_SAGA_STEP_DEADLINES: {why}"))?;
        let orders_config = orders::OrdersConfig {
            step_deadlines,
            step_deadline: chrono::Duration::seconds(i64::from(settings.saga_step_deadline_secs.max(1))),
            queue_deadline: chrono::Duration::seconds(i64::from(settings.saga_queue_deadline_secs.max(1))),
            compensation_retry_pause: chrono::Duration::milliseconds(i64::from(settings.saga_retry_pause_ms.max(1))),
            max_units_per_product: settings.max_units_per_product,
            rate_card: rate_card(settings),
            ..orders::OrdersConfig::default()
        };
        let cache: Arc<dyn Cache> = match &settings.redis_url {
            Some(url) => Arc::new(
                RedisCache::connect(url, &settings.redis_prefix)
                    .await
                    .with_context(|| "connecting to Redis".to_owned())?,
            ),
            None => Arc::new(InProcessCache::new(10_000)),
        };
        let modules = vec![
            catalog::module(catalog, cache, Arc::new(FsBlobStore::new(blob_dir(settings)))).await?,
            inventory::module(inventory).await?,
            orders::module(orders, orders_config).await?,
            payments::module(payments, Arc::new(gateway), settings.capture_at).await?,
            shipping::module(shipping, rate_card(settings), carrier_secrets(settings)?).await?,
        ];
        let identity = Identity::open(identity_db, jwt_secret(settings)?, clock)
            .await?
            .with_auth_rate_limit(settings.auth_rate_limit);
        let clients = crate::http::Clients::new(settings.rate_limit, settings.trusted_proxies.clone());
        Ok(Platform {
            modules,
            identity,
            dbs,
            clients: Arc::new(clients),
            cors_origins: settings.cors_origins.clone(),
            graphql: crate::graphql::schema(settings.environment == crate::settings::Environment::Production),
            graphiql: settings.environment != crate::settings::Environment::Production,
            transport: settings.transport(),
            runtime: None,
            capture_at: settings.capture_at,
        })
    }

    /// Starts delivery between contexts, projections and saga timers.
    pub async fn start_background(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(self.runtime.is_none(), "background work already started");
        let runtime = Runtime::start(&mut self.modules, self.transport.clone())
            .await
            .context("declaring the queues on RabbitMQ")?;
        self.runtime = Some(runtime);
        Ok(())
    }

    fn routes(&self) -> utoipa_axum::router::OpenApiRouter {
        let contexts = self.modules.iter().fold(self.identity.router(), |api, module| api.merge(module.router.clone()));
        contexts.merge(crate::operations::routes(self.operations()))
    }

    /// The operator's tools over every context: dead letters to list, replay or discard;
    /// sagas to list, inspect or retry.
    pub fn operations(&self) -> crate::operations::Operations {
        let stores = self.modules.iter().map(|m| m.store.clone()).collect();
        let consumers = self
            .modules
            .iter()
            .flat_map(|m| m.handlers.iter().map(|handler| (handler.clone(), m.store.clone())))
            .collect();
        let sagas = self.modules.iter().flat_map(|m| m.sagas.iter().cloned()).collect();
        crate::operations::Operations::new(stores, consumers, sagas)
    }

    /// The HTTP application: every context's endpoints plus operations endpoints, over REST
    /// and GraphQL.
    pub fn router(&self) -> axum::Router {
        let operations = self.operations();
        let operations_data: kernel::module::GraphqlData = Arc::new(move |data| data.insert(operations.clone()));
        let graphql = crate::graphql::Endpoint::new(
            self.graphql.clone(),
            self.modules.iter().filter_map(|module| module.graphql_data.clone()).chain([operations_data]).collect(),
            self.identity.clone(),
            self.identity.verifier(),
            self.clients.clone(),
        );
        let mut graphql = graphql.router();
        if self.graphiql {
            graphql = graphql.merge(crate::graphiql::router(self.graphql.sdl()));
        }
        let routes = crate::http::Routes { rest: self.routes(), graphql };
        crate::http::edge(routes, self.identity.verifier(), self.dbs.clone(), self.clients.clone(), &self.cors_origins)
    }

    /// The GraphQL schema in SDL (what `docs/schema.graphql` holds).
    pub fn graphql_sdl(&self) -> String {
        self.graphql.sdl()
    }

    /// Each part's own OpenAPI document (Identity, each context, operations), by name: the
    /// merged document keeps one schema per name, so a check that two parts never give the
    /// same name to different schemas needs them apart.
    pub fn openapi_by_part(&self) -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
        let part = |router: utoipa_axum::router::OpenApiRouter| router.split_for_parts().1;
        let mut parts = vec![("identity", part(self.identity.router()))];
        parts.extend(self.modules.iter().map(|module| (module.name, part(module.router.clone()))));
        parts.push(("operations", part(crate::operations::routes(self.operations()))));
        parts
    }

    /// The OpenAPI document of every endpoint under `/api/v1`.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        crate::http::api(self.routes()).1
    }

    /// Identity, for seeding users and the admin CLI.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// A context's database by name (`orders`, `identity`, ...), for operations and tests.
    pub fn database(&self, name: &str) -> Option<&Db> {
        self.dbs.iter().find(|db| db.name() == name)
    }

    /// How its contexts exchange messages.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Every message consumer's name (one inbox and, on RabbitMQ, one set of queues each).
    pub fn consumers(&self) -> Vec<&'static str> {
        self.modules.iter().flat_map(|m| m.handlers.iter().map(|h| h.consumer())).collect()
    }

    /// Every projection, by name.
    pub fn projections(&self) -> impl Iterator<Item = &ProjectionRunner> {
        self.modules.iter().flat_map(|m| m.projections.iter())
    }

    /// Empties and replays one read model; returns how many events it applied.
    pub async fn rebuild_projection(&self, name: &str) -> anyhow::Result<usize> {
        let runner = self.projections().find(|p| p.name() == name).with_context(|| {
            let names: Vec<_> = self.projections().map(ProjectionRunner::name).collect();
            format!("no projection {name:?}; there are: {}", names.join(", "))
        })?;
        Ok(runner.rebuild().await?)
    }

    /// Stops background work, letting in-flight messages finish, and closes the databases.
    pub async fn shutdown(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown(Duration::from_secs(10)).await;
        }
        for db in &self.dbs {
            db.close().await;
        }
    }

    /// Stops everything at once, as a crash would (tests use it to prove restarts lose nothing).
    pub async fn crash(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.abort().await;
        }
        for db in &self.dbs {
            db.close().await;
        }
    }
}
