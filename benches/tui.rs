//! TUI rendering budgets: a 1,000-turn session (with code cards) drawn off-screen must take
//! < 2 ms per frame after the first, and key→frame latency must not grow with the transcript
//! (measured with 10 and 1,000 turns). Run with `cargo bench --bench tui`.

use clab::domain::synthetic::synthetic_session;
use clab::model::Model;
use clab::model::event::{AppEvent, TurnChange};
use clab::model::keymap::Keymap;
use clab::model::state::{Access, Settings};
use clab::theme::Theme;
use clab::ui::{RenderCache, render};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use std::hint::black_box;

struct Screen {
    model: Model,
    cache: RenderCache,
    theme: Theme,
    terminal: Terminal<TestBackend>,
}

impl Screen {
    fn with_turns(turns: usize) -> Screen {
        let settings = Settings {
            model: "claude-sonnet-4-5".into(),
            max_tokens: 4096,
            tool: clab::domain::request::TOOL_20250825.into(),
            max_continuations: 2,
            download_dir: ".".into(),
            keymap: Keymap::default(),
            prices: Default::default(),
            sample: None,
            config_path: None,
            long: Default::default(),
            config_skills: Vec::new(),
            added_skills: Vec::new(),
        };
        let mut model = Model::new(settings, Access::Key, true);
        model.handle(AppEvent::SessionLoaded(Box::new(synthetic_session(turns))));
        model.handle(AppEvent::Resize(160, 48));
        let mut screen = Screen {
            model,
            cache: RenderCache::default(),
            theme: Theme::ansi(),
            terminal: Terminal::new(TestBackend::new(160, 48)).unwrap(),
        };
        screen.draw();
        screen
    }

    fn draw(&mut self) {
        let (model, cache, theme) = (&self.model, &mut self.cache, &self.theme);
        self.terminal
            .draw(|frame| render(model, cache, theme, frame))
            .unwrap();
    }

    fn key(&mut self, code: KeyCode) {
        black_box(
            self.model
                .handle(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))),
        );
        self.draw();
    }
}

fn frames(c: &mut Criterion) {
    let mut screen = Screen::with_turns(1_000);
    c.bench_function("frame: 1,000 turns, nothing changed", |b| {
        b.iter(|| screen.draw())
    });

    // A streaming answer at the end: every frame follows one more delta.
    let mut screen = Screen::with_turns(1_000);
    screen.model.set_composer("and by contract?");
    screen.model.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    let turn = screen.model.streaming_turn().expect("a turn is streaming");
    screen.model.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Block {
            index: 0,
            block: json!({"type": "text", "text": ""}),
            at_ms: 0,
        },
    });
    c.bench_function("frame: 1,000 turns, one stream delta per frame", |b| {
        b.iter(|| {
            screen.model.handle(AppEvent::Turn {
                turn,
                change: TurnChange::Text {
                    index: 0,
                    text: "more words, ".into(),
                },
            });
            screen.draw();
        })
    });
}

fn key_to_frame(c: &mut Criterion) {
    for turns in [10, 1_000] {
        let mut screen = Screen::with_turns(turns);
        c.bench_function(&format!("key→frame: {turns} turns"), |b| {
            b.iter(|| {
                screen.key(KeyCode::Char('a'));
                screen.key(KeyCode::Backspace);
            })
        });
    }
}

criterion_group!(benches, frames, key_to_frame);
criterion_main!(benches);
