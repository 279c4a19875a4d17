//! An estimate of what a session's tokens cost, from public list prices.
//!
//! Invariant: this is an estimate and is always shown as one ("~$"): it knows list prices per
//! million tokens by model family only, ignores batch and regional pricing, and prices a model
//! it does not recognise as Sonnet, so a new model name never makes the figure disappear.
//! Cache writes cost 1.25× the input price and cache reads 0.1× (the 5-minute cache).

use super::usage::Usage;

/// US dollars per million tokens: (input, output).
fn prices(model: &str) -> (f64, f64) {
    let model = model.to_ascii_lowercase();
    let is = |family: &str| model.contains(family);
    if is("opus") {
        if is("opus-4-5") || is("opus-4.5") {
            (5.0, 25.0)
        } else {
            (15.0, 75.0)
        }
    } else if is("haiku") {
        if is("haiku-4-5") || is("haiku-4.5") {
            (1.0, 5.0)
        } else {
            (0.80, 4.0)
        }
    } else {
        (3.0, 15.0)
    }
}

/// The list-price cost of `usage` on `model`, in US dollars.
pub fn estimate_usd(model: &str, usage: &Usage) -> f64 {
    let (input, output) = prices(model);
    let tokens = |n: u64, price: f64| n as f64 * price / 1_000_000.0;
    tokens(usage.input_tokens, input)
        + tokens(usage.cache_creation_input_tokens, input * 1.25)
        + tokens(usage.cache_read_input_tokens, input * 0.1)
        + tokens(usage.output_tokens, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64, write: u64, read: u64) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
            cache_creation_input_tokens: write,
            cache_read_input_tokens: read,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_million_tokens_each_way_costs_the_list_prices() {
        let million = usage(1_000_000, 1_000_000, 0, 0);
        for (model, dollars) in [
            ("claude-opus-4-5-20251101", 30.0),
            ("claude-opus-4.5", 30.0),
            ("claude-opus-4-1-20250805", 90.0),
            ("claude-sonnet-4-5", 18.0),
            ("claude-haiku-4-5", 6.0),
            ("claude-3-5-haiku-latest", 4.80),
            ("some-future-model", 18.0),
        ] {
            let cost = estimate_usd(model, &million);
            assert!(close(cost, dollars), "{model}: {cost}");
        }
    }

    #[test]
    fn cache_writes_and_reads_are_priced_from_the_input_price() {
        let cached = usage(0, 0, 1_000_000, 1_000_000);
        assert!(close(
            estimate_usd("claude-sonnet-4-5", &cached),
            3.75 + 0.30
        ));
        assert!(close(estimate_usd("claude-opus-4-5", &cached), 6.25 + 0.50));
    }

    #[test]
    fn a_typical_turn_is_cents() {
        let turn = usage(2_000, 500, 10_000, 40_000);
        let expected = (2_000.0 * 3.0 + 500.0 * 15.0 + 10_000.0 * 3.75 + 40_000.0 * 0.3) / 1e6;
        assert!(close(estimate_usd("claude-sonnet-4-5", &turn), expected));
        assert_eq!(estimate_usd("claude-sonnet-4-5", &Usage::default()), 0.0);
    }
}
