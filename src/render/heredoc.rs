//! Shell code with here-documents, highlighted by language: the most common shape of a code
//! run is bash feeding Python (or a file) through a heredoc, which a shell grammar colours
//! as one long string.
//!
//! Invariant: the output has exactly one line per input line, in order. A heredoc body is
//! highlighted in its own language only when the opening line says which (`python3 - <<'EOF'`,
//! `python <<EOF`, `cat > plot.py <<'EOF'`, `tee notes.md <<EOF`); any other heredoc, and a
//! body whose end never comes, stays shell.

use super::highlight::highlight_code;
use crate::theme::Theme;
use ratatui::text::Line;

/// `code` (bash) as lines, heredoc bodies in their own language.
pub fn highlight_shell(code: &str, theme: &Theme) -> Vec<Line<'static>> {
    segments(code)
        .into_iter()
        .flat_map(|(text, language)| highlight_code(&text, language, theme))
        .collect()
}

/// `code` cut into runs of whole lines, each with the language to highlight it as.
fn segments(code: &str) -> Vec<(String, &'static str)> {
    let lines: Vec<&str> = code.split_inclusive('\n').collect();
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut push = |text: &str, language: &'static str| match out.last_mut() {
        Some((last, lang)) if *lang == language => last.push_str(text),
        _ => out.push((text.to_string(), language)),
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        push(line, "bash");
        i += 1;
        let Some((delimiter, language)) = opening(line) else {
            continue;
        };
        let end = lines[i..]
            .iter()
            .position(|l| l.trim() == delimiter)
            .map(|at| i + at);
        if let Some(end) = end {
            let body: String = lines[i..end].concat();
            if !body.is_empty() {
                push(&body, language);
            }
            i = end;
        }
    }
    out
}

/// The delimiter and the body's language of a heredoc opened on `line`, when it says which.
fn opening(line: &str) -> Option<(String, &'static str)> {
    let at = line.find("<<")?;
    let rest = line[at + 2..].strip_prefix('-').unwrap_or(&line[at + 2..]);
    if rest.starts_with('<') {
        return None;
    }
    let rest = rest.trim_start().trim_start_matches(['\'', '"']);
    let delimiter: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if delimiter.is_empty() {
        return None;
    }
    let command = &line[..at];
    let words: Vec<&str> = command.split_whitespace().collect();
    let runs_python = words.iter().any(|w| {
        let name = w.rsplit('/').next().unwrap_or(w);
        name == "python" || name.starts_with("python3")
    });
    if runs_python {
        return Some((delimiter, "python"));
    }
    let target = words.iter().enumerate().find_map(|(k, w)| match *w {
        ">" | ">>" => words.get(k + 1).copied(),
        "tee" => words[k + 1..].iter().find(|x| !x.starts_with('-')).copied(),
        _ => w
            .strip_prefix(">>")
            .or_else(|| w.strip_prefix('>'))
            .filter(|t| !t.is_empty()),
    })?;
    let extension = target.rsplit_once('.')?.1;
    let language = match extension {
        "py" => "python",
        "sh" | "bash" => "bash",
        "json" => "json",
        "md" => "markdown",
        "sql" => "sql",
        "js" => "js",
        "r" | "R" => "r",
        "toml" => "toml",
        "yaml" | "yml" => "yaml",
        "html" => "html",
        _ => return None,
    };
    Some((delimiter, language))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_heredoc_is_its_own_segment() {
        let code = "python3 - <<'EOF'\nimport os\nprint(1)\nEOF\nls -la\n";
        assert_eq!(
            segments(code),
            vec![
                ("python3 - <<'EOF'\n".to_string(), "bash"),
                ("import os\nprint(1)\n".to_string(), "python"),
                ("EOF\nls -la\n".to_string(), "bash"),
            ]
        );
    }

    #[test]
    fn files_written_by_heredoc_take_their_extension() {
        for (line, language) in [
            ("cat > /tmp/plot.py <<'EOF'\n", Some("python")),
            ("cat >notes.md <<EOF\n", Some("markdown")),
            ("tee config.toml <<-END\n", Some("toml")),
            ("python <<EOF\n", Some("python")),
            ("/usr/bin/python3.11 - << \"PY\"\n", Some("python")),
            ("cat <<EOF\n", None),
            ("grep x <<< \"$var\"\n", None),
            ("cat > data.csv <<EOF\n", None),
        ] {
            assert_eq!(opening(line).map(|(_, l)| l), language, "{line}");
        }
    }

    #[test]
    fn the_body_is_coloured_as_python_not_as_a_shell_string() {
        let theme = Theme::ansi();
        let code = "python3 - <<'EOF'\nimport os\nEOF\n";
        let lines = highlight_shell(code, &theme);
        assert_eq!(lines[1], highlight_code("import os\n", "python", &theme)[0]);
        assert_ne!(lines[1], highlight_code(code, "bash", &theme)[1]);
    }

    #[test]
    fn every_line_comes_out_once_even_without_the_end() {
        let theme = Theme::ansi();
        for code in [
            "python3 - <<'EOF'\nimport os\nEOF\necho done",
            "python3 - <<'EOF'\nimport os\nprint(2)\n",
            "echo a\necho b\n",
            "",
        ] {
            assert_eq!(
                highlight_shell(code, &theme).len(),
                highlight_code(code, "bash", &theme).len(),
                "{code:?}"
            );
        }
    }
}
