//! The server under load: a fresh `emporium serve --demo` process the driver starts on a
//! loopback port (its own data folder, or fresh PostgreSQL schemas), or a running server
//! the driver attaches to, which must be on a loopback address. CPU time and memory come
//! from `/proc` of the server's process.

use anyhow::{Context, bail, ensure};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long a started server may take to migrate, seed the demo data and answer.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A server the driver talks to.
pub struct Server {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub base: String,
    pid: Option<u32>,
    started: Option<Started>,
}

struct Started {
    child: tokio::process::Child,
    data_dir: tempfile::TempDir,
    keep_data: bool,
    postgres: Option<(String, String)>,
}

impl Server {
    /// Starts `binary serve --demo` on a free loopback port with its own data.
    pub async fn start(
        binary: &Path,
        postgres: Option<&str>,
        extra_env: &[(String, String)],
        keep_data: bool,
    ) -> anyhow::Result<Server> {
        ensure!(
            binary.exists(),
            "no server binary at {} (build it with `cargo build --release --bin emporium`, or pass --server-bin)",
            binary.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let data_dir = tempfile::Builder::new().prefix("emporium-load-").tempdir()?;
        let log = std::fs::File::create(data_dir.path().join("server.log"))?;
        let mut command = tokio::process::Command::new(binary);
        command
            .args(["serve", "--demo"])
            .env("EMPORIUM_LISTEN", format!("127.0.0.1:{port}"))
            .env("EMPORIUM_DATA_DIR", data_dir.path())
            .env_remove("EMPORIUM_DATABASE_URL")
            // Every customer of the run comes from this one address, far above any budget
            // a real client gets: the run measures the platform, not its request limits.
            .env("EMPORIUM_RATE_LIMIT", "0")
            .env("EMPORIUM_AUTH_RATE_LIMIT", "0")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        let postgres = postgres.map(|url| {
            let prefix = format!("load{}_", &uuid::Uuid::new_v4().simple().to_string()[..10]);
            command.env("EMPORIUM_DATABASE_URL", url).env("EMPORIUM_DB_SCHEMA_PREFIX", &prefix);
            (url.to_owned(), prefix)
        });
        command.envs(extra_env.iter().map(|(k, v)| (k, v)));
        let child = command.spawn().with_context(|| format!("starting {}", binary.display()))?;
        let mut server = Server {
            base: format!("http://127.0.0.1:{port}"),
            pid: child.id(),
            started: Some(Started { child, data_dir, keep_data, postgres }),
        };
        eprintln!("started {} (pid {}) on {}", binary.display(), server.pid.unwrap_or(0), server.base);
        server.wait_until_ready().await?;
        Ok(server)
    }

    /// A running server at `url`, which must resolve to loopback addresses only.
    pub async fn attach(url: &str, pid: Option<u32>) -> anyhow::Result<Server> {
        let parsed = reqwest::Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
        ensure!(parsed.scheme() == "http", "only http:// targets are driven");
        let host = parsed.host_str().context("the target URL has no host")?;
        let port = parsed.port_or_known_default().unwrap_or(80);
        let addresses: Vec<SocketAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port)).await?.collect(),
        };
        ensure!(
            !addresses.is_empty() && addresses.iter().all(|a| a.ip().is_loopback()),
            "{host} is not a loopback address: the load driver only sends traffic to this machine"
        );
        let mut server = Server { base: url.trim_end_matches('/').to_owned(), pid, started: None };
        server.wait_until_ready().await?;
        Ok(server)
    }

    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if let Some(started) = &mut self.started
                && let Some(status) = started.child.try_wait()?
            {
                bail!("the server exited ({status}) before it was ready:\n{}", started.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{} was not ready within {} s", self.base, START_TIMEOUT.as_secs())
    }

    /// `sqlite` or `postgres`, for the report.
    pub fn backend(&self, postgres: bool) -> &'static str {
        if postgres { "postgres" } else { "sqlite" }
    }

    /// The server's CPU time so far (user + system), when its process is known.
    pub fn cpu_seconds(&self) -> Option<f64> {
        process_cpu_seconds(self.pid?)
    }

    /// The server's resident memory, when its process is known.
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = procfs::process::Process::new(i32::try_from(self.pid?).ok()?).ok()?.status().ok()?;
        status.vmrss.map(|kib| kib * 1024)
    }

    /// Stops a started server and removes its data unless asked to keep it.
    pub async fn stop(self) {
        let Some(mut started) = self.started else { return };
        let _ = started.child.start_kill();
        let _ = started.child.wait().await;
        if started.keep_data {
            let kept = started.data_dir.keep();
            eprintln!("kept the server's data folder (and its log) at {}", kept.display());
            if let Some((_, prefix)) = &started.postgres {
                eprintln!("kept its PostgreSQL schemas, prefixed {prefix}");
            }
            return;
        }
        if let Some((url, prefix)) = &started.postgres
            && let Err(error) = crate::postgres::drop_schemas(url, prefix).await
        {
            eprintln!("could not drop the run's PostgreSQL schemas ({prefix}*): {error:#}");
        }
    }
}

impl Started {
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data_dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

/// CPU time (user + system) of a process, from `/proc/PID/stat`.
pub fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = procfs::process::Process::new(i32::try_from(pid).ok()?).ok()?.stat().ok()?;
    Some((stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64)
}

/// CPU time of every PostgreSQL process on this machine (the postmaster, its backends and
/// helpers, and the backends it has already reaped), so a run against a local cluster can
/// say what the database spent per order on the cores the server shares with it. `None`
/// when no such process is visible.
pub fn local_postgres_cpu_seconds() -> Option<f64> {
    let ticks: u64 = procfs::process::all_processes()
        .ok()?
        .filter_map(|process| process.ok()?.stat().ok())
        .filter(|stat| stat.comm == "postgres")
        .map(|stat| stat.utime + stat.stime + (stat.cutime + stat.cstime).max(0) as u64)
        .sum();
    (ticks > 0).then(|| ticks as f64 / procfs::ticks_per_second() as f64)
}
