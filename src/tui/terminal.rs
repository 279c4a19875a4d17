//! Owning the real terminal: raw mode, alternate screen, bracketed paste, mouse, and putting
//! it all back.
//!
//! Invariant: once entered, the terminal is restored exactly once on every exit path: normal
//! return (Drop), error (Drop), and panic (a hook that restores before the message prints,
//! so the report is readable and the shell usable).

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io::{self, Stdout};
use std::sync::Once;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped; create it before the [`Term`].
pub struct TerminalGuard(());

static HOOK: Once = Once::new();

/// Raw mode, the alternate screen, bracketed paste and mouse reports.
pub fn enter() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableMouseCapture
    )
}

/// Leaves raw mode and the alternate screen; safe to call more than once.
pub fn restore() {
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

impl TerminalGuard {
    /// Enters the app's terminal modes and the terminal to draw on.
    pub fn enter() -> io::Result<(TerminalGuard, Term)> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        enter()?;
        let guard = TerminalGuard(());
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
