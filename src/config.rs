//! Configuration: built-in defaults with the user's TOML file merged over them.
//!
//! Invariant: every key has a default here and a documented line in `.config-example.toml`;
//! an unknown key is an error (a typo must not silently fall back to a default). The key itself
//! is never stored in the config, only a command that prints it. Values that are only used later
//! (the theme, the `[keys]` bindings, the `[prices]` table) are checked here too, so a mistake is reported at start-up
//! with the file's name rather than when the TUI first needs them.

use crate::api::{ApiError, Client, ClientConfig};
use crate::domain::context;
use crate::domain::request::{LongSession, TOOL_20250522, TOOL_20250825};
use crate::faces::error::CliError;
use crate::model::cost::{PriceOverrides, PriceTable};
use crate::model::keymap::Keymap;
use crate::preview::graphics::Graphics;
use crate::secret::ApiKey;
use crate::theme::Theme;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Model used when `--model` is not given.
    pub model: String,
    /// API base URL when neither `--base-url` nor ANTHROPIC_BASE_URL is set.
    pub base_url: String,
    /// A shell command whose first non-empty line of output is the API key (used when
    /// ANTHROPIC_API_KEY is unset); see [`crate::key_command`].
    pub api_key_command: Option<String>,
    /// `code_execution_20250825` (bash + text editor) or `code_execution_20250522` (Python only).
    pub code_execution_tool: String,
    pub max_tokens: u32,
    /// How many times a `pause_turn` answer is continued automatically.
    pub max_continuations: u32,
    /// Retries of failed requests (connection errors, 408, 409, 429, 5xx).
    pub max_retries: u32,
    /// Seconds of silence tolerated on an open connection.
    pub read_timeout_secs: u64,
    /// Speak HTTP/2 without negotiating it, for a plain-http server that speaks only HTTP/2.
    pub http2_prior_knowledge: bool,
    /// Where generated files are saved; empty means the current directory.
    pub download_dir: Option<PathBuf>,
    /// Colour theme: "ansi", "dark", "light", "high-contrast", or the path of a TOML theme file.
    pub theme: String,
    /// How pictures are drawn: "auto" (ask the terminal), "kitty", "iterm2", "sixel", "halfblocks".
    pub graphics: Graphics,
    /// TUI keybinding overrides, action name (see [`Action::name`]) to key spec ("ctrl-o").
    pub keys: BTreeMap<String, String>,
    /// Price changes merged over the built-in list prices used for cost estimates.
    pub prices: PriceOverrides,
    /// Agent Skills loaded into the container of every new session (see `domain::skills`).
    pub skills: Vec<String>,
    /// Cache breakpoints on the newest user messages, so each turn reads the previous one's
    /// prefix from the cache.
    pub prompt_caching: bool,
    /// Server-side context management: "auto", "compact", "clear" or "off".
    pub context_management: String,
    /// Input tokens from which the API compacts or clears (compaction takes at least 50,000).
    pub context_trigger_tokens: u64,
    /// Code runs clearing keeps, the newest.
    pub context_keep_runs: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            model: "claude-sonnet-4-5".to_string(),
            base_url: crate::api::client::DEFAULT_BASE_URL.to_string(),
            api_key_command: None,
            code_execution_tool: TOOL_20250825.to_string(),
            max_tokens: 16_000,
            max_continuations: 5,
            max_retries: crate::api::retry::DEFAULT_MAX_RETRIES,
            read_timeout_secs: 600,
            http2_prior_knowledge: false,
            download_dir: None,
            theme: "ansi".to_string(),
            graphics: Graphics::Auto,
            keys: BTreeMap::new(),
            prices: PriceOverrides::default(),
            skills: Vec::new(),
            prompt_caching: true,
            context_management: "auto".to_string(),
            context_trigger_tokens: context::Policy::default().trigger,
            context_keep_runs: context::Policy::default().keep,
        }
    }
}

impl Config {
    /// A client of `base_url` with this config's retry, timeout and HTTP version settings.
    pub fn client(&self, base_url: String, key: ApiKey) -> Result<Client, ApiError> {
        Client::new(ClientConfig {
            base_url,
            key,
            max_retries: self.max_retries,
            read_timeout: std::time::Duration::from_secs(self.read_timeout_secs.max(1)),
            http2_prior_knowledge: self.http2_prior_knowledge,
        })
    }

    /// Loads `path`, or the default location when `path` is None; a missing default file is fine,
    /// a missing explicit one is not.
    pub fn load(path: Option<&Path>) -> Result<Config, CliError> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match crate::paths::config_file() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                )));
            }
        };
        let config = Config::parse(&text)
            .map_err(|e| CliError::Usage(format!("invalid config file {}: {e}", path.display())))?;
        Ok(config)
    }

    /// The configured download directory with a leading `~` expanded.
    pub fn download_dir(&self) -> Option<PathBuf> {
        let dir = self.download_dir.as_deref()?;
        match (dir.strip_prefix("~"), std::env::var_os("HOME")) {
            (Ok(rest), Some(home)) => Some(PathBuf::from(home).join(rest)),
            _ => Some(dir.to_path_buf()),
        }
    }

    /// What turns do for long sessions, as configured.
    pub fn long_session(&self) -> LongSession {
        LongSession {
            caching: self.prompt_caching,
            context: context::Policy {
                // Checked by `parse`.
                mode: context::Mode::parse(&self.context_management).unwrap_or(context::Mode::Auto),
                trigger: self.context_trigger_tokens,
                keep: self.context_keep_runs,
            },
        }
    }

    /// The built-in prices with the `[prices]` section merged over them (checked by `parse`).
    pub fn price_table(&self) -> Result<PriceTable, String> {
        PriceTable::default().with_overrides(&self.prices)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if config.code_execution_tool != TOOL_20250825
            && config.code_execution_tool != TOOL_20250522
        {
            return Err(format!(
                "code_execution_tool must be \"{TOOL_20250825}\" or \"{TOOL_20250522}\", not \"{}\"",
                config.code_execution_tool
            ));
        }
        Keymap::default().with_overrides(&config.keys)?;
        Theme::load(&config.theme)?;
        config.price_table()?;
        crate::domain::skills::parse_all(&config.skills)?;
        if context::Mode::parse(&config.context_management).is_none() {
            return Err(format!(
                "context_management must be \"auto\", \"compact\", \"clear\" or \"off\", not \"{}\"",
                config.context_management
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_parses_and_names_every_key() {
        let text = include_str!("../.config-example.toml");
        let uncommented: String = text
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|r| r.contains(" = "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::parse(&uncommented).expect("example parses with every key set");
        assert_eq!(config.code_execution_tool, TOOL_20250825);
        let documented: Vec<&str> = config.keys.keys().map(String::as_str).collect();
        let mut actions: Vec<&str> = crate::model::keymap::Action::ALL
            .iter()
            .map(|a| a.name())
            .collect();
        actions.sort_unstable();
        assert_eq!(documented, actions, "[keys] documents every action");
        assert_eq!(
            config.price_table(),
            Ok(crate::model::cost::PriceTable::default()),
            "the example's [prices] are the defaults"
        );
        assert!(config.prices.container_hour.is_some());
    }

    #[test]
    fn user_values_override_defaults_and_typos_are_errors() {
        let config = Config::parse("model = \"claude-opus-4-1\"\nmax_retries = 0").unwrap();
        assert_eq!(config.model, "claude-opus-4-1");
        assert_eq!(config.max_retries, 0);
        assert_eq!(config.max_tokens, Config::default().max_tokens);
        assert!(
            Config::parse("modle = \"x\"")
                .unwrap_err()
                .contains("modle")
        );
        assert!(Config::parse("code_execution_tool = \"python\"").is_err());
    }

    #[test]
    fn themes_and_keys_are_checked_when_the_config_is_read() {
        let config =
            Config::parse("theme = \"dark\"\n[keys]\nquit = \"ctrl-x\"\nhelp = \"?\"").unwrap();
        assert_eq!(config.theme, "dark");
        assert_eq!(config.keys["quit"], "ctrl-x");
        assert_eq!(Config::default().theme, "ansi");
        assert!(Config::default().keys.is_empty());
        let errors = [
            ("theme = \"drak\"", "drak"),
            ("[keys]\nqiut = \"ctrl-x\"", "qiut"),
            ("[keys]\nquit = \"hyper-x\"", "hyper-x"),
            ("[keys]\nquit = \"ctrl-\"", "quit"),
            ("[prices]\ncontainer_hour = -0.05", "container_hour"),
            (
                "[prices.models]\nsonnet = { input = 3.0, output = -15.0 }",
                "\"sonnet\" output",
            ),
            ("[prices.models]\nsonnet = { input = 3.0 }", "output"),
        ];
        for (text, named) in errors {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(named), "{text}: {err}");
        }
    }
}
