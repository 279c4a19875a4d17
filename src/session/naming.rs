//! Session ids and the titles derived from a first prompt.
//!
//! Invariant: ids are `ses_` plus 20 base62 characters (about 119 bits), so they never collide
//! in practice and a few leading characters are usually a unique prefix to type. Titles are a
//! single line of at most [`TITLE_MAX`] characters with no control characters, so a list of
//! sessions stays one row per session whatever the prompt held.

use crate::text_safety::strip_controls;

pub const TITLE_MAX: usize = 48;

pub fn new_session_id() -> String {
    let tail: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(20)
        .collect();
    format!("ses_{tail}")
}

/// The first non-blank line of `prompt`, whitespace collapsed, cut on a word boundary with `…`
/// when longer than [`TITLE_MAX`]; `untitled` when there is nothing to show.
pub fn title_from_prompt(prompt: &str) -> String {
    let clean = strip_controls(prompt);
    let line = clean
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| !l.is_empty());
    let Some(line) = line else {
        return "untitled".to_string();
    };
    if line.chars().count() <= TITLE_MAX {
        return line;
    }
    let head: String = line.chars().take(TITLE_MAX - 1).collect();
    // Cut at the last space only if the next character starts a new word or the head ends one.
    let next_is_space = line.chars().nth(TITLE_MAX - 1) == Some(' ');
    let cut = if next_is_space {
        head.as_str()
    } else {
        head.rsplit_once(' ')
            .map(|(before, _)| before)
            .filter(|b| !b.is_empty())
            .unwrap_or(&head)
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_base62() {
        let id = new_session_id();
        assert_eq!(id.len(), 24);
        assert!(id.starts_with("ses_"));
        assert!(id[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(id, new_session_id());
    }

    #[test]
    fn titles_take_the_first_line_collapsed() {
        assert_eq!(
            title_from_prompt("\n  what   drives\tchurn?\nmore"),
            "what drives churn?"
        );
        assert_eq!(title_from_prompt(" \n\t"), "untitled");
        assert_eq!(title_from_prompt("a\x1b[31mb"), "ab");
    }

    #[test]
    fn long_titles_are_cut_on_a_word_boundary() {
        let prompt = "Summarise the quarterly revenue by region and highlight anomalies please";
        let title = title_from_prompt(prompt);
        assert_eq!(title, "Summarise the quarterly revenue by region and…");
        assert!(title.chars().count() <= TITLE_MAX);
        let one_word = "x".repeat(100);
        let title = title_from_prompt(&one_word);
        assert_eq!(title.chars().count(), TITLE_MAX);
        assert!(title.ends_with('…'));
    }
}
