//! Criterion benchmarks of the kernel's hot paths: event-store appends and loads (SQLite and
//! PostgreSQL), a projection catching up, the saga transition, and envelope coding.
//!
//! `cargo bench -p emporium-kernel --bench kernel` (add `-- --quick` for a short run). The
//! PostgreSQL variants run when `EMPORIUM_TEST_DATABASE_URL` is set, in a schema of their
//! own that is dropped at the end; SQLite files live in temporary folders.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};
use kernel::bus::{BusError, Envelope, Message};
use kernel::clock::SystemClock;
use kernel::db::{Db, DbTarget, Migration};
use kernel::event_store::{DomainEvent, EventStore, ExpectedVersion, Metadata, NewEvent, RecordedEvent, StoreError};
use kernel::projection::{Projection, ProjectionRunner};
use kernel::saga::{Answer, Command, Input, Outcome, Phase, SagaContext, SagaDefinition, SagaState};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;
use tokio::runtime::Runtime;
use uuid::Uuid;

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    // One thread: database round trips, not scheduling, should be what is measured.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let mut engines = vec![runtime.block_on(Engine::sqlite())];
    if let Some(url) = postgres_url() {
        engines.push(runtime.block_on(Engine::postgres(url)));
    }

    append(&mut criterion, &runtime, &engines);
    load_stream(&mut criterion, &runtime, &engines);
    projection_batch(&mut criterion, &runtime);
    saga_decide(&mut criterion);
    envelope(&mut criterion);

    for engine in engines {
        runtime.block_on(engine.close());
    }
    criterion.final_summary();
}

// ---------------------------------------------------------------------------------------
// Event store

/// Appending `n` events to a fresh stream in one unit of work: begin, append, commit.
fn append(criterion: &mut Criterion, runtime: &Runtime, engines: &[Engine]) {
    let mut group = criterion.benchmark_group("append");
    // A commit takes milliseconds on PostgreSQL: equal-sized samples keep the run short.
    group.sampling_mode(SamplingMode::Flat);
    for engine in engines {
        let store = &engine.store;
        for count in [1, 10, 100] {
            group.throughput(Throughput::Elements(u64::from(count)));
            group.bench_function(BenchmarkId::new(engine.label, count), |b| {
                b.to_async(runtime).iter_batched(
                    || (new_stream_id(), line_events(count)),
                    |(stream, events)| async move { append_stream(store, &stream, &events).await },
                    BatchSize::SmallInput,
                );
            });
        }
    }
    group.finish();
}

/// Loading a whole stream of `n` events, decoded into `RecordedEvent`s.
fn load_stream(criterion: &mut Criterion, runtime: &Runtime, engines: &[Engine]) {
    let mut group = criterion.benchmark_group("load_stream");
    group.sampling_mode(SamplingMode::Flat);
    for engine in engines {
        let store = &engine.store;
        for count in [10, 100] {
            let stream = new_stream_id();
            runtime.block_on(append_stream(store, &stream, &line_events(count)));
            let loaded = runtime.block_on(store.load(&stream)).expect("stream loads");
            assert_eq!(loaded.len(), usize::try_from(count).expect("small count"), "the whole stream loads");

            group.throughput(Throughput::Elements(u64::from(count)));
            group.bench_function(BenchmarkId::new(engine.label, count), |b| {
                b.to_async(runtime).iter(|| async { store.load(black_box(&stream)).await.expect("stream loads") });
            });
        }
    }
    group.finish();
}

/// The one event type the store benchmarks write: a line added to an order-like stream.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
enum BenchEvent {
    LineAdded { line: u32, product_id: Uuid, sku: String, quantity: u32, unit_price_minor: i64 },
}

impl DomainEvent for BenchEvent {
    const TYPES: &'static [&'static str] = &["LineAdded"];
}

/// `count` events with the metadata a handler would write (correlation, cause, trace, actor).
fn line_events(count: u32) -> Vec<NewEvent> {
    let metadata = Metadata {
        correlation_id: Some(Uuid::now_v7()),
        causation_id: Some(Uuid::now_v7()),
        traceparent: Some(TRACEPARENT.to_owned()),
        actor: Some(Uuid::now_v7().to_string()),
        occurred_at: None,
        answered_in_place_for: None,
    };
    (1..=count)
        .map(|line| {
            let event = BenchEvent::LineAdded {
                line,
                product_id: Uuid::now_v7(),
                sku: format!("SKU-{line:05}"),
                quantity: line % 5 + 1,
                unit_price_minor: 1_250,
            };
            NewEvent::from_domain(&event, &metadata).expect("benchmark event encodes")
        })
        .collect()
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn new_stream_id() -> String {
    format!("bench-{}", Uuid::now_v7())
}

async fn append_stream(store: &EventStore, stream: &str, events: &[NewEvent]) {
    let mut uow = store.begin().await.expect("unit of work begins");
    uow.append(stream, ExpectedVersion::NoStream, events).await.expect("a fresh stream accepts the events");
    uow.commit().await.expect("unit of work commits");
}

/// An event store on a fresh database of one engine, removed again when dropped.
struct Engine {
    /// `sqlite` or `postgres`: the middle part of the benchmark names.
    label: &'static str,
    store: EventStore,
    // Held for their `Drop`: the SQLite folder, or the PostgreSQL schema.
    _dir: Option<tempfile::TempDir>,
    _schema: Option<SchemaGuard>,
}

/// The context name the benchmark databases are opened under.
const DB_NAME: &str = "kernel_bench";

impl Engine {
    async fn sqlite() -> Engine {
        let dir = tempfile::tempdir().expect("temporary folder");
        let store = open_store(&DbTarget::SqliteDir(dir.path().to_owned())).await;
        Engine { label: "sqlite", store, _dir: Some(dir), _schema: None }
    }

    async fn postgres(url: String) -> Engine {
        let schema_prefix = format!("bench{}_", &Uuid::new_v4().simple().to_string()[..12]);
        // Guard first, so a failure after the schema is created still drops it.
        let guard = SchemaGuard { url: url.clone(), schema: format!("{schema_prefix}{DB_NAME}") };
        let store = open_store(&DbTarget::Postgres { url, schema_prefix }).await;
        Engine { label: "postgres", store, _dir: None, _schema: Some(guard) }
    }

    /// Closes the pools, then drops the folder or schema.
    async fn close(self) {
        self.store.db().close().await;
    }
}

async fn open_store(target: &DbTarget) -> EventStore {
    let db = Db::open(target, DB_NAME).await.expect("benchmark database opens");
    EventStore::open(db, Arc::new(SystemClock)).await.expect("event store opens")
}

fn postgres_url() -> Option<String> {
    match std::env::var("EMPORIUM_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipping the PostgreSQL benchmarks: EMPORIUM_TEST_DATABASE_URL is not set");
            None
        }
    }
}

/// Drops the benchmark's PostgreSQL schema when dropped (also while unwinding from a
/// failed benchmark), leaving the shared database as it was found.
struct SchemaGuard {
    url: String,
    schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // `drop` cannot await, and the benchmark's runtime may be mid-panic: use a thread
        // with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
            runtime.block_on(async move {
                sqlx::any::install_default_drivers();
                let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await?;
                // The name is a constant and a UUID's hex digits: a plain identifier.
                let sql = format!("drop schema if exists {schema} cascade");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
                pool.close().await;
                Ok::<_, sqlx::Error>(())
            })
        });
        match dropped.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop benchmark schema {}: {error}", self.schema),
            Err(_) => eprintln!("dropping benchmark schema {} panicked", self.schema),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Projection

/// Events appended before each catch-up: ten streams of ten lines.
const PROJECTION_BATCH: u32 = 100;

/// A projection catching up `PROJECTION_BATCH` new events into a read-model table, on its
/// own SQLite database so no other benchmark's events are in its way.
fn projection_batch(criterion: &mut Criterion, runtime: &Runtime) {
    let engine = runtime.block_on(Engine::sqlite());
    runtime.block_on(engine.store.db().migrate("bench_line_counts", LINE_COUNTS)).expect("read model table");
    let runner = ProjectionRunner::new(engine.store.clone(), Arc::new(LineCounts));

    let mut group = criterion.benchmark_group("projection_batch");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(u64::from(PROJECTION_BATCH)));
    group.bench_function(BenchmarkId::new(engine.label, PROJECTION_BATCH), |b| {
        b.iter_batched(
            || {
                runtime.block_on(async {
                    let mut uow = engine.store.begin().await.expect("unit of work begins");
                    for _stream in 0..10 {
                        let events = line_events(PROJECTION_BATCH / 10);
                        uow.append(&new_stream_id(), ExpectedVersion::NoStream, &events).await.expect("append");
                    }
                    uow.commit().await.expect("unit of work commits");
                });
            },
            |()| {
                let applied = runtime.block_on(runner.catch_up()).expect("projection catches up");
                // Setup runs once per iteration (PerIteration), so each catch-up has exactly
                // one batch of new events to apply.
                assert_eq!(applied, PROJECTION_BATCH as usize, "every new event is applied");
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
    runtime.block_on(engine.close());
}

const LINE_COUNTS: &[Migration] = &[Migration {
    version: 1,
    description: "benchmark read model: lines and units per stream",
    sqlite: LINE_COUNTS_TABLE,
    postgres: LINE_COUNTS_TABLE,
}];

const LINE_COUNTS_TABLE: &str = "
    create table bench_line_counts (
        stream_id text primary key,
        lines bigint not null,
        units bigint not null
    );
";

/// A read model as small as a real one gets: one upserted row per stream.
struct LineCounts;

#[async_trait]
impl Projection for LineCounts {
    fn name(&self) -> &'static str {
        "bench_line_counts"
    }

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        let Some(BenchEvent::LineAdded { quantity, .. }) = event.decode_known::<BenchEvent>()? else {
            return Ok(());
        };
        sqlx::query(
            "insert into bench_line_counts (stream_id, lines, units) values ($1, 1, $2) \
             on conflict (stream_id) do update set lines = bench_line_counts.lines + 1, \
             units = bench_line_counts.units + excluded.units",
        )
        .bind(&event.stream_id)
        .bind(i64::from(quantity))
        .execute(conn)
        .await?;
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["bench_line_counts"]
    }
}

// ---------------------------------------------------------------------------------------
// Saga

/// The pure saga transition on a success reply mid-saga: payment succeeded, so the saga
/// records it and issues the shipment command.
fn saga_decide(criterion: &mut Criterion) {
    let saga_id = Uuid::from_u128(7);
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().expect("valid time");
    let decide = |state: &SagaState, input| kernel::saga::decide(&Checkout, saga_id, "orders", state, input, now, None);

    let mut state = SagaState::default();
    let start = Input::Start(serde_json::to_value(checkout_data()).expect("saga data encodes"));
    let reserved = Input::Reply {
        step: CheckoutStep::Reserve,
        phase: Phase::Forward,
        outcome: Outcome::Succeeded(json!({ "reservation_id": Uuid::now_v7() })),
    };
    for input in [start, reserved] {
        for event in decide(&state, input).expect("saga advances") {
            state.evolve(&event);
        }
    }
    let paid = Input::Reply {
        step: CheckoutStep::Pay,
        phase: Phase::Forward,
        outcome: Outcome::Succeeded(json!({ "payment_id": Uuid::now_v7() })),
    };
    let events = decide(&state, paid.clone()).expect("saga advances");
    assert_eq!(events.len(), 2, "the payment is recorded and the shipment command issued: {events:?}");

    let mut group = criterion.benchmark_group("saga_decide");
    group.bench_function("pay_succeeded", |b| {
        b.iter_batched(|| paid.clone(), |input| decide(black_box(&state), input), BatchSize::SmallInput);
    });
    group.finish();
}

/// Checkout as a five-step saga: accept (local), reserve stock, take payment, ship,
/// confirm (local).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum CheckoutStep {
    Accept,
    Reserve,
    Pay,
    Ship,
    Confirm,
}

/// What the checkout saga starts with.
#[derive(Serialize, Deserialize)]
struct CheckoutData {
    order_id: Uuid,
    customer_id: Uuid,
    payment_method_id: Uuid,
    lines: Vec<OrderLine>,
    total_minor: i64,
    country: String,
}

fn checkout_data() -> CheckoutData {
    let lines = order_lines();
    let total_minor = lines.iter().map(|l| i64::from(l.quantity) * l.unit_price_minor).sum();
    CheckoutData {
        order_id: Uuid::now_v7(),
        customer_id: Uuid::now_v7(),
        payment_method_id: Uuid::now_v7(),
        lines,
        total_minor,
        country: "DE".to_owned(),
    }
}

#[derive(Serialize, Deserialize)]
struct ReserveStock {
    order_id: Uuid,
    lines: Vec<OrderLine>,
}

#[derive(Serialize, Deserialize)]
struct ReleaseStock {
    order_id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct CapturePayment {
    order_id: Uuid,
    payment_method_id: Uuid,
    amount_minor: i64,
    currency: String,
}

#[derive(Serialize, Deserialize)]
struct RefundPayment {
    order_id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct CreateShipment {
    order_id: Uuid,
    country: String,
    lines: Vec<OrderLine>,
}

impl Message for ReserveStock {
    const TYPE: &'static str = "bench.ReserveStock";
}
impl Message for ReleaseStock {
    const TYPE: &'static str = "bench.ReleaseStock";
}
impl Message for CapturePayment {
    const TYPE: &'static str = "bench.CapturePayment";
}
impl Message for RefundPayment {
    const TYPE: &'static str = "bench.RefundPayment";
}
impl Message for CreateShipment {
    const TYPE: &'static str = "bench.CreateShipment";
}

struct Checkout;

impl SagaDefinition for Checkout {
    type Step = CheckoutStep;
    type Data = CheckoutData;
    const NAME: &'static str = "bench_checkout";
    const CONSUMER: &'static str = "bench_checkout";

    fn action(&self, step: CheckoutStep, saga: &SagaContext<'_, CheckoutData>) -> Result<Option<Command>, BusError> {
        let order = saga.data;
        let command = match step {
            CheckoutStep::Accept | CheckoutStep::Confirm => return Ok(None),
            CheckoutStep::Reserve => {
                Command::new(&ReserveStock { order_id: order.order_id, lines: order.lines.clone() })
            }
            CheckoutStep::Pay => Command::new(&CapturePayment {
                order_id: order.order_id,
                payment_method_id: order.payment_method_id,
                amount_minor: order.total_minor,
                currency: "EUR".to_owned(),
            }),
            CheckoutStep::Ship => Command::new(&CreateShipment {
                order_id: order.order_id,
                country: order.country.clone(),
                lines: order.lines.clone(),
            }),
        };
        command.map(Some)
    }

    fn compensation(
        &self,
        step: CheckoutStep,
        saga: &SagaContext<'_, CheckoutData>,
    ) -> Result<Option<Command>, BusError> {
        let order_id = saga.data.order_id;
        match step {
            CheckoutStep::Reserve => Command::new(&ReleaseStock { order_id }).map(Some),
            CheckoutStep::Pay => Command::new(&RefundPayment { order_id }).map(Some),
            CheckoutStep::Accept | CheckoutStep::Ship | CheckoutStep::Confirm => Ok(None),
        }
    }

    // `decide` receives replies already read, so the reply mapping is never used here.
    fn answers(&self) -> Vec<Answer<CheckoutStep>> {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------
// Envelope

/// Wrapping a contract message in an envelope and reading it back, then the envelope's
/// JSON form as a broker carries it.
fn envelope(criterion: &mut Criterion) {
    let message = order_placed();
    let message_id = Uuid::now_v7();
    let occurred_at = message.placed_at;
    let envelope = Envelope {
        correlation_id: Some(message.order_id),
        causation_id: Some(Uuid::now_v7()),
        traceparent: Some(TRACEPARENT.to_owned()),
        ..Envelope::new(message_id, "orders", occurred_at, &message).expect("message encodes")
    };
    let wire = serde_json::to_string(&envelope).expect("envelope encodes");
    assert_eq!(envelope.decode::<OrderPlaced>().expect("payload decodes"), message);
    assert_eq!(serde_json::from_str::<Envelope>(&wire).expect("envelope decodes"), envelope);

    let mut group = criterion.benchmark_group("envelope");
    group.bench_function("new", |b| {
        b.iter(|| Envelope::new(message_id, "orders", occurred_at, black_box(&message)).expect("message encodes"));
    });
    group.bench_function("decode", |b| {
        b.iter(|| black_box(&envelope).decode::<OrderPlaced>().expect("payload decodes"));
    });
    group.bench_function("to_json", |b| {
        b.iter(|| serde_json::to_string(black_box(&envelope)).expect("envelope encodes"));
    });
    group.bench_function("from_json", |b| {
        b.iter(|| serde_json::from_str::<Envelope>(black_box(&wire)).expect("envelope decodes"));
    });
    group.finish();
}

/// An integration event of typical size: ids, a few scalars and three order lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OrderPlaced {
    order_id: Uuid,
    customer_id: Uuid,
    lines: Vec<OrderLine>,
    total_minor: i64,
    currency: String,
    placed_at: DateTime<Utc>,
}

impl Message for OrderPlaced {
    const TYPE: &'static str = "orders.OrderPlaced";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OrderLine {
    product_id: Uuid,
    sku: String,
    quantity: u32,
    unit_price_minor: i64,
}

fn order_lines() -> Vec<OrderLine> {
    [("MUG-BLUE-350", 2, 1_250), ("TEE-M-GREEN", 1, 2_400), ("SOCKS-3PK", 3, 899)]
        .into_iter()
        .map(|(sku, quantity, unit_price_minor)| OrderLine {
            product_id: Uuid::now_v7(),
            sku: sku.to_owned(),
            quantity,
            unit_price_minor,
        })
        .collect()
}

fn order_placed() -> OrderPlaced {
    let lines = order_lines();
    let total_minor = lines.iter().map(|l| i64::from(l.quantity) * l.unit_price_minor).sum();
    OrderPlaced {
        order_id: Uuid::now_v7(),
        customer_id: Uuid::now_v7(),
        lines,
        total_minor,
        currency: "EUR".to_owned(),
        placed_at: Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().expect("valid time"),
    }
}
