//! Syntax highlighting of code for the code pane and markdown fences.
//!
//! Invariant: one output line per input line, with the text unchanged except tabs expanded to
//! four spaces, so callers can wrap, number or scroll lines without re-reading the source. Code
//! that is too big to highlight quickly (over 200 kB, or any line over 5,000 characters) or in
//! a language syntect does not know comes back as plain lines in the theme's text style: a slow
//! regex on a minified file must never stall the UI.
//!
//! The syntax and theme sets come from two-face (bat's definitions) and are loaded once. The
//! "ansi" theme encodes terminal palette colours in the alpha channel; they are decoded the way
//! bat does so highlighted code follows the user's terminal colours.

use crate::theme::Theme;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use std::sync::LazyLock;
use syntect::easy::HighlightLines;
use syntect::highlighting::{self, FontStyle};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;
use two_face::theme::{EmbeddedLazyThemeSet, EmbeddedThemeName};

/// Larger sources are shown plain.
const MAX_CODE_BYTES: usize = 200_000;
/// A source with a longer line (typically minified JSON or JS) is shown plain.
const MAX_LINE_CHARS: usize = 5_000;

const TAB: &str = "    ";

/// Fence languages models use that no syntax lists as a name or extension.
const ALIASES: [(&str, &str); 6] = [
    ("shell", "bash"),
    ("console", "bash"),
    ("shell-session", "bash"),
    ("jsonl", "json"),
    ("ndjson", "json"),
    ("ipython", "python"),
];

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);
static THEMES: LazyLock<EmbeddedLazyThemeSet> = LazyLock::new(two_face::theme::extra);

/// `code` highlighted as `language` (a name such as "python" or "bash", or a file extension
/// such as "py", "csv"); unknown languages come back as plain lines. Lines are not wrapped.
pub fn highlight_code(code: &str, language: &str, theme: &Theme) -> Vec<Line<'static>> {
    if code.len() > MAX_CODE_BYTES || code.lines().any(too_long) {
        return plain(code, theme);
    }
    let syntaxes = &*SYNTAXES;
    let language = language.trim();
    let token = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(language))
        .map_or(language, |(_, name)| name);
    let Some(syntax) = syntaxes.find_syntax_by_token(token) else {
        return plain(code, theme);
    };
    if syntax.name == syntaxes.find_syntax_plain_text().name {
        return plain(code, theme);
    }
    let mut highlighter = HighlightLines::new(syntax, syntax_theme(&theme.syntax));
    let mut lines = Vec::new();
    for line in LinesWithEndings::from(code) {
        let Ok(regions) = highlighter.highlight_line(line, syntaxes) else {
            return plain(code, theme);
        };
        let spans = regions
            .into_iter()
            .filter_map(|(style, text)| {
                let text = text.trim_end_matches(['\n', '\r']);
                (!text.is_empty()).then(|| Span::styled(expand_tabs(text), to_style(style, theme)))
            })
            .collect::<Vec<_>>();
        lines.push(Line::from(spans));
    }
    lines
}

fn too_long(line: &str) -> bool {
    line.len() > MAX_LINE_CHARS && line.chars().count() > MAX_LINE_CHARS
}

fn plain(code: &str, theme: &Theme) -> Vec<Line<'static>> {
    code.lines()
        .map(|line| Line::from(Span::styled(expand_tabs(line), theme.text)))
        .collect()
}

fn expand_tabs(text: &str) -> String {
    text.replace('\t', TAB)
}

/// The two-face theme called `name`; unknown names fall back to the terminal palette.
fn syntax_theme(name: &str) -> &'static highlighting::Theme {
    let embedded = EmbeddedLazyThemeSet::theme_names()
        .iter()
        .copied()
        .find(|theme| theme.as_name().eq_ignore_ascii_case(name))
        .unwrap_or(EmbeddedThemeName::Ansi);
    THEMES.get(embedded)
}

/// The token's colour and font style over the theme's text style. Token backgrounds are
/// ignored: a theme's background would paint blocks over the user's terminal background.
fn to_style(style: highlighting::Style, theme: &Theme) -> Style {
    let mut out = theme.text;
    if let Some(fg) = to_color(style.foreground) {
        out = out.fg(fg);
    }
    let font = style.font_style;
    for (syntect, modifier) in [
        (FontStyle::BOLD, Modifier::BOLD),
        (FontStyle::ITALIC, Modifier::ITALIC),
        (FontStyle::UNDERLINE, Modifier::UNDERLINED),
    ] {
        if font.contains(syntect) {
            out = out.add_modifier(modifier);
        }
    }
    out
}

/// bat's decoding: alpha 0 means "ANSI palette index `r`", alpha 1 means "the terminal's
/// default colour" (here: whatever the text style says), anything else is a true colour.
fn to_color(color: highlighting::Color) -> Option<Color> {
    match color.a {
        0 => Some(match color.r {
            0 => Color::Black,
            1 => Color::Red,
            2 => Color::Green,
            3 => Color::Yellow,
            4 => Color::Blue,
            5 => Color::Magenta,
            6 => Color::Cyan,
            7 => Color::Gray,
            n => Color::Indexed(n),
        }),
        1 => None,
        _ => Some(Color::Rgb(color.r, color.g, color.b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::wrap::line_text;

    fn themed(syntax: &str) -> Theme {
        Theme {
            syntax: syntax.to_string(),
            ..Theme::ansi()
        }
    }

    fn has_colour(lines: &[Line]) -> bool {
        lines
            .iter()
            .flat_map(|l| &l.spans)
            .any(|s| s.style.fg.is_some())
    }

    #[test]
    fn python_gets_true_colours_from_a_named_theme() {
        let code = "def f(x):\n    return x + 1  # add\n";
        let lines = highlight_code(code, "python", &themed("base16-ocean.dark"));
        assert_eq!(lines.len(), 2);
        assert_eq!(line_text(&lines[0]), "def f(x):");
        assert_eq!(line_text(&lines[1]), "    return x + 1  # add");
        let rgb = lines
            .iter()
            .flat_map(|l| &l.spans)
            .filter(|s| matches!(s.style.fg, Some(Color::Rgb(..))))
            .count();
        assert!(rgb >= 3, "{lines:?}");
    }

    #[test]
    fn ansi_theme_uses_palette_colours_only() {
        let lines = highlight_code("import os\nprint('hi')\n", "py", &themed("ansi"));
        assert!(has_colour(&lines));
        for span in lines.iter().flat_map(|l| &l.spans) {
            assert!(!matches!(span.style.fg, Some(Color::Rgb(..))), "{span:?}");
        }
    }

    #[test]
    fn names_and_extensions_find_syntaxes() {
        let theme = themed("Monokai Extended");
        for (lang, code) in [
            ("bash", "echo $HOME"),
            ("shell", "echo $HOME"),
            ("sh", "ls -la | grep x"),
            ("json", "{\"a\": 1}"),
            ("rust", "fn main() {}"),
            ("toml", "a = 1"),
            ("md", "# Title"),
            ("csv", "a,b\n1,2"),
        ] {
            assert!(has_colour(&highlight_code(code, lang, &theme)), "{lang}");
        }
    }

    #[test]
    fn unknown_language_and_plain_text_are_plain() {
        let theme = themed("base16-ocean.dark");
        for lang in ["no-such-language", "txt", ""] {
            let lines = highlight_code("a = 1\nb = 2", lang, &theme);
            assert_eq!(lines.len(), 2);
            assert!(!has_colour(&lines), "{lang}");
            assert!(lines.iter().all(|l| l.spans.len() == 1));
        }
    }

    #[test]
    fn unknown_theme_falls_back_to_ansi() {
        let lines = highlight_code("x = 1 # c", "python", &themed("no such theme"));
        assert!(has_colour(&lines));
        assert!(
            lines
                .iter()
                .flat_map(|l| &l.spans)
                .all(|s| !matches!(s.style.fg, Some(Color::Rgb(..))))
        );
    }

    #[test]
    fn size_guards_return_plain_lines() {
        let theme = themed("base16-ocean.dark");
        let long_line = format!("x = '{}'\ny = 2", "a".repeat(MAX_LINE_CHARS));
        let lines = highlight_code(&long_line, "python", &theme);
        assert_eq!(lines.len(), 2);
        assert!(!has_colour(&lines));

        let big = "x = 1\n".repeat(MAX_CODE_BYTES / 6 + 1);
        let lines = highlight_code(&big, "python", &theme);
        assert_eq!(lines.len(), MAX_CODE_BYTES / 6 + 1);
        assert!(!has_colour(&lines));
    }

    #[test]
    fn line_count_matches_input_and_tabs_expand() {
        let theme = themed("base16-ocean.dark");
        assert!(highlight_code("", "python", &theme).is_empty());
        let lines = highlight_code("if x:\n\tpass\n\n", "python", &theme);
        assert_eq!(lines.len(), 3);
        assert_eq!(line_text(&lines[1]), "    pass");
        assert_eq!(line_text(&lines[2]), "");
        let plain = highlight_code("a\tb\n", "nope", &theme);
        assert_eq!(plain.len(), 1);
        assert_eq!(line_text(&plain[0]), "a    b");
    }
}
