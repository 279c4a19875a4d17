//! Running the reducer's effects: tasks for the network and the disk, the store through the
//! session actor.
//!
//! Invariant: nothing here blocks the UI task; every effect that waits is spawned and reports
//! back on the bus. The runner holds the handles (client, session manager, cancellation
//! tokens); the model holds none.

use super::{probe, transfers, turn_task::TurnTask};
use crate::api::Client;
use crate::config::Config;
use crate::mock::{MockOptions, MockServer, Pace};
use crate::model::effect::Effect;
use crate::model::event::{AppEvent, PreviewFailure};
use crate::preview;
use crate::secret::ApiKey;
use crate::session::actor::SessionManager;
use crate::theme::Theme;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

pub struct Runner {
    pub tx: UnboundedSender<AppEvent>,
    pub client: Option<Client>,
    pub sessions: SessionManager,
    pub config: Config,
    /// Live turns, to cancel.
    turns: HashMap<u64, CancellationToken>,
    /// The demo server, when the app talks to it; lives as long as the runner.
    demo: Option<MockServer>,
    /// Text previews are highlighted in the app's theme.
    theme: Arc<Theme>,
}

impl Runner {
    pub fn new(
        tx: UnboundedSender<AppEvent>,
        client: Option<Client>,
        sessions: SessionManager,
        config: Config,
        demo: Option<MockServer>,
    ) -> Runner {
        Runner {
            tx,
            client,
            sessions,
            turns: HashMap::new(),
            demo,
            theme: Arc::new(Theme::from_env(&config.theme).unwrap_or_else(|_| Theme::ansi())),
            config,
        }
    }

    fn notice(&self, text: impl Into<String>) {
        let _ = self.tx.send(AppEvent::Notice(text.into()));
    }

    /// The client, or a notice that there is none (no key and no demo).
    fn client(&self) -> Option<Client> {
        if self.client.is_none() {
            self.notice("no API key: set ANTHROPIC_API_KEY, or restart with --demo");
        }
        self.client.clone()
    }

    /// Runs `effect`; effects that need the terminal (redraw, copy, editor) are the app's.
    pub async fn run(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::Redraw | Effect::Quit | Effect::Copy(_) | Effect::OpenEditor(_) => {}
            Effect::LoadSession(id) => {
                let sessions = self.sessions.clone();
                tokio::spawn(async move {
                    let event = match sessions.open(id.as_deref()).await {
                        Ok(session) => AppEvent::SessionLoaded(Box::new(session)),
                        Err(e) => AppEvent::SessionFailed(e.to_string()),
                    };
                    let _ = tx.send(event);
                });
            }
            Effect::StartTurn(start) => {
                let Some(client) = self.client() else { return };
                let cancel = CancellationToken::new();
                self.turns.retain(|_, t| !t.is_cancelled());
                self.turns.insert(start.turn, cancel.clone());
                let task = TurnTask {
                    start: *start,
                    client,
                    sessions: self.sessions.clone(),
                    tx,
                    cancel,
                };
                tokio::spawn(task.run());
            }
            Effect::CancelTurn(turn) => {
                if let Some(token) = self.turns.remove(&turn) {
                    token.cancel();
                }
            }
            Effect::CheckAttach { input } => {
                tokio::task::spawn_blocking(move || {
                    let result = probe::check(&input);
                    let _ = tx.send(AppEvent::AttachChecked { input, result });
                });
            }
            Effect::Complete { input } => {
                tokio::task::spawn_blocking(move || {
                    let candidates = probe::complete(&input);
                    let _ = tx.send(AppEvent::Completions { input, candidates });
                });
            }
            Effect::ProbePaste(text) => {
                tokio::task::spawn_blocking(move || {
                    let file = probe::pasted_file(&text);
                    let _ = tx.send(AppEvent::PasteProbed { text, file });
                });
            }
            Effect::Upload { attach, path } => {
                if let Some(client) = self.client() {
                    tokio::spawn(transfers::upload(client, tx, attach, path));
                }
            }
            Effect::FetchInfo { file_id } => {
                if let Some(client) = self.client() {
                    tokio::spawn(transfers::info(client, tx, file_id));
                }
            }
            Effect::Download { file_id, dir } => {
                if let Some(client) = self.client() {
                    tokio::spawn(transfers::download(client, tx, file_id, dir));
                }
            }
            Effect::Delete { file_id } => {
                if let Some(client) = self.client() {
                    tokio::spawn(transfers::delete(client, tx, file_id));
                }
            }
            Effect::ForgetFile { file_id } => {
                let sessions = self.sessions.clone();
                tokio::spawn(async move {
                    if let Err(e) = sessions.mark_file_deleted(&file_id).await {
                        let _ = tx.send(AppEvent::Notice(format!(
                            "could not record the deletion: {e}"
                        )));
                    }
                });
            }
            Effect::PersistFile { session, file } => {
                let sessions = self.sessions.clone();
                tokio::spawn(async move {
                    if let Err(e) = sessions.upsert_file(&session, file).await {
                        let _ = tx.send(AppEvent::Notice(format!("could not record a file: {e}")));
                    }
                });
            }
            Effect::OpenPath(path) => {
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = crate::child::open_path(&path, crate::child::OPENER_CHECK) {
                        let _ = tx.send(AppEvent::Notice(format!(
                            "cannot open {}: {e}",
                            path.display()
                        )));
                    }
                });
            }
            Effect::Preview { key, path } => {
                let theme = self.theme.clone();
                tokio::task::spawn_blocking(move || {
                    let result = if path.exists() {
                        preview::build(&path, &theme)
                            .map(Arc::new)
                            .map_err(PreviewFailure::Failed)
                    } else {
                        Err(PreviewFailure::Missing)
                    };
                    let _ = tx.send(AppEvent::Previewed { key, result });
                });
            }
            Effect::StartDemo => self.start_demo().await,
        }
    }

    /// Switches to the embedded mock: a client pointed at it and the demo session store.
    async fn start_demo(&mut self) {
        let mock = match MockServer::start(MockOptions {
            pace: Pace::Realistic,
            ..MockOptions::default()
        })
        .await
        {
            Ok(mock) => mock,
            Err(e) => return self.notice(format!("cannot start the demo server: {e:#}")),
        };
        let client = self
            .config
            .client(mock.base_url(), ApiKey::demo())
            .map(|c| c.with_retry_notifier(super::notifier(&self.tx)));
        match (client, SessionManager::start_default(true)) {
            (Ok(client), Ok(sessions)) => {
                self.client = Some(client);
                self.sessions = sessions;
                self.demo = Some(mock);
                let _ = self.tx.send(AppEvent::DemoStarted);
            }
            (Err(e), _) => self.notice(format!("cannot start the demo: {e}")),
            (_, Err(e)) => self.notice(format!("cannot start the demo: {e}")),
        }
    }
}
