//! The card gateway behind a trait, so a real provider can replace the simulator.
//!
//! Money moves as card providers move it: an order's amount is first *authorized* (held on
//! the card, nothing charged yet), then *captured* (charged) when the order ships, or
//! *voided* (the hold released) when the order is undone first; only a capture can be
//! *refunded*.
//!
//! [`SimulatedGateway`] behaves like a test-mode provider: it tokenises cards, answers by
//! test card number, honours idempotency keys (a retried authorization returns the first
//! answer and never holds twice), refuses to capture a voided authorization or void a
//! captured one, and can be made slow or flaky for fault tests. It keeps its own tables in
//! the payments database, as a stand-in for the provider's side. Rows in
//! `simulated_gateway_outages` switch faults on until they are deleted (across processes;
//! a call reads them once, as it goes ahead):
//! - `authorize`, `capture`, `void`, `refund`, `lookup`, `verify`: the operation fails
//!   transiently and does nothing, as in a provider's partial outage;
//! - `authorize_answer`: an authorization is made, but its answer is lost (the call times
//!   out), and so is the answer to every retry: only a lookup tells what happened;
//! - `authorize_crash`, `capture_crash`, `refund_crash`: the process aborts right after the
//!   operation is made, before the caller can record it.

use async_trait::async_trait;
use kernel::db::{Db, Migration};
use kernel::money::Money;
use sqlx::Row;
use std::time::Duration;

/// A tokenised card as the gateway returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardToken {
    /// Opaque token to charge later.
    pub token: String,
}

/// Why the gateway refused or failed an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The issuer declined the card.
    #[error("the card was declined")]
    Declined,
    /// Not enough funds on the card.
    #[error("the card has insufficient funds")]
    InsufficientFunds,
    /// The token is unknown to the gateway.
    #[error("the card is unknown to the gateway")]
    UnknownCard,
    /// The provider answered that it could not process the operation: nothing moved.
    #[error("the card processor could not process the operation")]
    ProcessingError,
    /// The authorization was already voided (it cannot be captured) or captured (it cannot
    /// be voided).
    #[error("the authorization is already {0}")]
    AuthorizationClosed(ClosedBy),
    /// No answer, or a temporary failure: the same call may succeed later, and whether a
    /// charge was made is unknown until it is looked up.
    #[error("the card processor is unavailable: {0}")]
    Transient(String),
}

/// What closed an authorization, so that the other of the two can no longer happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedBy {
    /// Its hold was released: nothing can be captured.
    Void,
    /// It was charged: the hold can no longer be released (only refunded).
    Capture,
}

impl std::fmt::Display for ClosedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClosedBy::Void => "voided",
            ClosedBy::Capture => "captured",
        })
    }
}

/// A card payment provider.
#[async_trait]
pub trait CardGateway: Send + Sync + 'static {
    /// Exchanges card details for a token.
    async fn tokenize(&self, number: &str, exp_month: u32, exp_year: i32) -> Result<CardToken, GatewayError>;
    /// Authorises zero on a tokenised card: the issuer says whether the card is live and
    /// accepted before it is saved, without holding any money.
    async fn verify(&self, token: &str) -> Result<(), GatewayError>;
    /// Holds `amount` on a tokenised card without charging it; the same `idempotency_key`
    /// never holds twice. Returns the authorization id.
    async fn authorize(&self, token: &str, amount: Money, idempotency_key: &str) -> Result<String, GatewayError>;
    /// Charges `amount` of an authorization; the same `idempotency_key` never charges
    /// twice. Returns the capture id, which refunds name.
    async fn capture(
        &self,
        authorization_id: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<String, GatewayError>;
    /// Releases an authorization that was not captured: nothing is charged, ever.
    async fn void(&self, authorization_id: &str, idempotency_key: &str) -> Result<(), GatewayError>;
    /// Refunds a capture; the same `idempotency_key` never refunds twice. Returns the refund id.
    async fn refund(&self, capture_id: &str, amount: Money, idempotency_key: &str) -> Result<String, GatewayError>;
    /// The authorization made with `idempotency_key`, if any: how an unknown outcome (a
    /// call that timed out) is settled without guessing.
    async fn find_authorization(&self, idempotency_key: &str) -> Result<Option<String>, GatewayError>;
}

/// Knobs for fault tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimulatedGatewayConfig {
    /// Added to every call.
    pub latency: Duration,
    /// Share of calls (0.0–1.0) that fail transiently before doing anything.
    pub transient_failure_rate: f64,
}

/// The built-in test-mode gateway.
pub struct SimulatedGateway {
    db: Db,
    config: SimulatedGatewayConfig,
}

/// The faults switched on in `simulated_gateway_outages` when a call went ahead.
struct Faults(Vec<String>);

impl Faults {
    /// Whether fault `fault` is on.
    fn on(&self, fault: &str) -> bool {
        self.0.iter().any(|on| on == fault)
    }

    /// Fails while an outage of `operation` is switched on.
    fn check_outage(&self, operation: &str) -> Result<(), GatewayError> {
        if self.on(operation) {
            return Err(GatewayError::Transient(format!("simulated {operation} outage")));
        }
        Ok(())
    }

    /// Aborts the process, as a crash right after an operation, while fault `fault` is on.
    fn crash_if(&self, fault: &str) {
        if self.on(fault) {
            tracing::error!(fault, "simulated crash right after a gateway operation");
            std::process::abort();
        }
    }
}

/// The simulator's own tables: tokens and operations (by idempotency key).
const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "simulated gateway vault and operations", sqlite: SCHEMA, postgres: SCHEMA },
    Migration { version: 2, description: "simulated gateway outages", sqlite: OUTAGES, postgres: OUTAGES },
];

const OUTAGES: &str = "create table simulated_gateway_outages (operation text primary key);";

const SCHEMA: &str = "
    create table simulated_gateway_cards (
        token text primary key,
        behaviour text not null
    );
    create table simulated_gateway_operations (
        idempotency_key text primary key,
        kind text not null,
        reference text not null,
        amount_minor bigint not null,
        currency text not null,
        result_id text not null,
        created_at text not null
    );
";

/// What a test card number makes the simulator do (never the number itself).
fn behaviour_of(number: &str) -> &'static str {
    match number {
        "4000000000000002" => "decline",
        "4000000000000069" => "refuse_verification",
        "4000000000009995" => "insufficient_funds",
        "4000000000000119" => "processing_error",
        _ => "approve",
    }
}

impl SimulatedGateway {
    /// A simulator keeping its tables in `db`.
    pub async fn open(db: Db, config: SimulatedGatewayConfig) -> Result<Self, kernel::db::DbError> {
        db.migrate("simulated_gateway", MIGRATIONS).await?;
        Ok(SimulatedGateway { db, config })
    }

    async fn behave(&self) -> Result<(), GatewayError> {
        if !self.config.latency.is_zero() {
            tokio::time::sleep(self.config.latency).await;
        }
        if self.config.transient_failure_rate > 0.0 && rand::random::<f64>() < self.config.transient_failure_rate {
            return Err(GatewayError::Transient("simulated outage".into()));
        }
        Ok(())
    }

    /// The faults switched on as a call goes ahead: read once per call, however many of
    /// them the call consults.
    async fn faults(&self) -> Result<Faults, GatewayError> {
        let on: Vec<String> = sqlx::query_scalar("select operation from simulated_gateway_outages")
            .fetch_all(self.db.reader())
            .await
            .map_err(Self::db_error)?;
        Ok(Faults(on))
    }

    /// What an authorize call answers once the authorization `result` is made: its id,
    /// unless a fault loses the answer or kills the process.
    fn answer_authorization(faults: &Faults, result: Result<String, GatewayError>) -> Result<String, GatewayError> {
        faults.crash_if("authorize_crash");
        if faults.on("authorize_answer") {
            return Err(GatewayError::Transient("simulated timeout: the authorization's answer was lost".into()));
        }
        result
    }

    /// An authorization this simulator made: what it holds, and the kind of the operation
    /// that closed it (`capture` or `void`), if one did. Refused (`ProcessingError`) for an id
    /// it never handed out.
    async fn authorization(&self, authorization_id: &str) -> Result<(Money, Option<String>), GatewayError> {
        let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "select a.amount_minor, a.currency, c.kind from simulated_gateway_operations a \
             left join simulated_gateway_operations c on c.reference = a.result_id and c.kind in ('capture', 'void') \
             where a.result_id = $1 and a.kind = 'authorization'",
        )
        .bind(authorization_id)
        .fetch_optional(self.db.reader())
        .await
        .map_err(Self::db_error)?;
        let (minor, currency, closed_by) = row.ok_or(GatewayError::ProcessingError)?;
        let currency = kernel::money::Currency::parse(&currency).map_err(|e| GatewayError::Transient(e.to_string()))?;
        Ok((Money::new(minor, currency), closed_by))
    }

    /// How the card behind `token` behaves; `None` for a token never handed out.
    async fn behaviour(&self, token: &str) -> Result<Option<String>, GatewayError> {
        sqlx::query_scalar("select behaviour from simulated_gateway_cards where token = $1")
            .bind(token)
            .fetch_optional(self.db.reader())
            .await
            .map_err(Self::db_error)
    }

    fn db_error(error: sqlx::Error) -> GatewayError {
        GatewayError::Transient(error.to_string())
    }

    async fn replay(&self, key: &str) -> Result<Option<String>, GatewayError> {
        sqlx::query("select result_id from simulated_gateway_operations where idempotency_key = $1")
            .bind(key)
            .fetch_optional(self.db.reader())
            .await
            .map_err(Self::db_error)?
            .map(|row| row.try_get::<String, _>(0).map_err(Self::db_error))
            .transpose()
    }

    async fn record(&self, key: &str, kind: &str, reference: &str, amount: Money) -> Result<String, GatewayError> {
        let prefix = match kind {
            "authorization" => "auth",
            "capture" => "ch",
            "void" => "vo",
            _ => "re",
        };
        let result_id = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        // In the payments database's commit group, sharing its WAL flush with the units
        // around it (a real gateway's record costs this database no flush at all).
        let mut member = self.db.join_group().await.map_err(Self::db_error)?;
        let inserted = sqlx::query(
            "insert into simulated_gateway_operations (idempotency_key, kind, reference, amount_minor, currency, result_id, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (idempotency_key) do nothing",
        )
        .bind(key)
        .bind(kind)
        .bind(reference)
        .bind(amount.amount_minor)
        .bind(amount.currency.to_string())
        .bind(&result_id)
        .bind(kernel::time::format(chrono::Utc::now()))
        .execute(member.conn())
        .await
        .map_err(Self::db_error)?;
        member.commit().await.map_err(|error| GatewayError::Transient(error.to_string()))?;
        if inserted.rows_affected() == 1 {
            Ok(result_id)
        } else {
            self.replay(key).await?.ok_or_else(|| GatewayError::Transient("operation vanished".into()))
        }
    }
}

#[async_trait]
impl CardGateway for SimulatedGateway {
    async fn tokenize(&self, number: &str, _exp_month: u32, _exp_year: i32) -> Result<CardToken, GatewayError> {
        self.behave().await?;
        let token = format!("tok_{}", uuid::Uuid::now_v7().simple());
        let mut tx = self.db.begin().await.map_err(Self::db_error)?;
        sqlx::query("insert into simulated_gateway_cards (token, behaviour) values ($1, $2)")
            .bind(&token)
            .bind(behaviour_of(number))
            .execute(&mut *tx)
            .await
            .map_err(Self::db_error)?;
        tx.commit().await.map_err(Self::db_error)?;
        Ok(CardToken { token })
    }

    async fn verify(&self, token: &str) -> Result<(), GatewayError> {
        self.behave().await?;
        self.faults().await?.check_outage("verify")?;
        match self.behaviour(token).await?.as_deref() {
            None => Err(GatewayError::UnknownCard),
            Some("refuse_verification") => Err(GatewayError::Declined),
            // Like a provider's test cards that save fine and fail when charged.
            Some(_) => Ok(()),
        }
    }

    async fn authorize(&self, token: &str, amount: Money, idempotency_key: &str) -> Result<String, GatewayError> {
        if let Some(authorization_id) = self.replay(idempotency_key).await? {
            return Self::answer_authorization(&self.faults().await?, Ok(authorization_id));
        }
        self.behave().await?;
        let faults = self.faults().await?;
        faults.check_outage("authorize")?;
        match self.behaviour(token).await?.as_deref() {
            None => Err(GatewayError::UnknownCard),
            Some("decline" | "refuse_verification") => Err(GatewayError::Declined),
            Some("insufficient_funds") => Err(GatewayError::InsufficientFunds),
            Some("processing_error") => Err(GatewayError::ProcessingError),
            Some(_) => {
                let authorized = self.record(idempotency_key, "authorization", token, amount).await;
                Self::answer_authorization(&faults, authorized)
            }
        }
    }

    async fn capture(
        &self,
        authorization_id: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<String, GatewayError> {
        if let Some(capture_id) = self.replay(idempotency_key).await? {
            return Ok(capture_id);
        }
        self.behave().await?;
        let faults = self.faults().await?;
        faults.check_outage("capture")?;
        match self.authorization(authorization_id).await?.1.as_deref() {
            Some("void") => return Err(GatewayError::AuthorizationClosed(ClosedBy::Void)),
            Some(_) => return Err(GatewayError::AuthorizationClosed(ClosedBy::Capture)),
            None => {}
        }
        let captured = self.record(idempotency_key, "capture", authorization_id, amount).await;
        faults.crash_if("capture_crash");
        captured
    }

    async fn void(&self, authorization_id: &str, idempotency_key: &str) -> Result<(), GatewayError> {
        if self.replay(idempotency_key).await?.is_some() {
            return Ok(());
        }
        self.behave().await?;
        self.faults().await?.check_outage("void")?;
        let (held, closed_by) = self.authorization(authorization_id).await?;
        match closed_by.as_deref() {
            Some("capture") => return Err(GatewayError::AuthorizationClosed(ClosedBy::Capture)),
            Some(_) => return Ok(()),
            None => {}
        }
        // The void records what it released.
        self.record(idempotency_key, "void", authorization_id, held).await.map(|_| ())
    }

    async fn refund(&self, capture_id: &str, amount: Money, idempotency_key: &str) -> Result<String, GatewayError> {
        if let Some(refund_id) = self.replay(idempotency_key).await? {
            return Ok(refund_id);
        }
        self.behave().await?;
        let faults = self.faults().await?;
        faults.check_outage("refund")?;
        let refunded = self.record(idempotency_key, "refund", capture_id, amount).await;
        faults.crash_if("refund_crash");
        refunded
    }

    async fn find_authorization(&self, idempotency_key: &str) -> Result<Option<String>, GatewayError> {
        self.behave().await?;
        self.faults().await?.check_outage("lookup")?;
        sqlx::query_scalar(
            "select result_id from simulated_gateway_operations where idempotency_key = $1 and kind = 'authorization'",
        )
        .bind(idempotency_key)
        .fetch_optional(self.db.reader())
        .await
        .map_err(Self::db_error)
    }
}
