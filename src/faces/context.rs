//! Everything a command needs before it talks to the API: the config, the key, the client,
//! and in demo mode the in-process mock server the client points at.
//!
//! Invariant: the key comes from ANTHROPIC_API_KEY or the config's `api_key_command`, never from
//! an argument; a missing key is a usage error raised before any network call. In demo mode the
//! mock is owned here and lives exactly as long as the command.

use crate::api::Client;
use crate::config::Config;
use crate::faces::cli::CommonArgs;
use crate::faces::error::CliError;
use crate::mock::{MockOptions, MockServer, Pace};
use crate::secret::ApiKey;
use std::sync::Arc;

pub const NO_KEY_HELP: &str = "no API key: set ANTHROPIC_API_KEY (export ANTHROPIC_API_KEY=sk-ant-...) \
or api_key_command in the config file, or try the offline demo with --demo";

pub struct Context {
    pub config: Config,
    pub client: Client,
    pub model: String,
    pub json: bool,
    /// Running when `--demo` was given; dropped with the context.
    pub demo: Option<MockServer>,
}

impl Context {
    pub async fn connect(common: &CommonArgs) -> Result<Context, CliError> {
        let config = Config::load(common.config.as_deref())?;
        let (base_url, key, demo) = if common.demo {
            let mock = MockServer::start(MockOptions {
                pace: Pace::Realistic,
                ..MockOptions::default()
            })
            .await
            .map_err(|e| CliError::Failed(format!("cannot start the demo server: {e:#}")))?;
            (mock.base_url(), ApiKey::demo(), Some(mock))
        } else {
            let key = resolve_key(&config)
                .await?
                .ok_or_else(|| CliError::Usage(NO_KEY_HELP.to_string()))?;
            (base_url(common, &config), key, None)
        };
        let client = config
            .client(base_url, key)?
            .with_retry_notifier(Arc::new(|line| {
                crate::faces::output::note(&format!("clab: {line}"))
            }));
        let model = common.model.clone().unwrap_or_else(|| config.model.clone());
        Ok(Context {
            config,
            client,
            model,
            json: common.json,
            demo,
        })
    }
}

/// `--base-url` (or ANTHROPIC_BASE_URL), else the config's.
pub fn base_url(common: &CommonArgs, config: &Config) -> String {
    common
        .base_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| config.base_url.clone())
}

/// The key from the environment, else from `api_key_command` (see [`crate::key_command`]);
/// None when neither is set.
pub async fn resolve_key(config: &Config) -> Result<Option<ApiKey>, CliError> {
    if let Some(key) = std::env::var("ANTHROPIC_API_KEY")
        .ok()
        .and_then(ApiKey::new)
    {
        return Ok(Some(key));
    }
    let Some(command) = config.api_key_command.as_deref() else {
        return Ok(None);
    };
    crate::key_command::run(command, crate::key_command::TIMEOUT)
        .await
        .map(Some)
        .map_err(CliError::Usage)
}
