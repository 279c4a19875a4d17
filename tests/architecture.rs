//! The import rules between clab's parts, read from the source so they cannot rot.
//!
//! Every `crate::…` path in a file under src/ (including grouped `use crate::{a, b::c}` and
//! tests) names the module it reaches; each rule forbids a part some modules. The pure parts (`domain`, `text_safety`) may import nothing
//! of clab but themselves.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Modules that run the program for a user: the command line, `-p`, the subcommands and the
/// workbench's start.
const FACES: &[&str] = &["main", "faces"];
const SCREEN: &[&str] = &["ui", "render", "theme"];
const TERMINAL: &[&str] = &["tui"];

struct Rule {
    parts: &'static [&'static str],
    forbidden: Vec<&'static str>,
    why: &'static str,
}

fn rules() -> Vec<Rule> {
    let cat = |lists: &[&[&'static str]]| lists.concat();
    vec![
        Rule {
            parts: &["model"],
            forbidden: cat(&[&["session", "app", "api", "turn"], FACES, SCREEN, TERMINAL]),
            why: "the model is a pure reducer: no store, network, face, screen or terminal",
        },
        Rule {
            parts: &["session", "api"],
            forbidden: cat(&[&["model", "app", "turn"], SCREEN, TERMINAL, FACES]),
            why: "the store and the network client know nothing of the model or the screen",
        },
        Rule {
            parts: &["turn"],
            forbidden: cat(&[&["model", "app"], SCREEN, TERMINAL, FACES]),
            why: "the turn engine is shared by every face and knows none of them",
        },
        Rule {
            parts: &["ui", "render"],
            forbidden: vec!["api", "session", "app", "turn"],
            why: "drawing reads the model, never the network or the store",
        },
        Rule {
            parts: &["app"],
            forbidden: FACES.to_vec(),
            why: "the workbench's loop imports no face",
        },
    ]
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/model/x.rs` is `model`, `src/cli.rs` is `cli`.
fn part_of(relative: &Path) -> String {
    let mut parts = relative.iter().skip(1);
    let first = parts.next().unwrap().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Every module path a file reaches through `crate::`, as its first two segments
/// (`api::client`, `domain`, …), grouped imports expanded.
fn imports(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for path in expand("", &group[..end]) {
                found.insert(two_segments(&path));
            }
        } else {
            found.insert(two_segments(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

/// The paths a `use` group names, nested groups included: `a::{b, c::{d}}` gives `a::b`,
/// `a::c::d`.
fn expand(prefix: &str, group: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for item in split_top_level(group) {
        let item = item.trim();
        let full = if prefix.is_empty() {
            item.to_string()
        } else if item == "self" {
            prefix.to_string()
        } else {
            format!("{prefix}::{item}")
        };
        match full.find("::{") {
            Some(at) => {
                let inner = &full[at + 3..];
                let end = matching_brace(inner);
                paths.extend(expand(&full[..at], &inner[..end]));
            }
            None => paths.push(full),
        }
    }
    paths
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(text: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

fn two_segments(path: &str) -> String {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let first = ident(path);
    let after = &path[first.len()..];
    match after.strip_prefix("::") {
        Some(next) if next.starts_with(|c: char| c.is_lowercase()) => {
            format!("{first}::{}", ident(next))
        }
        _ => first,
    }
}

fn breaks(import: &str, forbidden: &str) -> bool {
    import == forbidden || import.starts_with(&format!("{forbidden}::"))
}

#[test]
fn the_import_rules_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut broken = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root).unwrap();
        let name = relative.to_string_lossy().replace('\\', "/");
        let part = part_of(relative);
        let found = imports(&std::fs::read_to_string(file).unwrap());
        if part == "domain" || part == "text_safety" {
            for import in found.iter().filter(|i| !breaks(i, &part)) {
                broken.push(format!("{name} imports crate::{import}: {part} is a leaf"));
            }
            continue;
        }
        for rule in rules().iter().filter(|r| r.parts.contains(&part.as_str())) {
            for import in &found {
                if !rule.forbidden.iter().any(|f| breaks(import, f)) {
                    continue;
                }
                broken.push(format!("{name} imports crate::{import}: {}", rule.why));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_inline_imports() {
    let found = imports(
        "use crate::{api::client::Client, domain::{session::Role, usage}};\n\
         use crate::{model::{self, state::Model}};\n\
         // crate::ui::ignored in a comment\n\
         fn f() { crate::session::store::Store::open(p); notcrate::x::y(); }",
    );
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(
        found,
        [
            "api::client",
            "domain::session",
            "domain::usage",
            "model",
            "model::state",
            "session::store"
        ]
    );
}
