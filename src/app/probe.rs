//! Looking at the local disk for the attach prompt: checking a path, completing one, and
//! recognising a pasted (or dragged) file path.
//!
//! Invariant: these run on the blocking pool, never on the UI task, and answer with the exact
//! input they were asked about so the reducer can drop answers to edited input.

use crate::api::files::check_upload_path;
use std::path::{Path, PathBuf};

/// `~` and `~/…` expanded to the home directory.
pub fn expand_home(input: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match (input.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(input),
    }
}

/// A path as terminals write a dragged file (quoted, as a `file://` URL, or with
/// backslash-escaped spaces and other characters), as the plain path it names.
pub fn unquote(text: &str) -> String {
    let t = text.trim();
    for quote in ['\'', '"'] {
        if let Some(inner) = t.strip_prefix(quote).and_then(|s| s.strip_suffix(quote)) {
            return inner.strip_prefix("file://").unwrap_or(inner).to_string();
        }
    }
    let t = t.strip_prefix("file://").unwrap_or(t);
    let mut plain = String::with_capacity(t.len());
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        let escaped = if c == '\\' { chars.next() } else { None };
        plain.push(escaped.unwrap_or(c));
    }
    plain
}

/// The path to upload and its size, or why it cannot be attached.
pub fn check(input: &str) -> Result<(PathBuf, u64), String> {
    let path = expand_home(&unquote(input));
    let size = check_upload_path(&path).map_err(|e| e.to_string())?;
    Ok((std::fs::canonicalize(&path).unwrap_or(path), size))
}

/// Entries that complete `input`, written as the user would continue typing them
/// (directories end with `/`), sorted; hidden entries only when the prefix starts with `.`.
pub fn complete(input: &str) -> Vec<String> {
    let (typed_dir, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if typed_dir.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(typed_dir)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.path().is_dir();
            Some(format!(
                "{typed_dir}{name}{}",
                if is_dir { "/" } else { "" }
            ))
        })
        .collect();
    out.sort();
    out
}

/// The existing file a pasted text names, if it names one: a plain or `~` path, a
/// `file://` URL, quoted, or with backslash-escaped spaces (as terminals paste dragged files).
pub fn pasted_file(text: &str) -> Option<PathBuf> {
    let t = unquote(text);
    if t.is_empty() || !(t.starts_with('/') || t.starts_with('~') || t.starts_with('.')) {
        return None;
    }
    let path = expand_home(&t);
    Path::new(&path).is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_lists_matches_with_directories_marked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sales.csv"), "a").unwrap();
        std::fs::write(dir.path().join("sales.json"), "a").unwrap();
        std::fs::create_dir(dir.path().join("samples")).unwrap();
        std::fs::write(dir.path().join(".secret"), "a").unwrap();
        let base = format!("{}/", dir.path().display());
        assert_eq!(
            complete(&format!("{base}sa")),
            vec![
                format!("{base}sales.csv"),
                format!("{base}sales.json"),
                format!("{base}samples/")
            ]
        );
        assert!(complete(&base).iter().all(|c| !c.contains(".secret")));
        assert_eq!(
            complete(&format!("{base}.s")),
            vec![format!("{base}.secret")]
        );
        assert!(complete("/no/such/dir/x").is_empty());
    }

    #[test]
    fn check_refuses_directories_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.csv");
        std::fs::write(&file, "a,b\n").unwrap();
        assert_eq!(check(&file.display().to_string()).unwrap().1, 4);
        assert!(check(&dir.path().display().to_string()).is_err());
        assert!(check("/no/such/file.csv").is_err());
    }

    #[test]
    fn the_attach_prompt_takes_quoted_and_escaped_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a b (1).csv");
        std::fs::write(&file, "a,b\n").unwrap();
        let plain = file.display().to_string();
        let escaped = plain
            .replace(' ', "\\ ")
            .replace('(', "\\(")
            .replace(')', "\\)");
        for typed in [
            format!("'{plain}'"),
            format!("\"{plain}\""),
            escaped,
            format!("file://{plain}"),
        ] {
            assert_eq!(check(&typed).map(|(_, size)| size), Ok(4), "{typed}");
        }
    }

    #[test]
    fn pasted_paths_are_recognised_in_the_forms_terminals_paste() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("my data.csv");
        std::fs::write(&file, "a").unwrap();
        let plain = file.display().to_string();
        assert_eq!(pasted_file(&plain), Some(file.clone()));
        assert_eq!(pasted_file(&format!("'{plain}'")), Some(file.clone()));
        assert_eq!(pasted_file(&plain.replace(' ', "\\ ")), Some(file.clone()));
        assert_eq!(pasted_file(&format!("file://{plain}")), Some(file));
        assert_eq!(pasted_file("what drives churn?"), None);
        assert_eq!(pasted_file("/no/such/file"), None);
    }
}
