//! Assistant markdown to styled, wrapped terminal lines.
//!
//! Invariant: every returned line is at most `width` columns wide (for `width >= 10`), so the
//! conversation pane can count rows for scrolling without ratatui re-wrapping anything. Prose is
//! word-wrapped by [`wrap`], code is cut between characters, tables are narrowed, and container
//! prefixes (quote bars, list indentation) never take more than half the width.
//!
//! The renderer is a single pass over pulldown-cmark events: inline text collects into styled
//! spans until its block ends, then is wrapped once, so rendering stays linear in the input.
//! Input is expected to be sanitized already; markup the renderer does not know is shown as
//! text rather than dropped.

mod table;
#[cfg(test)]
mod tests;

use crate::render::highlight::highlight_code;
use crate::render::wrap;
use crate::theme::Theme;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use table::Table;

const BULLET: &str = "• ";
const QUOTE_BAR: &str = "▌ ";
const CODE_INDENT: &str = "  ";

/// `src` rendered for a pane `width` columns wide. Every line fits `width`.
pub fn render_markdown(src: &str, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut renderer = Renderer {
        theme,
        width: usize::from(width.max(1)),
        lines: Vec::new(),
        inline: Vec::new(),
        styles: Vec::new(),
        containers: Vec::new(),
        links: Vec::new(),
        code: None,
        table: None,
        gap: false,
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(src, options) {
        renderer.event(event);
    }
    renderer.flush_inline();
    renderer.lines
}

/// A block that prefixes each of its lines.
enum Container {
    Quote,
    /// `next` is the number of the next item of an ordered list.
    List {
        next: Option<u64>,
    },
    /// `marker` is shown on the item's first line, `indent` spaces on the others.
    Item {
        marker: Option<String>,
        indent: usize,
    },
}

struct Renderer<'t> {
    theme: &'t Theme,
    width: usize,
    lines: Vec<Line<'static>>,
    /// Inline text of the current block, not yet wrapped.
    inline: Vec<Span<'static>>,
    /// Styles of the open tags, innermost last; empty means `theme.assistant`.
    styles: Vec<Style>,
    containers: Vec<Container>,
    /// Destination of each open link or image, and where its text starts in `inline`.
    links: Vec<(String, usize)>,
    /// Language and text of the open code block.
    code: Option<(String, String)>,
    table: Option<Table>,
    /// A blank line is owed before the next line: the previous block ended.
    gap: bool,
}

impl Renderer<'_> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match &mut self.code {
                Some((_, code)) => code.push_str(&text),
                None => self.text(text.into_string(), self.style()),
            },
            Event::Code(text) => {
                let style = self.style().patch(self.theme.accent);
                self.text(text.into_string(), style);
            }
            Event::InlineMath(text)
            | Event::DisplayMath(text)
            | Event::Html(text)
            | Event::InlineHtml(text) => self.text(text.into_string(), self.style()),
            Event::FootnoteReference(label) => self.text(format!("[^{label}]"), self.style()),
            Event::SoftBreak => self.text(" ".to_string(), self.style()),
            Event::HardBreak => self.text("\n".to_string(), self.style()),
            Event::TaskListMarker(done) => {
                let marker = if done { "[x] " } else { "[ ] " };
                self.text(marker.to_string(), self.style());
            }
            Event::Rule => {
                self.flush_inline();
                let rule = "─".repeat(self.content_width());
                self.emit(vec![Span::styled(rule, self.theme.muted)]);
                self.gap = true;
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush_inline();
                let mut style = self.theme.accent.add_modifier(Modifier::BOLD);
                style = match level {
                    HeadingLevel::H1 => style.add_modifier(Modifier::UNDERLINED),
                    HeadingLevel::H2 => style,
                    _ => style.add_modifier(Modifier::ITALIC),
                };
                self.push_style(style);
            }
            Tag::BlockQuote(_) => {
                self.flush_inline();
                self.pay_gap();
                self.containers.push(Container::Quote);
                self.push_style(self.theme.muted);
            }
            Tag::CodeBlock(kind) => {
                self.flush_inline();
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .trim_start_matches(['{', '.'])
                        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '}'))
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((language, String::new()));
            }
            Tag::List(first) => {
                self.flush_inline();
                self.containers.push(Container::List { next: first });
            }
            Tag::Item => {
                self.flush_inline();
                let marker = match self.containers.last_mut() {
                    Some(Container::List { next: Some(next) }) => {
                        let number = *next;
                        *next = number.saturating_add(1);
                        format!("{number}. ")
                    }
                    _ => BULLET.to_string(),
                };
                let indent = wrap::width(&[Span::raw(marker.as_str())]);
                self.containers.push(Container::Item {
                    marker: Some(marker),
                    indent,
                });
            }
            Tag::Table(alignments) => {
                self.flush_inline();
                self.table = Some(Table {
                    alignments,
                    ..Table::default()
                });
            }
            Tag::TableHead => self.push_style(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Emphasis => self.push_style(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.push_style(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.links.push((dest_url.into_string(), self.inline.len()));
                self.push_style(Style::new().add_modifier(Modifier::UNDERLINED));
            }
            Tag::Image { dest_url, .. } => {
                self.links.push((dest_url.into_string(), self.inline.len()));
                self.push_style(Style::new().add_modifier(Modifier::ITALIC));
            }
            Tag::Superscript | Tag::Subscript => self.push_style(Style::new()),
            Tag::Paragraph
            | Tag::HtmlBlock
            | Tag::TableRow
            | Tag::TableCell
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => self.flush_inline(),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) | TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.styles.pop();
                if matches!(tag, TagEnd::BlockQuote(_)) {
                    self.containers.pop();
                }
                self.gap = true;
            }
            TagEnd::CodeBlock => {
                if let Some((language, code)) = self.code.take() {
                    let width = self.content_width().saturating_sub(CODE_INDENT.len());
                    for line in highlight_code(&code, &language, self.theme) {
                        for piece in wrap::hard_wrap(&line.spans, width) {
                            let mut spans = vec![Span::raw(CODE_INDENT)];
                            spans.extend(piece);
                            self.emit(spans);
                        }
                    }
                }
                self.gap = true;
            }
            TagEnd::List(_) => {
                self.flush_inline();
                self.containers.pop();
                let nested = self
                    .containers
                    .iter()
                    .any(|c| matches!(c, Container::Item { .. }));
                self.gap |= !nested;
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Container::Item {
                    marker: Some(_), ..
                }) = self.containers.last()
                {
                    self.emit(Vec::new());
                }
                self.containers.pop();
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                    if tag == TagEnd::TableHead {
                        table.header_rows = table.rows.len();
                    }
                }
                if tag == TagEnd::TableHead {
                    self.styles.pop();
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(table) = &mut self.table {
                    table.row.push(cell);
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    for line in table.lines(self.content_width(), self.theme.muted) {
                        self.emit(line);
                    }
                }
                self.gap = true;
            }
            TagEnd::Link | TagEnd::Image => {
                self.styles.pop();
                if let Some((url, start)) = self.links.pop() {
                    self.link_target(url, start, tag == TagEnd::Image);
                }
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {
                self.styles.pop();
            }
            TagEnd::Paragraph
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {
                self.flush_inline();
                self.gap = true;
            }
        }
    }

    /// After a link's text: its URL in muted style, unless the text already is the URL.
    fn link_target(&mut self, url: String, start: usize, image: bool) {
        let text: String = self
            .inline
            .get(start..)
            .unwrap_or_default()
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        if image && text.is_empty() {
            self.text("[image]".to_string(), self.style());
        }
        if !url.is_empty() && text != url {
            self.text(format!(" ({url})"), self.style().patch(self.theme.muted));
        }
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or(self.theme.assistant)
    }

    fn push_style(&mut self, style: Style) {
        self.styles.push(self.style().patch(style));
    }

    fn text(&mut self, text: String, style: Style) {
        self.inline.push(Span::styled(text, style));
    }

    /// Wraps the pending inline text into lines, without the trailing newlines of raw HTML.
    fn flush_inline(&mut self) {
        while let Some(last) = self.inline.last_mut() {
            let kept = last.content.trim_end_matches('\n').len();
            if kept == 0 {
                self.inline.pop();
            } else {
                if kept < last.content.len() {
                    last.content.to_mut().truncate(kept);
                }
                break;
            }
        }
        if self.inline.is_empty() {
            return;
        }
        let inline = std::mem::take(&mut self.inline);
        for line in wrap::wrap(&inline, self.content_width()) {
            self.emit(line);
        }
    }

    /// Columns left for content after the container prefixes.
    fn content_width(&self) -> usize {
        let prefix: usize = self
            .containers
            .iter()
            .map(|c| match c {
                Container::Quote => wrap::width(&[Span::raw(QUOTE_BAR)]),
                Container::List { .. } => 0,
                Container::Item { indent, .. } => *indent,
            })
            .sum();
        (self.width - prefix.min(self.width / 2)).max(1)
    }

    /// The container prefixes for the next line, showing pending list markers when `markers`.
    /// Outer prefixes are dropped while they exceed half the width, so content keeps room.
    fn prefix(&mut self, markers: bool) -> Vec<Span<'static>> {
        let mut spans: Vec<Span<'static>> = Vec::new();
        for container in &mut self.containers {
            match container {
                Container::Quote => spans.push(Span::styled(QUOTE_BAR, self.theme.muted)),
                Container::List { .. } => {}
                Container::Item { marker, indent } => match marker.take_if(|_| markers) {
                    Some(marker) => spans.push(Span::styled(marker, self.theme.accent)),
                    None => spans.push(Span::raw(" ".repeat(*indent))),
                },
            }
        }
        let cap = self.width / 2;
        let mut width = wrap::width(&spans);
        while width > cap && spans.len() > 1 {
            width -= wrap::width(&spans[..1]);
            spans.remove(0);
        }
        if width > cap {
            spans = wrap::truncate(&spans, cap);
        }
        spans
    }

    /// Emits the blank line owed between blocks, keeping the bars of enclosing quotes.
    fn pay_gap(&mut self) {
        if !std::mem::take(&mut self.gap) || self.lines.is_empty() {
            return;
        }
        let line = if self
            .containers
            .iter()
            .any(|c| matches!(c, Container::Quote))
        {
            let mut spans = self.prefix(false);
            while spans.last().is_some_and(|s| s.content.trim().is_empty()) {
                spans.pop();
            }
            if let Some(last) = spans.last_mut() {
                let kept = last.content.trim_end().len();
                last.content.to_mut().truncate(kept);
            }
            Line::from(spans)
        } else {
            Line::default()
        };
        self.lines.push(line);
    }

    fn emit(&mut self, content: Vec<Span<'static>>) {
        self.pay_gap();
        let mut spans = self.prefix(true);
        spans.extend(content);
        self.lines.push(Line::from(spans));
    }
}
