//! `clab`, `clab --resume [ID]`, `clab --demo`: the workbench in this terminal.
//!
//! Invariant: everything the workbench needs (config, theme, keymap, key or demo server,
//! session store, the session to resume) is settled here before the terminal is taken, so a
//! bad config or a missing store is a plain error on a normal screen; without a terminal the
//! demo runs its headless tour instead and anything else is a usage error.

use crate::app::{App, Host, Runner, notifier, terminal_events};
use crate::config::Config;
use crate::faces::cli::Cli;
use crate::faces::context::{base_url, resolve_key};
use crate::faces::error::CliError;
use crate::mock::{MockOptions, MockServer, Pace};
use crate::model::Model;
use crate::model::event::AppEvent;
use crate::model::keymap::Keymap;
use crate::model::state::{Access, Settings};
use crate::preview::graphics::Graphics;
use crate::secret::ApiKey;
use crate::session::actor::SessionManager;
use crate::theme::Theme;
use crate::tui::terminal::TerminalGuard;
use std::io::IsTerminal;
use std::path::PathBuf;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// What `launch` prepared: the model, its runner and the event channel.
pub struct Prepared {
    pub model: Model,
    pub runner: Runner,
    pub rx: UnboundedReceiver<AppEvent>,
    pub theme: Theme,
    /// How the config says to draw pictures.
    pub graphics: Graphics,
}

/// Builds the app's state from the command line: config, key or demo, session to resume.
pub async fn prepare(cli: &Cli) -> Result<Prepared, CliError> {
    let config = Config::load(cli.common.config.as_deref())?;
    let theme = Theme::from_env(&config.theme).map_err(CliError::Usage)?;
    let graphics = config.graphics;
    let keymap = Keymap::default()
        .with_overrides(&config.keys)
        .map_err(CliError::Usage)?;
    let (tx, rx) = unbounded_channel();
    let demo = cli.common.demo;
    let (client, mock, access) = if demo {
        let mock = MockServer::start(MockOptions {
            pace: Pace::Realistic,
            ..MockOptions::default()
        })
        .await
        .map_err(|e| CliError::Failed(format!("cannot start the demo server: {e:#}")))?;
        let client = config.client(mock.base_url(), ApiKey::demo())?;
        (Some(client), Some(mock), Access::Demo)
    } else {
        match resolve_key(&config).await? {
            Some(key) => (
                Some(config.client(base_url(&cli.common, &config), key)?),
                None,
                Access::Key,
            ),
            None => (None, None, Access::NoKey),
        }
    };
    let client = client.map(|c| c.with_retry_notifier(notifier(&tx)));
    let sessions = SessionManager::start_default(demo)?;
    let download_dir = cli
        .download_dir
        .clone()
        .or_else(|| config.download_dir())
        .unwrap_or_else(|| PathBuf::from("."));
    let settings = Settings {
        model: cli
            .common
            .model
            .clone()
            .unwrap_or_else(|| config.model.clone()),
        max_tokens: config.max_tokens,
        tool: config.code_execution_tool.clone(),
        max_continuations: config.max_continuations,
        download_dir,
        keymap,
        prices: config.price_table().map_err(CliError::Usage)?,
        config_path: cli.common.config.clone().or_else(crate::paths::config_file),
        long: config.long_session(),
        config_skills: config.skills.clone(),
        added_skills: cli.skills.clone(),
        sample: if demo {
            Some(crate::faces::demo::write_sample()?)
        } else {
            None
        },
    };
    let resume = cli.resume.clone();
    let mut model = Model::new(settings, access, resume.is_some());
    let mut runner = Runner::new(tx, client, sessions, config, mock);
    if let Some(id) = resume {
        for effect in model.resume(Some(id).filter(|id| !id.is_empty())) {
            runner.run(effect).await;
        }
    }
    Ok(Prepared {
        model,
        runner,
        rx,
        theme,
        graphics,
    })
}

/// `clab`, `clab --resume [ID]`, `clab --demo`: the workbench in this terminal.
pub async fn launch(cli: &Cli) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        if cli.common.demo {
            return crate::faces::demo::run(cli).await;
        }
        return Err(CliError::Usage(
            "the workbench needs a terminal; for scripts use clab -p PROMPT [-a FILE]...".into(),
        ));
    }
    let prepared = prepare(cli).await?;
    let (guard, terminal) = TerminalGuard::enter()
        .map_err(|e| CliError::Failed(format!("cannot set up the terminal: {e}")))?;
    let picker = crate::preview::graphics::picker(prepared.graphics);
    let mut app = App::new(
        prepared.model,
        terminal,
        prepared.theme,
        prepared.runner,
        prepared.rx,
        Host::Terminal,
    );
    app.cache.pictures.set_picker(picker);
    app.scheduler.request();
    let mut input = terminal_events();
    let result = app.run_until(&mut input, |_| false).await;
    drop(app);
    drop(guard);
    result.map_err(|e| CliError::Failed(format!("terminal error: {e}")))
}
