//! The interactive app: the event loop that feeds the reducer, runs its effects and draws.
//!
//! Invariant: one loop owns the model. Terminal input and task results arrive as `AppEvent`s,
//! each goes through `Model::handle`, and a frame is drawn only when a handled event asked
//! for one, at most once per frame interval; bursts of stream events are drained before the
//! next draw. Nothing in the loop waits on the network or the disk.

mod effects;
mod probe;
mod transfers;
mod turn_task;

pub use effects::Runner;

use crate::api::client::RetryNotifier;
use crate::cli::Cli;
use crate::config::Config;
use crate::context::{base_url, build_client, resolve_key};
use crate::effect::Effect;
use crate::error::CliError;
use crate::event::AppEvent;
use crate::keymap::Keymap;
use crate::mock::{MockOptions, MockServer, Pace};
use crate::model::Model;
use crate::model::state::{Access, Settings};
use crate::preview::graphics::Graphics;
use crate::session::actor::SessionManager;
use crate::theme::Theme;
use crate::tui::scheduler::{FRAME_INTERVAL, FrameScheduler};
use crate::tui::terminal::{self, TerminalGuard};
use crate::ui::{self, RenderCache, picture};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, EventStream};
use ratatui_image::thread::ResizeResponse;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::headless::open_sessions;

/// Retry notices become status-bar notices (stderr would tear the screen).
pub fn notifier(tx: &UnboundedSender<AppEvent>) -> RetryNotifier {
    let tx = tx.clone();
    Arc::new(move |line: &str| {
        let _ = tx.send(AppEvent::Notice(line.to_string()));
    })
}

/// Whether the terminal is the real one (effects that need it: copy, editor).
pub enum Host {
    Terminal,
    /// Tests: copies are recorded, the editor is unavailable.
    Headless {
        copied: Vec<String>,
    },
}

pub struct App<B: Backend> {
    pub model: Model,
    pub terminal: Terminal<B>,
    pub cache: RenderCache,
    pub theme: Theme,
    pub runner: Runner,
    pub scheduler: FrameScheduler,
    pub host: Host,
    rx: UnboundedReceiver<AppEvent>,
    /// Pictures the worker fitted to their pane: render state, not events, so they go
    /// straight to the render cache instead of over the bus.
    pictures: UnboundedReceiver<ResizeResponse>,
}

impl<B: Backend> App<B> {
    pub fn new(
        model: Model,
        terminal: Terminal<B>,
        theme: Theme,
        runner: Runner,
        rx: UnboundedReceiver<AppEvent>,
        host: Host,
    ) -> App<B> {
        let mut cache = RenderCache::default();
        let (fitted, pictures) = unbounded_channel();
        if let Some(requests) = cache.pictures.take_requests() {
            let tx = runner.tx.clone();
            let started = picture::spawn_worker(requests, move |result| match result {
                Ok(response) => {
                    let _ = fitted.send(response);
                }
                Err(why) => {
                    let _ = tx.send(AppEvent::Notice(format!("cannot draw the picture: {why}")));
                }
            });
            if let Err(e) = started {
                tracing::warn!("no picture worker: {e}");
            }
        }
        App {
            model,
            terminal,
            cache,
            theme,
            runner,
            scheduler: FrameScheduler::new(FRAME_INTERVAL),
            host,
            rx,
            pictures,
        }
    }

    /// Handles one event and runs its effects.
    pub async fn dispatch(&mut self, event: AppEvent) {
        for effect in self.model.handle(event) {
            match effect {
                Effect::Redraw => self.scheduler.request(),
                Effect::Copy(text) => self.copy(text),
                Effect::OpenEditor(text) => self.edit(text),
                other => self.runner.run(other).await,
            }
        }
    }

    /// Runs until the user quits or `done` holds for the model (tests wait on it).
    pub async fn run_until<S>(
        &mut self,
        input: &mut S,
        mut done: impl FnMut(&Model) -> bool,
    ) -> std::io::Result<()>
    where
        S: Stream<Item = AppEvent> + Unpin,
    {
        let mut input_open = true;
        loop {
            if self.model.quit || done(&self.model) {
                if self.scheduler.is_requested() {
                    self.draw()?;
                }
                return Ok(());
            }
            let deadline = self.scheduler.deadline(Instant::now());
            tokio::select! {
                event = input.next(), if input_open => match event {
                    Some(event) => self.dispatch(event).await,
                    None => input_open = false,
                },
                Some(event) = self.rx.recv() => {
                    self.dispatch(event).await;
                    // Drain the burst (stream deltas) before drawing once.
                    while let Ok(event) = self.rx.try_recv() {
                        self.dispatch(event).await;
                    }
                }
                Some(response) = self.pictures.recv() => self.picture_fitted(response),
                () = sleep_until(deadline), if deadline.is_some() => self.draw()?,
            }
        }
    }

    /// Waits for the next task result or fitted picture and handles it (tests step the loop
    /// with it).
    pub async fn step(&mut self) {
        tokio::select! {
            Some(event) = self.rx.recv() => self.dispatch(event).await,
            Some(response) = self.pictures.recv() => self.picture_fitted(response),
            else => {}
        }
    }

    /// Hands a fitted picture to the render cache, and redraws when it is the one shown.
    fn picture_fitted(&mut self, response: ResizeResponse) {
        if self.cache.pictures.resized(response) {
            self.scheduler.request();
        }
    }

    pub fn draw(&mut self) -> std::io::Result<()> {
        let size = self
            .terminal
            .size()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if self.model.size != (size.width, size.height) {
            // The terminal's size as drawn, through the reducer like every change; its Redraw
            // is this draw.
            self.model.handle(AppEvent::Resize(size.width, size.height));
        }
        let (model, cache, theme) = (&self.model, &mut self.cache, &self.theme);
        self.terminal
            .draw(|frame| ui::render(model, cache, theme, frame))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.scheduler.drawn(Instant::now());
        let conversation_max_back = self.cache.conversation_max_back();
        if conversation_max_back != self.model.conversation.max {
            self.model.handle(AppEvent::Measured {
                conversation_max_back,
            });
        }
        Ok(())
    }

    /// Copies with OSC 52, which terminals (and tmux with set-clipboard) pass to the clipboard.
    fn copy(&mut self, text: String) {
        match &mut self.host {
            Host::Terminal => {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b]52;c;{encoded}\x07");
                let _ = out.flush();
            }
            Host::Headless { copied } => copied.push(text),
        }
    }

    /// Hands the terminal to `$VISUAL`/`$EDITOR` (vi by default) with the message in a file.
    fn edit(&mut self, text: String) {
        let result = match self.host {
            Host::Terminal => run_editor(&text),
            Host::Headless { .. } => Err("no terminal for an editor".to_string()),
        };
        let _ = self.runner.tx.send(AppEvent::EditorClosed(result));
        let _ = self.terminal.clear();
        self.scheduler.request();
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(at) = deadline {
        tokio::time::sleep_until(at.into()).await;
    }
}

fn run_editor(text: &str) -> Result<String, String> {
    let editor = crate::child::editor();
    let file = tempfile::Builder::new()
        .prefix("clab-message-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("cannot create a file for the editor: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| format!("cannot write the message: {e}"))?;
    terminal::restore();
    let status = crate::child::editor_command(&editor, file.path()).status();
    let entered = terminal::enter();
    let status = status.map_err(|e| format!("cannot run {editor}: {e}"))?;
    entered.map_err(|e| format!("cannot restore the terminal: {e}"))?;
    if !status.success() {
        return Err(format!("{editor} exited with {status}; message unchanged"));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("cannot read the message: {e}"))
}

/// Terminal events as `AppEvent`s.
pub fn terminal_events() -> impl Stream<Item = AppEvent> + Unpin {
    EventStream::new().filter_map(|event| {
        std::future::ready(match event {
            Ok(Event::Key(key)) => Some(AppEvent::Key(key)),
            Ok(Event::Paste(text)) => Some(AppEvent::Paste(text)),
            Ok(Event::Mouse(mouse)) => Some(AppEvent::Mouse(mouse)),
            Ok(Event::Resize(w, h)) => Some(AppEvent::Resize(w, h)),
            _ => None,
        })
    })
}

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
        let client = build_client(&config, mock.base_url(), crate::context::demo_key())?;
        (Some(client), Some(mock), Access::Demo)
    } else {
        match resolve_key(&config).await? {
            Some(key) => (
                Some(build_client(&config, base_url(&cli.common, &config), key)?),
                None,
                Access::Key,
            ),
            None => (None, None, Access::NoKey),
        }
    };
    let client = client.map(|c| c.with_retry_notifier(notifier(&tx)));
    let sessions: SessionManager = open_sessions(demo)?;
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
        sample: if demo {
            Some(crate::demo_tour::write_sample()?)
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
            return crate::demo_tour::run(cli).await;
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
