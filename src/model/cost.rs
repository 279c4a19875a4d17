//! What a session costs, estimated from a table of list prices that the config can extend.
//!
//! Invariant: this is an estimate and is always shown as one ("~$"): it knows prices per million
//! tokens by model name only and ignores batch and regional pricing. A model is priced by the
//! longest table key its name contains (case and `.`/`-` in version numbers ignored, so
//! "claude-opus-4.5" is "opus-4-5"), and a model no key matches is priced as Sonnet, so a new
//! model name never makes the figure disappear. Cache writes default to 1.25× the input price
//! and cache reads to 0.1× (the 5-minute cache). Prices are checked finite and non-negative
//! when the table is built, so arithmetic here never produces a negative or NaN figure.

use crate::domain::usage::Usage;
use chrono::TimeDelta;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The key used for a model that no key matches.
const FALLBACK: &str = "sonnet";

/// US dollars per million tokens for one model family, cache prices resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    pub input: f64,
    pub output: f64,
    pub cache_write: f64,
    pub cache_read: f64,
}

impl Prices {
    /// List prices with the usual cache multipliers.
    pub fn new(input: f64, output: f64) -> Prices {
        Prices {
            input,
            output,
            cache_write: input * 1.25,
            cache_read: input * 0.1,
        }
    }

    /// What the prompt cache saved on `usage`: its cached tokens at the input price, less what
    /// writing and reading them cost (negative while writes outweigh reads).
    pub fn saved_by_cache(&self, usage: &Usage) -> f64 {
        let tokens = |n: u64, price: f64| n as f64 * price / 1_000_000.0;
        let cached = usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
        tokens(cached, self.input)
            - tokens(usage.cache_creation_input_tokens, self.cache_write)
            - tokens(usage.cache_read_input_tokens, self.cache_read)
    }

    /// The cost of `usage` at these prices, in US dollars.
    pub fn estimate(&self, usage: &Usage) -> f64 {
        let tokens = |n: u64, price: f64| n as f64 * price / 1_000_000.0;
        tokens(usage.input_tokens, self.input)
            + tokens(usage.output_tokens, self.output)
            + tokens(usage.cache_creation_input_tokens, self.cache_write)
            + tokens(usage.cache_read_input_tokens, self.cache_read)
    }
}

/// One model's entry as written in the config's `[prices.models]`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSpec {
    pub input: f64,
    pub output: f64,
    pub cache_write: Option<f64>,
    pub cache_read: Option<f64>,
}

/// The config's `[prices]` section: only what the user changes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriceOverrides {
    pub container_hour: Option<f64>,
    pub models: BTreeMap<String, RateSpec>,
}

/// The prices in use: model keys (normalised) to prices, and the container's hourly rate.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    models: BTreeMap<String, Prices>,
    /// US dollars per hour of code execution container time.
    pub container_hour: f64,
}

/// The prices that apply to one model, and the key that chose them.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates<'a> {
    pub key: &'a str,
    /// No key matched: these are the fallback's prices.
    pub fallback: bool,
    pub prices: Prices,
}

impl Default for PriceTable {
    fn default() -> PriceTable {
        let models = [
            ("opus-4-5", Prices::new(5.0, 25.0)),
            ("opus", Prices::new(15.0, 75.0)),
            ("sonnet", Prices::new(3.0, 15.0)),
            ("haiku-4-5", Prices::new(1.0, 5.0)),
            ("haiku", Prices::new(0.80, 4.0)),
        ];
        PriceTable {
            models: models
                .into_iter()
                .map(|(key, prices)| (key.to_string(), prices))
                .collect(),
            container_hour: 0.05,
        }
    }
}

/// Lower case, with the dots of version numbers written as dashes.
fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace('.', "-")
}

fn checked(value: f64, what: &str) -> Result<f64, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!(
            "{what} must be a non-negative number of dollars, not {value}"
        ))
    }
}

impl PriceTable {
    /// The table with the config's `[prices]` merged over it: a model key adds an entry or
    /// replaces the one with the same (normalised) name. A negative or non-finite price, or an
    /// empty key, is an error naming the key.
    pub fn with_overrides(mut self, overrides: &PriceOverrides) -> Result<PriceTable, String> {
        if let Some(hour) = overrides.container_hour {
            self.container_hour = checked(hour, "[prices] container_hour")?;
        }
        for (name, spec) in &overrides.models {
            let key = normalise(name.trim());
            if key.is_empty() {
                return Err("[prices.models] has an empty model name".to_string());
            }
            let what = |field: &str| format!("[prices.models] \"{name}\" {field}");
            let input = checked(spec.input, &what("input"))?;
            let mut prices = Prices::new(input, checked(spec.output, &what("output"))?);
            if let Some(write) = spec.cache_write {
                prices.cache_write = checked(write, &what("cache_write"))?;
            }
            if let Some(read) = spec.cache_read {
                prices.cache_read = checked(read, &what("cache_read"))?;
            }
            self.models.insert(key, prices);
        }
        Ok(self)
    }

    /// The prices for `model`: the longest key its name contains, else Sonnet's.
    pub fn for_model(&self, model: &str) -> Rates<'_> {
        let name = normalise(model);
        let found = self
            .models
            .iter()
            .filter(|(key, _)| name.contains(key.as_str()))
            .max_by_key(|(key, _)| key.len());
        match found {
            Some((key, prices)) => Rates {
                key,
                fallback: false,
                prices: *prices,
            },
            None => Rates {
                key: FALLBACK,
                fallback: true,
                prices: self
                    .models
                    .get(FALLBACK)
                    .copied()
                    .unwrap_or(Prices::new(3.0, 15.0)),
            },
        }
    }

    /// The cost of `usage` on `model`, in US dollars.
    pub fn estimate(&self, model: &str, usage: &Usage) -> f64 {
        self.for_model(model).prices.estimate(usage)
    }

    /// The cost of `time` of container use, in US dollars.
    pub fn container(&self, time: TimeDelta) -> f64 {
        time.num_milliseconds().max(0) as f64 / 3_600_000.0 * self.container_hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    use crate::domain::usage::counts as usage;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn overrides(toml_text: &str) -> PriceOverrides {
        toml::from_str(toml_text).expect("valid [prices] TOML")
    }

    #[test]
    fn a_million_tokens_each_way_costs_the_list_prices() {
        let table = PriceTable::default();
        let million = usage(1_000_000, 1_000_000, 0, 0);
        for (model, dollars) in [
            ("claude-opus-4-5-20251101", 30.0),
            ("claude-opus-4.5", 30.0),
            ("claude-opus-4-1-20250805", 90.0),
            ("claude-3-opus-20240229", 90.0),
            ("claude-sonnet-4-5", 18.0),
            ("claude-haiku-4-5", 6.0),
            ("Claude-Haiku-4.5", 6.0),
            ("claude-3-5-haiku-latest", 4.80),
            ("some-future-model", 18.0),
        ] {
            let cost = table.estimate(model, &million);
            assert!(close(cost, dollars), "{model}: {cost}");
        }
    }

    #[test]
    fn the_longest_matching_key_wins_and_unknown_models_fall_back_to_sonnet() {
        let table = PriceTable::default();
        assert_eq!(table.for_model("claude-opus-4-5").key, "opus-4-5");
        assert_eq!(table.for_model("claude-opus-4-1").key, "opus");
        let unknown = table.for_model("gpt-9");
        assert!(unknown.fallback);
        assert_eq!(unknown.key, "sonnet");
        assert_eq!(unknown.prices, Prices::new(3.0, 15.0));
        assert!(!table.for_model("claude-sonnet-4-5").fallback);
    }

    #[test]
    fn cache_writes_and_reads_are_priced_from_the_input_price() {
        let table = PriceTable::default();
        let cached = usage(0, 0, 1_000_000, 1_000_000);
        assert!(close(
            table.estimate("claude-sonnet-4-5", &cached),
            3.75 + 0.30
        ));
        assert!(close(
            table.estimate("claude-opus-4-5", &cached),
            6.25 + 0.50
        ));
        let turn = usage(2_000, 500, 10_000, 40_000);
        let expected = (2_000.0 * 3.0 + 500.0 * 15.0 + 10_000.0 * 3.75 + 40_000.0 * 0.3) / 1e6;
        assert!(close(table.estimate("claude-sonnet-4-5", &turn), expected));
        assert_eq!(table.estimate("claude-sonnet-4-5", &Usage::default()), 0.0);
    }

    /// The `usage` objects of a recorded streamed answer (message_start, then the cumulative
    /// message_delta), folded as the stream accumulator folds them.
    #[test]
    fn a_recorded_streamed_answer_costs_its_tokens_at_sonnet_prices() {
        let text =
            include_str!("../../tests/fixtures/api/vercel_code_exec_20250825_stream_basic.jsonl");
        let mut folded = Usage::default();
        let mut model = String::new();
        for line in text.lines() {
            let event: Value = serde_json::from_str(line).expect("a JSON event per line");
            if let Some(name) = event["message"]["model"].as_str() {
                model = name.to_string();
            }
            let usage = event["message"]["usage"].clone();
            let usage = if usage.is_null() {
                event["usage"].clone()
            } else {
                usage
            };
            if !usage.is_null() {
                folded.overlay(&usage);
            }
        }
        assert_eq!(model, "claude-sonnet-4-5-20250929");
        assert_eq!(folded, usage(8050, 771, 0, 0));
        let expected = 8050.0 * 3.0 / 1e6 + 771.0 * 15.0 / 1e6;
        let cost = PriceTable::default().estimate(&model, &folded);
        assert!(close(cost, expected), "{cost} vs {expected}");
    }

    #[test]
    fn a_recorded_opus_answer_costs_its_tokens_at_opus_4_5_prices() {
        let text = include_str!(
            "../../tests/fixtures/api/pysdk_recorded_exchanges_code_execution_20260120_ptc.json"
        );
        let exchanges: Value = serde_json::from_str(text).expect("recorded exchanges");
        let body = &exchanges[0]["response"]["body"];
        let mut folded = Usage::default();
        folded.overlay(&body["usage"]);
        let model = body["model"].as_str().expect("the answering model");
        assert_eq!(folded, usage(3182, 237, 0, 0));
        let expected = 3182.0 * 5.0 / 1e6 + 237.0 * 25.0 / 1e6;
        let cost = PriceTable::default().estimate(model, &folded);
        assert!(close(cost, expected), "{cost} vs {expected}");
    }

    #[test]
    fn user_prices_merge_over_the_defaults() {
        let table = PriceTable::default()
            .with_overrides(&overrides(
                "container_hour = 0.10\n\
                 [models]\n\
                 \"Sonnet\" = { input = 2.0, output = 10.0, cache_read = 0.5 }\n\
                 \"opus-4.1\" = { input = 12.0, output = 60.0 }\n",
            ))
            .expect("valid overrides");
        assert!(close(table.container_hour, 0.10));
        let sonnet = table.for_model("claude-sonnet-4-5");
        assert_eq!(sonnet.key, "sonnet");
        assert_eq!(
            sonnet.prices,
            Prices {
                input: 2.0,
                output: 10.0,
                cache_write: 2.5,
                cache_read: 0.5
            }
        );
        assert_eq!(table.for_model("claude-opus-4-1-20250805").key, "opus-4-1");
        assert_eq!(table.for_model("claude-opus-4.1").prices.input, 12.0);
        assert_eq!(table.for_model("claude-opus-4-0").key, "opus");
        assert_eq!(
            table.for_model("claude-haiku-4-5").prices,
            Prices::new(1.0, 5.0)
        );
        assert_eq!(
            PriceTable::default().with_overrides(&PriceOverrides::default()),
            Ok(PriceTable::default())
        );
    }

    #[test]
    fn negative_or_missing_prices_are_errors_naming_the_key() {
        let errors = [
            ("container_hour = -1.0", "container_hour"),
            (
                "[models]\nsonnet = { input = -3.0, output = 15.0 }",
                "\"sonnet\" input",
            ),
            (
                "[models]\nhaiku = { input = 1.0, output = 5.0, cache_read = -0.1 }",
                "cache_read",
            ),
            ("[models]\nhaiku = { input = 1.0, output = nan }", "output"),
            ("[models]\n\"\" = { input = 1.0, output = 5.0 }", "empty"),
        ];
        for (text, named) in errors {
            let err = PriceTable::default()
                .with_overrides(&overrides(text))
                .unwrap_err();
            assert!(err.contains(named), "{text}: {err}");
        }
        assert!(toml::from_str::<PriceOverrides>("[models]\nhaiku = { input = 1.0 }").is_err());
        assert!(
            toml::from_str::<PriceOverrides>(
                "[models]\nhaiku = { input = 1.0, output = 2.0, cached = 1 }"
            )
            .is_err()
        );
    }

    #[test]
    fn container_time_is_priced_by_the_hour() {
        let table = PriceTable::default();
        assert!(close(table.container(TimeDelta::hours(2)), 0.10));
        assert!(close(table.container(TimeDelta::minutes(5)), 0.05 / 12.0));
        assert_eq!(table.container(TimeDelta::zero()), 0.0);
    }
}
