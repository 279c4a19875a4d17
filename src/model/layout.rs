//! Where each pane sits for a terminal size: one pure function shared by the renderer and by
//! the reducer (to route mouse wheel events to the pane under the pointer).
//!
//! Invariant: panes never overlap and together with the composer and the status bar they fill
//! the screen; wide terminals put code and files beside the conversation, narrow ones below.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub conversation: Rect,
    pub code: Rect,
    pub files: Rect,
    pub composer: Rect,
    pub status: Rect,
}

pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// The panes for a screen of `area`, with a composer showing `composer_lines` lines of text;
/// while a preview is open the files pane takes most of the side, to show it.
pub fn areas(area: Rect, composer_lines: usize, previewing: bool) -> Areas {
    let composer_height = (composer_lines.clamp(1, 6) as u16) + 2;
    let [main, composer, status] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(composer_height),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = area.width >= 120;
    let (conversation, side) = if wide {
        let [c, s] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .areas(main);
        (c, s)
    } else {
        let conversation = if previewing { 35 } else { 55 };
        let [c, s] = Layout::vertical([
            Constraint::Percentage(conversation),
            Constraint::Percentage(100 - conversation),
        ])
        .areas(main);
        (c, s)
    };
    let direction = if wide {
        Direction::Vertical
    } else {
        Direction::Horizontal
    };
    let [code, files] = Layout::default()
        .direction(direction)
        .constraints(if previewing {
            [Constraint::Percentage(30), Constraint::Percentage(70)]
        } else {
            [Constraint::Percentage(60), Constraint::Percentage(40)]
        })
        .areas(side);
    Areas {
        conversation,
        code,
        files,
        composer,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_screen_without_overlap() {
        for (w, h) in [(60, 15), (80, 24), (120, 40), (160, 48), (250, 70)] {
            let a = areas(Rect::new(0, 0, w, h), 3, w % 2 == 0);
            let panes = [a.conversation, a.code, a.files, a.composer, a.status];
            let total: u32 = panes.iter().map(|r| r.area()).sum();
            assert_eq!(total, w as u32 * h as u32, "{w}x{h}");
            for (i, p) in panes.iter().enumerate() {
                for q in &panes[i + 1..] {
                    assert!(!p.intersects(*q), "{w}x{h}: {p:?} overlaps {q:?}");
                }
            }
        }
    }

    #[test]
    fn wide_screens_put_code_beside_the_conversation() {
        let a = areas(Rect::new(0, 0, 160, 48), 1, false);
        assert!(a.code.x > a.conversation.x);
        let a = areas(Rect::new(0, 0, 80, 24), 1, false);
        assert!(a.code.y > a.conversation.y);
    }

    #[test]
    fn a_preview_gives_the_files_pane_most_of_the_side() {
        for (w, h) in [(160, 48), (80, 24)] {
            let plain = areas(Rect::new(0, 0, w, h), 1, false);
            let previewing = areas(Rect::new(0, 0, w, h), 1, true);
            assert!(
                previewing.files.area() * 3 > plain.files.area() * 5,
                "{w}x{h}"
            );
            assert!(previewing.files.area() > previewing.code.area());
            assert!(previewing.conversation.area() <= plain.conversation.area());
        }
    }
}
