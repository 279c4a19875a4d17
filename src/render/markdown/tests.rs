//! Behaviour of the markdown renderer, and its width invariant under random input.

use super::*;
use crate::render::wrap::line_text;
use proptest::prelude::*;
use ratatui::style::Color;

fn render(src: &str, width: u16) -> Vec<Line<'static>> {
    render_markdown(src, width, &Theme::ansi())
}

fn texts(lines: &[Line]) -> Vec<String> {
    lines.iter().map(line_text).collect()
}

fn span_with<'a>(lines: &'a [Line<'static>], text: &str) -> &'a Span<'static> {
    lines
        .iter()
        .flat_map(|l| &l.spans)
        .find(|s| s.content.contains(text))
        .unwrap_or_else(|| panic!("no span with {text:?} in {lines:?}"))
}

#[test]
fn paragraphs_are_separated_by_one_blank_line_and_soft_breaks_are_spaces() {
    let lines = render("first\nline\n\n\n\nsecond  \nthird", 40);
    assert_eq!(texts(&lines), ["first line", "", "second", "third"]);
}

#[test]
fn headings_are_bold_and_h1_underlined() {
    let lines = render("# Title\n\n## Sub\n\ntext", 40);
    assert_eq!(texts(&lines), ["Title", "", "Sub", "", "text"]);
    let title = span_with(&lines, "Title").style;
    assert!(
        title
            .add_modifier
            .contains(Modifier::BOLD | Modifier::UNDERLINED)
    );
    let sub = span_with(&lines, "Sub").style;
    assert!(sub.add_modifier.contains(Modifier::BOLD));
    assert!(!sub.add_modifier.contains(Modifier::UNDERLINED));
    assert_eq!(sub.fg, Theme::ansi().accent.fg);
}

#[test]
fn inline_styles_and_code_without_backticks() {
    let lines = render("*it* **bold** ~~gone~~ `x = 1`", 40);
    assert_eq!(texts(&lines), ["it bold gone x = 1"]);
    assert!(
        span_with(&lines, "it")
            .style
            .add_modifier
            .contains(Modifier::ITALIC)
    );
    assert!(
        span_with(&lines, "bold")
            .style
            .add_modifier
            .contains(Modifier::BOLD)
    );
    let gone = span_with(&lines, "gone").style;
    assert!(gone.add_modifier.contains(Modifier::CROSSED_OUT));
    assert_eq!(span_with(&lines, "x = 1").style.fg, Some(Color::Cyan));
}

#[test]
fn bullets_nest_by_two_columns_and_ordered_lists_count() {
    let lines = render("- a\n  - b\n    - c\n- d\n\n3. three\n4. four", 40);
    assert_eq!(
        texts(&lines),
        ["• a", "  • b", "    • c", "• d", "", "3. three", "4. four"]
    );
}

#[test]
fn list_items_wrap_under_their_text() {
    let lines = render("- one two three four five six", 14);
    assert_eq!(texts(&lines), ["• one two", "  three four", "  five six"]);
}

#[test]
fn quotes_have_a_muted_bar_and_rules_span_the_width() {
    let lines = render("> quoted\n>\n> more\n\n---\n", 20);
    assert_eq!(
        texts(&lines),
        ["▌ quoted", "▌", "▌ more", "", &"─".repeat(20)]
    );
    assert_eq!(span_with(&lines, "quoted").style.fg, Some(Color::DarkGray));
}

#[test]
fn links_show_their_url_unless_it_is_the_text() {
    let lines = render("see [docs](https://x.io/d) and <https://y.io>", 60);
    assert_eq!(
        texts(&lines),
        ["see docs (https://x.io/d) and https://y.io"]
    );
    let docs = span_with(&lines, "docs").style;
    assert!(docs.add_modifier.contains(Modifier::UNDERLINED));
    assert_eq!(
        span_with(&lines, "(https://x.io/d)").style.fg,
        Some(Color::DarkGray)
    );
}

#[test]
fn a_long_word_breaks_to_fit() {
    let word = "x".repeat(45);
    let lines = render(&format!("a {word}"), 20);
    assert!(lines.iter().all(|l| l.width() <= 20), "{lines:?}");
    assert_eq!(texts(&lines).concat(), format!("a {word}"));
}

#[test]
fn python_fences_are_highlighted_and_indented() {
    let theme = Theme {
        syntax: "base16-ocean.dark".to_string(),
        ..Theme::ansi()
    };
    let lines = render_markdown("```python\ndef f():\n    return 1\n```", 40, &theme);
    assert_eq!(texts(&lines), ["  def f():", "      return 1"]);
    let coloured = lines.iter().flat_map(|l| &l.spans);
    assert!(
        coloured
            .filter(|s| matches!(s.style.fg, Some(Color::Rgb(..))))
            .count()
            >= 2
    );
}

#[test]
fn unknown_fence_languages_are_plain_and_long_code_lines_are_cut() {
    let lines = render("```nosuchlang\nlet x = 1;\n```", 40);
    assert_eq!(texts(&lines), ["  let x = 1;"]);
    assert!(lines[0].spans.iter().all(|s| s.style.fg.is_none()));
    let long = format!("```\n{}\n```", "y".repeat(50));
    let lines = render(&long, 20);
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l.width() <= 20 && line_text(l).starts_with("  "))
    );
}

#[test]
fn tables_align_their_columns() {
    let src = "| name | n |\n|------|--:|\n| alpha | 1 |\n| b | 200 |\n";
    let lines = render(src, 40);
    assert_eq!(
        texts(&lines),
        ["name  │   n", "──────┼────", "alpha │   1", "b     │ 200"]
    );
    assert!(
        span_with(&lines, "name")
            .style
            .add_modifier
            .contains(Modifier::BOLD)
    );
}

#[test]
fn wide_tables_shrink_the_widest_column_and_cut_cells() {
    let src = "| id | description |\n|---|---|\n| 1 | a very long description here |\n";
    let lines = render(src, 20);
    let widths: Vec<usize> = lines.iter().map(Line::width).collect();
    assert!(
        widths.iter().all(|w| *w == widths[0] && *w <= 20),
        "{lines:?}"
    );
    assert!(line_text(&lines[2]).starts_with("1  │ a very"));
    assert!(line_text(&lines[2]).ends_with('…'));
}

#[test]
fn raw_html_is_shown_as_text() {
    let lines = render("<div>\nhi\n</div>\n\ntext <b>x</b>", 40);
    assert_eq!(
        texts(&lines),
        ["<div>", "hi", "</div>", "", "text <b>x</b>"]
    );
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,12}",
        "[a-z]{20,70}",
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("# ".to_string()),
        Just("### ".to_string()),
        Just("- ".to_string()),
        Just("    - ".to_string()),
        Just("12. ".to_string()),
        Just("> ".to_string()),
        Just("**".to_string()),
        Just("*".to_string()),
        Just("~~".to_string()),
        Just("`".to_string()),
        Just("\n```python\nx = 1\t# c\n".to_string()),
        Just("\n```\n".to_string()),
        Just("[l](https://example.com/a/long/path/segment)".to_string()),
        Just("\n| a | bbbbbbbbbbbbbbbbbbbb | c |\n|---|:-:|--:|\n| 1 | 2 | 3 |\n".to_string()),
        Just("表表表".to_string()),
        Just("☺\u{FE0F}".to_string()),
        Just("<b>".to_string()),
        Just("\n---\n".to_string()),
        Just("\t".to_string()),
        Just("  \n".to_string()),
    ]
}

proptest! {
    #[test]
    fn every_line_fits_the_width(
        parts in prop::collection::vec(fragment(), 0..60),
        width in 10u16..120,
    ) {
        let src = parts.concat();
        for line in render(&src, width) {
            prop_assert!(line.width() <= usize::from(width), "{line:?} wider than {width}");
        }
    }
}
