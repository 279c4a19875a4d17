//! The embedded, faithful mock of the Anthropic API (Messages streaming, Files API, code
//! execution), used by `clab mock`, `clab --demo` and the tests.
//!
//! Invariant: everything the mock sends has a shape seen in real API traffic (the recordings
//! in `tests/fixtures/api`): SSE framing and padding, error bodies with `request_id`,
//! beta vs GA Files API shapes. It writes its own JSON with `serde_json::json!` and shares
//! no types with the client, so a shape bug in the client cannot be mirrored here and pass
//! unnoticed. It binds to 127.0.0.1 only.

mod chart;
mod csv_stats;
mod delivery;
mod demo;
mod error;
mod files;
mod ids;
mod messages;
pub(crate) mod office;
mod prompt;
mod record;
mod replay;
mod report;
mod scenario;
mod server;
mod sse;
mod store;
mod stream_writer;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use chrono::Utc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use record::{RecordedBody, RecordedPart, RecordedRequest};
pub use scenario::Scenario;

use server::{AppState, Shared};
use store::{FileStore, StoredFile, mime_for};

/// How the demo paces its streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// For people watching: 15–40 ms between deltas, 0.6–1.2 s of pings while code "runs".
    Realistic,
    /// For tests: no delays.
    Fast,
}

/// How to start the mock.
pub struct MockOptions {
    /// 0 picks an ephemeral port.
    pub port: u16,
    pub scenario: Option<Scenario>,
    pub pace: Pace,
}

impl Default for MockOptions {
    fn default() -> MockOptions {
        MockOptions {
            port: 0,
            scenario: None,
            pace: Pace::Realistic,
        }
    }
}

/// A running mock server.
pub struct MockServer {
    addr: SocketAddr,
    state: Shared,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl MockServer {
    /// Binds 127.0.0.1:`port` and serves on the current tokio runtime.
    pub async fn start(opts: MockOptions) -> anyhow::Result<MockServer> {
        let scenario = opts.scenario.unwrap_or_default();
        let state: Shared = Arc::new(AppState {
            log: record::RequestLog::default(),
            files: FileStore::new().context("creating the mock's file directory")?,
            containers: Mutex::new(HashMap::new()),
            queues: Mutex::new(scenario::Queues::new(&scenario)),
            pace: opts.pace,
            prompt_cache: Mutex::new(HashSet::new()),
            context_window: scenario.context_window,
        });
        for seed in &scenario.seed_files {
            let id = seed.id.clone().unwrap_or_else(ids::file_id);
            let path = state.files.path_for(&id, "");
            let size_bytes = tokio::fs::copy(&seed.path, &path)
                .await
                .with_context(|| format!("copying seed file {}", seed.path.display()))?;
            state.files.insert(StoredFile {
                mime_type: mime_for(&seed.filename, seed.mime_type.as_deref()),
                filename: seed.filename.clone(),
                id,
                size_bytes,
                created_at: Utc::now(),
                downloadable: seed.downloadable,
                path,
            });
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", opts.port))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = server::router(state.clone());
        // Each write of a stream leaves at once, so a `write_size` shows on the wire.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY on an accepted socket: {e}");
            }
        });
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("mock server stopped: {e}");
            }
        });
        Ok(MockServer {
            addr,
            state,
            stop,
            task,
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request log, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log.snapshot()
    }

    /// Stops accepting, lets running responses finish for up to 2 s, then aborts them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// `clab mock`: serves until Ctrl-C or SIGTERM, after handing its base URL to `announce`
/// (which prints the one listening line; its error stops the server).
pub async fn run_foreground(
    port: u16,
    scenario: Option<&Path>,
    pace: Pace,
    announce: impl FnOnce(&str) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let scenario = scenario.map(Scenario::from_file).transpose()?;
    let server = MockServer::start(MockOptions {
        port,
        scenario,
        pace,
    })
    .await?;
    announce(&server.base_url()).context("cannot announce the listening address")?;
    wait_for_signal().await?;
    server.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await?;
    Ok(())
}
