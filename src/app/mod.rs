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
use crate::model::Model;
use crate::model::effect::Effect;
use crate::model::event::AppEvent;
use crate::theme::Theme;
use crate::tui::scheduler::{FRAME_INTERVAL, FrameScheduler};
use crate::tui::terminal;
use crate::ui::{self, RenderCache, picture};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, EventStream};
use ratatui_image::thread::ResizeResponse;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

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
        let (conversation_max_back, conversation_back) = self.cache.conversation_view();
        let view = &self.model.conversation;
        if conversation_max_back != view.max || view.follow_run {
            self.model.handle(AppEvent::Measured {
                conversation_max_back,
                conversation_back,
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
