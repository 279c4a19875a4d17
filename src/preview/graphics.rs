//! Which way to draw pictures in this terminal: kitty graphics, iTerm2 inline images, sixel,
//! or Unicode half-blocks, which work everywhere.
//!
//! Invariant: the choice is a pure function of the config setting, the environment and the
//! terminal's answers to the capability queries ([`choose`]), so it is tested with recorded
//! answers; only [`picker`] talks to the terminal. Inside tmux clab uses half-blocks without
//! asking: tmux answers queries for itself and graphics need a passthrough that breaks on
//! pane switches and scrolling. A graphics protocol needs the cell size in pixels; a terminal
//! that does not report one gets half-blocks too. Kitty graphics are drawn with Unicode
//! placeholders, which kitty has understood since 0.28: an older kitty (told by its XTVERSION
//! answer, asked here because `ratatui-image`'s query does not) would show boxes instead.

use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions, Response};
use ratatui_image::picker::{Capability, Picker, ProtocolType};
use serde::Deserialize;
use std::time::Duration;

/// How long a terminal may take to answer the capability queries.
const QUERY_TIMEOUT: Duration = Duration::from_millis(500);

/// The `graphics` config setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Graphics {
    /// Ask the terminal.
    #[default]
    Auto,
    Kitty,
    Iterm2,
    Sixel,
    Halfblocks,
}

/// What the environment says about the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermEnv {
    pub tmux: bool,
    /// `TERM_PROGRAM`, or `LC_TERMINAL` when that names iTerm2.
    pub program: Option<String>,
}

impl TermEnv {
    pub fn from_process() -> TermEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let tmux = var("TMUX").is_some()
            || var("TERM").is_some_and(|t| t.starts_with("tmux") || t.starts_with("screen"))
            || var("TERM_PROGRAM").is_some_and(|p| p == "tmux");
        let program = var("LC_TERMINAL")
            .filter(|t| t.contains("iTerm"))
            .or_else(|| var("TERM_PROGRAM"));
        TermEnv { tmux, program }
    }

    fn speaks_iterm2(&self) -> bool {
        self.program.as_deref().is_some_and(|p| {
            ["iTerm", "WezTerm", "mintty", "vscode", "Tabby", "rio"]
                .iter()
                .any(|name| p.contains(name))
        })
    }
}

/// What the terminal answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub kitty: bool,
    pub sixel: bool,
    /// Cell size in pixels (width, height).
    pub cell: Option<(u16, u16)>,
    /// The terminal's name and version from XTVERSION, e.g. "kitty(0.26.5)".
    pub version: Option<String>,
}

impl Answers {
    /// Parses the raw bytes a terminal sent back to the queries.
    pub fn parse(raw: &str) -> Answers {
        let mut parser = Parser::new();
        let responses: Vec<Response> = raw.chars().flat_map(|c| parser.push(c)).collect();
        let mut answers = Answers::default();
        for response in responses {
            match response {
                Response::Kitty => answers.kitty = true,
                Response::Sixel => answers.sixel = true,
                Response::CellSize(cell) => answers.cell = cell,
                _ => {}
            }
        }
        answers.version = xtversion(raw);
        answers
    }

    /// Whether the terminal draws kitty's Unicode placeholders (kitty 0.28 and later; other
    /// terminals that answer the kitty query are taken at their word).
    fn kitty_placeholders(&self) -> bool {
        let Some(version) = self
            .version
            .as_deref()
            .and_then(|v| v.strip_prefix("kitty("))
        else {
            return true;
        };
        let mut parts = version.trim_end_matches(')').split('.');
        let mut next = || {
            parts
                .next()
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0)
        };
        (next(), next()) >= (0, 28)
    }

    fn from_capabilities(capabilities: &[Capability]) -> Answers {
        let mut answers = Answers::default();
        for capability in capabilities {
            match capability {
                Capability::Kitty => answers.kitty = true,
                Capability::Sixel => answers.sixel = true,
                Capability::CellSize(cell) => answers.cell = *cell,
                _ => {}
            }
        }
        answers
    }
}

/// The protocol for a setting, an environment and the terminal's answers (None: not asked).
pub fn choose(setting: Graphics, env: &TermEnv, answers: Option<&Answers>) -> ProtocolType {
    let forced = match setting {
        Graphics::Auto => None,
        Graphics::Kitty => Some(ProtocolType::Kitty),
        Graphics::Iterm2 => Some(ProtocolType::Iterm2),
        Graphics::Sixel => Some(ProtocolType::Sixel),
        Graphics::Halfblocks => Some(ProtocolType::Halfblocks),
    };
    if let Some(forced) = forced {
        return forced;
    }
    if env.tmux {
        return ProtocolType::Halfblocks;
    }
    let Some(answers) = answers.filter(|a| a.cell.is_some()) else {
        return ProtocolType::Halfblocks;
    };
    if answers.kitty && answers.kitty_placeholders() {
        ProtocolType::Kitty
    } else if env.speaks_iterm2() {
        ProtocolType::Iterm2
    } else if answers.sixel {
        ProtocolType::Sixel
    } else {
        ProtocolType::Halfblocks
    }
}

/// The name and version in an XTVERSION answer (`ESC P > | text ESC \\`).
fn xtversion(raw: &str) -> Option<String> {
    let start = raw.find("\x1bP>|")? + 4;
    let end = raw[start..].find('\x1b')? + start;
    Some(raw[start..end].to_string())
}

/// Asks the terminal for its name and version (XTVERSION), waiting at most `timeout`; the
/// status report asked after it marks the end of the answers, so nothing typed meanwhile is
/// read past it. Reads the descriptor directly: a buffered read could keep bytes the event
/// reader needs. None: the terminal did not answer the status report at all, so it will not
/// answer the capability query either (whose reader would then be left waiting on stdin).
fn query_version(timeout: Duration) -> Option<Option<String>> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use std::io::Write;
    let mut out = std::io::stdout();
    out.write_all(b"\x1b[>0q\x1b[5n").ok()?;
    out.flush().ok()?;
    let stdin = rustix::stdio::stdin();
    let deadline = std::time::Instant::now() + timeout;
    let mut raw = Vec::new();
    while !raw.windows(4).any(|w| w == b"\x1b[0n") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let wait = Timespec::try_from(left).ok()?;
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        if left.is_zero() || poll(&mut fds, Some(&wait)).ok()? == 0 {
            return None;
        }
        let mut buf = [0u8; 256];
        let n = rustix::io::read(stdin, &mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    Some(xtversion(&String::from_utf8_lossy(&raw)))
}

/// Whether `setting` in `env` needs the terminal queried.
pub fn needs_query(setting: Graphics, env: &TermEnv) -> bool {
    setting != Graphics::Halfblocks && !env.tmux
}

/// The picker for this terminal. Call it after raw mode is on and before terminal events are
/// read: the query's answers arrive on stdin.
pub fn picker(setting: Graphics) -> Picker {
    let env = TermEnv::from_process();
    if needs_query(setting, &env) {
        match query_version(QUERY_TIMEOUT) {
            Some(version) => {
                if let Some(picker) = queried_picker(setting, &env, version) {
                    return picker;
                }
            }
            None => tracing::info!("the terminal does not answer queries"),
        }
    }
    let mut picker = Picker::halfblocks();
    picker.set_protocol_type(choose(setting, &env, None));
    picker
}

/// The picker from `ratatui-image`'s capability query, with the protocol chosen here.
fn queried_picker(setting: Graphics, env: &TermEnv, version: Option<String>) -> Option<Picker> {
    let options = QueryStdioOptions {
        timeout: QUERY_TIMEOUT,
        ..QueryStdioOptions::default()
    };
    match Picker::from_query_stdio_with_options(options) {
        Ok(mut picker) => {
            let answers = Answers {
                version,
                ..Answers::from_capabilities(picker.capabilities())
            };
            picker.set_protocol_type(choose(setting, env, Some(&answers)));
            tracing::info!(?answers, protocol = ?picker.protocol_type(), "graphics");
            Some(picker)
        }
        Err(e) => {
            tracing::info!("the terminal did not answer the graphics query: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KITTY: &str = "\x1b_Gi=31;OK\x1b\\\x1b[?62;22;52c\x1b[6;20;10t\x1b[0n";
    const XTERM_SIXEL: &str = "\x1b[?63;1;2;4;6;9;15;22c\x1b[6;17;9t\x1b[0n";
    const FOOT_NO_CELL: &str = "\x1b[?62;4;22c\x1b[0n";
    const PLAIN_VT220: &str = "\x1b[?62;1;6;22c\x1b[6;16;8t\x1b[0n";
    const OLD_KITTY: &str =
        "\x1bP>|kitty(0.26.5)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[?62;c\x1b[6;20;9t\x1b[0n";
    const NEW_KITTY: &str =
        "\x1bP>|kitty(0.35.2)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[?62;c\x1b[6;20;9t\x1b[0n";

    fn local(program: Option<&str>) -> TermEnv {
        TermEnv {
            tmux: false,
            program: program.map(str::to_string),
        }
    }

    #[test]
    fn answers_are_parsed_from_raw_bytes() {
        assert_eq!(
            Answers::parse(KITTY),
            Answers {
                kitty: true,
                sixel: false,
                cell: Some((10, 20)),
                version: None
            }
        );
        let xterm = Answers::parse(XTERM_SIXEL);
        assert!(xterm.sixel && !xterm.kitty);
        assert_eq!(xterm.cell, Some((9, 17)));
        assert_eq!(Answers::parse(FOOT_NO_CELL).cell, None);
        assert_eq!(Answers::parse("garbage"), Answers::default());
    }

    #[test]
    fn the_terminal_answers_pick_the_protocol() {
        let auto = |raw: &str, program: Option<&str>| {
            choose(Graphics::Auto, &local(program), Some(&Answers::parse(raw)))
        };
        assert_eq!(auto(KITTY, None), ProtocolType::Kitty);
        assert_eq!(auto(NEW_KITTY, None), ProtocolType::Kitty);
        // Kitty before 0.28 cannot draw the placeholders kitty graphics are placed with.
        assert_eq!(auto(OLD_KITTY, None), ProtocolType::Halfblocks);
        assert_eq!(
            Answers::parse(OLD_KITTY).version.as_deref(),
            Some("kitty(0.26.5)")
        );
        assert_eq!(auto(XTERM_SIXEL, None), ProtocolType::Sixel);
        assert_eq!(auto(PLAIN_VT220, None), ProtocolType::Halfblocks);
        assert_eq!(auto(PLAIN_VT220, Some("iTerm.app")), ProtocolType::Iterm2);
        assert_eq!(auto(XTERM_SIXEL, Some("WezTerm")), ProtocolType::Iterm2);
        // Sixel without a cell size cannot be fitted to the pane.
        assert_eq!(auto(FOOT_NO_CELL, None), ProtocolType::Halfblocks);
        assert_eq!(
            choose(Graphics::Auto, &local(None), None),
            ProtocolType::Halfblocks
        );
    }

    #[test]
    fn tmux_uses_halfblocks_without_asking() {
        let tmux = TermEnv {
            tmux: true,
            program: Some("tmux".into()),
        };
        assert!(!needs_query(Graphics::Auto, &tmux));
        assert_eq!(
            choose(Graphics::Auto, &tmux, Some(&Answers::parse(KITTY))),
            ProtocolType::Halfblocks
        );
        assert!(needs_query(Graphics::Auto, &local(None)));
        assert!(!needs_query(Graphics::Halfblocks, &local(None)));
    }

    #[test]
    fn the_config_overrides_the_answers() {
        let answers = Answers::parse(KITTY);
        for (setting, protocol) in [
            (Graphics::Sixel, ProtocolType::Sixel),
            (Graphics::Halfblocks, ProtocolType::Halfblocks),
            (Graphics::Iterm2, ProtocolType::Iterm2),
        ] {
            assert_eq!(choose(setting, &local(None), Some(&answers)), protocol);
        }
        let tmux = TermEnv {
            tmux: true,
            program: None,
        };
        assert_eq!(
            choose(Graphics::Kitty, &tmux, None),
            ProtocolType::Kitty,
            "an explicit setting wins even in tmux"
        );
    }
}
