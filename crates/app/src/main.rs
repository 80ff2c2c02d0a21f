//! `emporium`: run the platform, migrate, seed demo data, rebuild read models, add admins,
//! play the carrier.

use anyhow::Context;
use clap::{Parser, Subcommand};
use emporium::{Platform, Settings, seed};
use kernel::auth::Role;
use kernel::clock::{SharedClock, SystemClock};
use std::sync::Arc;

/// mimalloc rather than glibc's allocator: every sign-in hashes with argon2id, which takes
/// a 19 MiB block; glibc raises its mmap threshold after the first such block is freed and
/// then keeps later ones in its heap, so the server's memory grew by about 40 MiB a second
/// under load. mimalloc gives large blocks back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Emporium, an event-sourced e-commerce platform.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and run every context's background work until Ctrl-C / SIGTERM.
    Serve {
        /// Seed the demo catalog and users first (skips what exists).
        #[arg(long)]
        demo: bool,
    },
    /// Create or update every database schema, then exit.
    Migrate,
    /// Load data, then exit.
    Seed {
        /// The demo catalog, an admin and a customer.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Print the OpenAPI document (what `/api/openapi.json` serves).
    Openapi,
    /// Print the GraphQL schema (what `/graphql` serves) in SDL.
    GraphqlSchema,
    /// Read-model maintenance.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Messages a consumer gave up on: list, replay or discard them.
    DeadLetters {
        #[command(subcommand)]
        command: DeadLettersCommand,
    },
    /// Check that the contexts' books agree (stock held, money kept, sagas settled,
    /// idempotency keys): exits 1 naming the first invariant broken.
    Audit {
        /// Keep asking for up to this many seconds while sagas and read models settle.
        #[arg(long, default_value_t = 0)]
        wait: u64,
    },
    /// Sagas: list them by status, or retry a parked one's compensation now.
    Sagas {
        #[command(subcommand)]
        command: SagasCommand,
    },
    /// Play the carrier: send a signed update about a parcel to a running platform (how the
    /// demo moves parcels in transit, delivered, or back to the warehouse).
    Carrier {
        /// The parcel's tracking number (shown on its shipment once an admin shipped it).
        tracking_number: String,
        /// Where the parcel is now.
        #[arg(value_enum)]
        status: emporium::carrier::ParcelStatus,
        /// Where it was scanned.
        #[arg(long, default_value = "Regional sorting centre")]
        location: String,
        /// The platform's base URL; `http://` and the listen address when not given.
        #[arg(long)]
        api: Option<String>,
    },
    /// Administrator accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ProjectionsCommand {
    /// Replay every event into a fresh copy of a read model and swap it in (queries keep the old one until then; safe while `serve` runs).
    Rebuild {
        /// Projection name (e.g. `orders`, `catalog_products`).
        name: String,
    },
    /// List the projections.
    List,
}

#[derive(Debug, Subcommand)]
enum DeadLettersCommand {
    /// List dead letters (open ones unless `--all`), newest first.
    List {
        /// Include replayed and discarded ones.
        #[arg(long)]
        all: bool,
    },
    /// Hand an open dead letter to its consumer again (once its cause is fixed).
    Replay {
        /// The dead letter's id.
        id: uuid::Uuid,
    },
    /// Mark an open dead letter discarded (its record stays).
    Discard {
        /// The dead letter's id.
        id: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
enum SagasCommand {
    /// List sagas with a status (parked ones, `needs_attention`, by default), most recently changed first.
    List {
        /// `needs_attention`, `running`, `compensating`, `completed`, `compensated` or `all`.
        #[arg(long, default_value = "needs_attention")]
        status: String,
    },
    /// Send a parked saga's compensation again now (once the cause of its failures is fixed).
    Retry {
        /// The saga's id (the order id for place-order).
        id: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an administrator.
    Create {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Password (8 to 128 characters).
        #[arg(long)]
        password: String,
        /// Display name.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let _telemetry = emporium::telemetry::init(cli.settings.log_format)?;
    let clock: SharedClock = Arc::new(SystemClock);
    let mut platform = Platform::open(&cli.settings, clock).await?;
    match cli.command {
        Command::Serve { demo } => {
            platform.start_background().await?;
            if demo {
                let seeded = seed::demo(&platform).await?;
                tracing::info!(
                    categories = seeded.categories,
                    products = seeded.products,
                    pictures = seeded.pictures,
                    "demo data ready"
                );
            }
            let listener = tokio::net::TcpListener::bind(cli.settings.listen)
                .await
                .with_context(|| format!("cannot listen on {}", cli.settings.listen))?;
            let address = listener.local_addr()?;
            tracing::info!(%address, "Emporium API listening on http://{address}/api/v1 (metrics on /metrics)");
            let app = platform.router().into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
            platform.shutdown().await;
        }
        Command::Openapi => {
            println!("{}", platform.openapi().to_pretty_json()?);
            platform.shutdown().await;
        }
        Command::GraphqlSchema => {
            print!("{}", platform.graphql_sdl());
            platform.shutdown().await;
        }
        Command::Migrate => {
            println!("every database is migrated");
            platform.shutdown().await;
        }
        Command::Seed { .. } => {
            // Projections and relays run so the seed reads its own writes and other
            // contexts receive the new products before the process exits.
            platform.start_background().await?;
            let seeded = seed::demo(&platform).await?;
            println!(
                "created {} categories, {} products and {} pictures",
                seeded.categories, seeded.products, seeded.pictures
            );
            println!("admin: {} / {}", seed::ADMIN_EMAIL, seed::ADMIN_PASSWORD);
            println!("customer: {} / {}", seed::CUSTOMER_EMAIL, seed::CUSTOMER_PASSWORD);
            platform.shutdown().await;
        }
        Command::Projections { command: ProjectionsCommand::Rebuild { name } } => {
            let applied = platform.rebuild_projection(&name).await?;
            println!("rebuilt {name} from {applied} events");
            platform.shutdown().await;
        }
        Command::Projections { command: ProjectionsCommand::List } => {
            for projection in platform.projections() {
                println!("{}", projection.name());
            }
            platform.shutdown().await;
        }
        Command::DeadLetters { command } => {
            let operations = platform.operations();
            match command {
                DeadLettersCommand::List { all } => {
                    let status = if all { None } else { Some(kernel::dead_letters::LetterStatus::Open) };
                    for letter in operations.dead_letters(status).await? {
                        println!(
                            "{}  {:?}  {}  {}  {}  attempts={}  {}",
                            letter.id,
                            letter.status,
                            letter.failed_at,
                            letter.consumer,
                            letter.message_type,
                            letter.attempts,
                            letter.error
                        );
                    }
                }
                DeadLettersCommand::Replay { id } => {
                    let letter = operations.replay(id).await?;
                    println!("replayed {} ({}) through {}", letter.id, letter.message_type, letter.consumer);
                }
                DeadLettersCommand::Discard { id } => {
                    let letter = operations.discard(id).await?;
                    println!("discarded {} ({})", letter.id, letter.message_type);
                }
            }
            platform.shutdown().await;
        }
        Command::Audit { wait } => {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait);
            let broken = loop {
                let broken = emporium::audit::broken_invariant(&platform).await?;
                if broken.is_none() || std::time::Instant::now() >= deadline {
                    break broken;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            };
            platform.shutdown().await;
            match broken {
                None => println!(
                    "every invariant holds: stock held and conserved, money kept, sagas settled, idempotency keys"
                ),
                Some(why) => anyhow::bail!("invariant broken: {why}"),
            }
        }
        Command::Sagas { command } => {
            let operations = platform.operations();
            match command {
                SagasCommand::List { status } => {
                    let status = match status.as_str() {
                        "all" => None,
                        name => Some(
                            serde_json::from_value::<kernel::saga::SagaStatus>(serde_json::Value::String(name.into()))
                                .map_err(|_| anyhow::anyhow!("unknown saga status {name:?}"))?,
                        ),
                    };
                    for saga in operations.sagas(status).await? {
                        let waiting = saga.deadline_at.as_deref().unwrap_or("-");
                        println!(
                            "{}  {}  {}  {}  updated={}  next={}",
                            saga.saga_id,
                            saga.saga_type,
                            saga.context,
                            saga.status.as_str(),
                            saga.updated_at,
                            waiting
                        );
                    }
                }
                SagasCommand::Retry { id } => {
                    let saga = operations.retry_saga(id).await?;
                    let last = saga.timeline.last().map_or("", |entry| entry.detail.as_str());
                    println!("retried {} ({}): {last}", saga.saga.saga_id, saga.saga.status.as_str());
                }
            }
            platform.shutdown().await;
        }
        Command::Carrier { tracking_number, status, location, api } => {
            let api = api.unwrap_or_else(|| format!("http://{}", cli.settings.listen));
            let answer =
                emporium::carrier::send_update(&cli.settings, &api, &tracking_number, status, &location).await?;
            println!("{answer}");
            platform.shutdown().await;
        }
        Command::Admin { command: AdminCommand::Create { email, password, name } } => {
            let user = platform.identity().create_user(&email, &password, &name, Role::Admin).await?;
            println!("created admin {} ({})", user.email, user.id);
            platform.shutdown().await;
        }
    }
    Ok(())
}
