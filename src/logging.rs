//! The log file: `clab.log` in the data directory (0700), created with mode 0600.
//!
//! Invariant: logs go to a private file, never to the terminal, and only clab's own events are
//! recorded by default (other crates at `warn`), so request headers, and with them the API
//! key, are never logged. `CLAB_LOG` sets clab's level (`info` by default). A log that cannot
//! be opened disables logging instead of failing the command.

use std::fs::OpenOptions;
use std::sync::Mutex;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub fn init() {
    let Some(dir) = crate::paths::data_dir() else {
        return;
    };
    if crate::private::dir(&dir).is_err() {
        return;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let Ok(file) = options.open(dir.join("clab.log")) else {
        return;
    };
    let level = std::env::var("CLAB_LOG").unwrap_or_else(|_| "info".to_string());
    // `Targets` (a level per crate) is all clab needs; `EnvFilter` would compile regexes at
    // every start for per-field matching nobody uses.
    let filter: Targets = format!("warn,clab={level}").parse().unwrap_or_else(|_| {
        Targets::new()
            .with_default(Level::WARN)
            .with_target("clab", Level::INFO)
    });
    let _ = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .finish()
        .with(filter)
        .try_init();
}
