//! The workbench's event loop on an off-screen terminal, for tests that inject keys and
//! events: the app against a mock (or none), keys, and the screen as text.

use super::{Mock, TEST_KEY};
use clab::api::{Client, ClientConfig};
use clab::app::{App, Host, Runner};
use clab::config::Config;
use clab::model::Model;
use clab::model::event::AppEvent;
use clab::model::keymap::Keymap;
use clab::model::state::{Access, Settings};
use clab::secret::ApiKey;
use clab::session::actor::SessionManager;
use clab::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A client of the mock, as the workbench builds one.
pub fn client(mock: &Mock) -> Client {
    Client::new(ClientConfig {
        base_url: mock.url(),
        key: ApiKey::new(TEST_KEY).unwrap(),
        max_retries: 0,
        read_timeout: Duration::from_secs(30),
        http2_prior_knowledge: false,
    })
    .unwrap()
}

pub fn key(code: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> AppEvent {
    AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn typed(text: &str) -> Vec<AppEvent> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

pub fn screen(app: &App<TestBackend>) -> String {
    let buffer = app.terminal.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn app(mock: Option<&Mock>, home: &Path, downloads: &Path) -> App<TestBackend> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let client = mock.map(client);
    let sessions = SessionManager::start(home.join("sessions.db")).unwrap();
    let settings = Settings {
        model: "claude-sonnet-4-5".into(),
        max_tokens: 4096,
        tool: clab::domain::request::TOOL_20250825.into(),
        max_continuations: 2,
        download_dir: downloads.to_path_buf(),
        keymap: Keymap::default(),
        prices: Default::default(),
        sample: None,
        config_path: Some(PathBuf::from("/home/me/.config/clab/config.toml")),
        long: Default::default(),
        config_skills: Vec::new(),
        added_skills: Vec::new(),
    };
    let model = Model::new(settings, Access::Key, false);
    let runner = Runner::new(tx, client, sessions, Config::default(), None);
    let terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    App::new(
        model,
        terminal,
        Theme::ansi(),
        runner,
        rx,
        Host::Headless { copied: Vec::new() },
    )
}
