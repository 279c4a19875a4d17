//! Agent Skills: the ready-made ones Anthropic offers (Excel, PowerPoint, Word, PDF) and a
//! workspace's own (`skill_…` ids), loaded into the code execution container of a turn.
//!
//! Invariant: a name is checked here before anything is sent, so an unknown one is a clear
//! error that lists the known names, never a request the API refuses; the wire shape of a
//! skill is written in one place, [`wire`].

use serde_json::{Value, json};

/// The `anthropic-beta` value that enables skills in the container.
pub const SKILLS_BETA: &str = "skills-2025-10-02";

/// Anthropic's own skills: id and what it makes.
pub const ANTHROPIC: [(&str, &str); 4] = [
    ("xlsx", "Excel workbooks"),
    ("pptx", "PowerPoint decks"),
    ("docx", "Word documents"),
    ("pdf", "PDF documents"),
];

/// The most skills one request may load (8 before the API's skills went GA on 2026-08-19;
/// see tests/fixtures/api/SKILLS_AND_FILE_BLOCKS.md).
pub const MAX_PER_REQUEST: usize = 20;

/// The skill id a name stands for: one of [`ANTHROPIC`] (any case) or a custom `skill_…` id.
pub fn parse(name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    let lower = trimmed.to_ascii_lowercase();
    if ANTHROPIC.iter().any(|(id, _)| *id == lower) {
        return Ok(lower);
    }
    let custom = trimmed
        .strip_prefix("skill_")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()));
    if custom {
        return Ok(trimmed.to_string());
    }
    Err(format!(
        "unknown skill '{}': use xlsx, pptx, docx, pdf or a custom skill id (skill_…)",
        trimmed.escape_debug()
    ))
}

/// Parses every name, keeping the first of any repeated, and refuses more than the API takes.
pub fn parse_all<S: AsRef<str>>(names: &[S]) -> Result<Vec<String>, String> {
    let mut skills: Vec<String> = Vec::new();
    for name in names {
        let id = parse(name.as_ref())?;
        if !skills.contains(&id) {
            skills.push(id);
        }
    }
    if skills.len() > MAX_PER_REQUEST {
        return Err(format!(
            "{} skills asked for; a request loads at most {MAX_PER_REQUEST}",
            skills.len()
        ));
    }
    Ok(skills)
}

/// The skills of a turn: a new session (`stored` is None) starts from the config's, a resumed
/// one keeps its own; the command line's `added` join either.
pub fn for_turn(
    stored: Option<&[String]>,
    config: &[String],
    added: &[String],
) -> Result<Vec<String>, String> {
    parse_all(&[stored.unwrap_or(config), added].concat())
}

pub fn is_anthropic(id: &str) -> bool {
    ANTHROPIC.iter().any(|(known, _)| *known == id)
}

/// One skill as the request's `container.skills` lists it.
pub fn wire(id: &str) -> Value {
    json!({
        "type": if is_anthropic(id) { "anthropic" } else { "custom" },
        "skill_id": id,
        "version": "latest",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_and_custom_ids_are_accepted() {
        assert_eq!(parse("PPTX"), Ok("pptx".into()));
        assert_eq!(parse(" xlsx "), Ok("xlsx".into()));
        assert_eq!(
            parse("skill_01AbCdEfGh"),
            Ok("skill_01AbCdEfGh".to_string())
        );
        assert_eq!(
            wire("skill_01AbCdEfGh"),
            json!({"type":"custom","skill_id":"skill_01AbCdEfGh","version":"latest"})
        );
        assert_eq!(
            wire("docx"),
            json!({"type":"anthropic","skill_id":"docx","version":"latest"})
        );
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        for bad in ["powerpoint", "skill_", "skill_../x", "", "xlsx\u{1b}[2J"] {
            let err = parse(bad).unwrap_err();
            assert!(
                err.contains("xlsx, pptx, docx, pdf") && !err.contains('\u{1b}'),
                "{err}"
            );
        }
    }

    #[test]
    fn repeats_collapse_and_too_many_are_refused() {
        assert_eq!(
            parse_all(&["pptx", "xlsx", "PPTX"]),
            Ok(vec!["pptx".to_string(), "xlsx".to_string()])
        );
        let many: Vec<String> = (0..21).map(|i| format!("skill_{i}")).collect();
        assert!(parse_all(&many).unwrap_err().contains("at most 20"));
    }
}
