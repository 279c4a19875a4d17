//! Opening, following and closing the preview in the files pane.
//!
//! Invariant: one preview at a time, keyed by file id; results for another key are dropped
//! (latest wins), so pressing `p` on several files quickly shows the last one. A preview is
//! always built from a local copy: a generated file without one, or whose copy has gone from
//! disk (a resumed session), is downloaded first and previewed when the download lands.

use super::conversation::count_uses;
use super::state::{FileEntry, FileState, Focus, Model, PreviewContent, PreviewPane};
use crate::domain::execution::{Execution, executions};
use crate::domain::session::FileOrigin;
use crate::model::effect::Effect;
use crate::model::event::PreviewFailure;
use crate::preview::{Preview, is_image_name};
use std::path::PathBuf;
use std::sync::Arc;

impl Model {
    /// `p` in the files pane: preview the selected file, or close its preview.
    pub fn toggle_preview_selected(&mut self) -> Vec<Effect> {
        let Some(entry) = self.files.get(self.files_selected) else {
            return Vec::new();
        };
        let key = entry.preview_key();
        if self.preview.as_ref().is_some_and(|p| p.key == key) {
            return self.close_preview();
        }
        self.open_preview(self.files_selected)
    }

    pub fn close_preview(&mut self) -> Vec<Effect> {
        self.preview = None;
        vec![Effect::Redraw]
    }

    /// Enter on a code run (in the conversation or the code pane): preview the first picture
    /// the selected run wrote, if it wrote one.
    pub fn preview_run_output(&mut self) -> Option<Vec<Effect>> {
        let outputs = self.selected_run_outputs();
        let index = self.files.iter().position(|f| {
            f.id.as_ref().is_some_and(|id| outputs.contains(id)) && is_image_name(&f.name)
        })?;
        self.files_selected = index;
        Some(self.open_preview(index))
    }

    fn open_preview(&mut self, index: usize) -> Vec<Effect> {
        let entry = &self.files[index];
        let key = entry.preview_key();
        let name = entry.name.clone();
        let (content, effects) = match (&entry.state, &entry.local_path) {
            (FileState::Downloading { .. }, _) => (PreviewContent::Downloading, Vec::new()),
            (FileState::Deleted | FileState::Deleting, None) => {
                let why = "deleted from the Files API before it was downloaded".to_string();
                (PreviewContent::Failed(why), Vec::new())
            }
            (_, Some(path)) => (
                PreviewContent::Building,
                vec![Effect::Preview {
                    key: key.clone(),
                    path: path.clone(),
                }],
            ),
            (_, None) => self.fetch_for_preview(
                index,
                "no local copy, and uploaded files cannot be downloaded from the API",
            ),
        };
        self.preview = Some(PreviewPane {
            key,
            name,
            content,
            scroll: 0,
            column: 0,
            sheet: 0,
        });
        let mut effects = effects;
        effects.push(Effect::Redraw);
        effects
    }

    /// Downloads a generated file so it can be previewed; for another, the preview fails
    /// saying `why_not`.
    fn fetch_for_preview(&mut self, index: usize, why_not: &str) -> (PreviewContent, Vec<Effect>) {
        let entry = &self.files[index];
        match (&entry.id, entry.origin) {
            (Some(id), FileOrigin::Generated) => {
                let effect = self.begin_download(id.clone());
                (PreviewContent::Downloading, vec![effect])
            }
            _ => (PreviewContent::Failed(why_not.into()), Vec::new()),
        }
    }

    pub fn previewed(
        &mut self,
        key: &str,
        result: Result<Arc<Preview>, PreviewFailure>,
    ) -> Vec<Effect> {
        let Some(pane) = self.preview.as_mut().filter(|p| p.key == key) else {
            return Vec::new();
        };
        pane.content = match result {
            Ok(preview) => PreviewContent::Ready(preview),
            Err(PreviewFailure::Failed(why)) => PreviewContent::Failed(why),
            Err(PreviewFailure::Missing) => {
                let Some(index) = self.files.iter().position(|f| f.preview_key() == key) else {
                    return Vec::new();
                };
                let entry = &mut self.files[index];
                entry.local_path = None;
                if entry.origin == FileOrigin::Generated {
                    entry.state = FileState::Ready;
                }
                let (content, mut effects) = self.fetch_for_preview(
                    index,
                    "the local copy is gone, and uploaded files cannot be downloaded",
                );
                if let Some(pane) = &mut self.preview {
                    pane.content = content;
                }
                effects.push(Effect::Redraw);
                return effects;
            }
        };
        vec![Effect::Redraw]
    }

    /// A download finished (or failed): a preview waiting for it goes on; a picture downloaded
    /// from the files pane opens in the preview at once.
    pub(super) fn preview_after_download(
        &mut self,
        file_id: &str,
        saved: Result<&PathBuf, &str>,
    ) -> Vec<Effect> {
        let waiting = self
            .preview
            .as_ref()
            .is_some_and(|p| p.key == file_id && p.content == PreviewContent::Downloading);
        match saved {
            Ok(path) if waiting => {
                if let Some(pane) = &mut self.preview {
                    pane.content = PreviewContent::Building;
                }
                vec![Effect::Preview {
                    key: file_id.to_string(),
                    path: path.clone(),
                }]
            }
            Ok(_) if self.focus == Focus::Files => {
                match self
                    .files
                    .iter()
                    .position(|f| f.id.as_deref() == Some(file_id) && is_image_name(&f.name))
                {
                    Some(index) if self.preview.is_none() => self.open_preview(index),
                    _ => Vec::new(),
                }
            }
            Err(why) if waiting => {
                if let Some(pane) = &mut self.preview {
                    pane.content = PreviewContent::Failed(format!("download failed: {why}"));
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Scrolls a table preview sideways by `delta` columns.
    pub fn scroll_preview_columns(&mut self, delta: isize) -> Vec<Effect> {
        let Some(pane) = &mut self.preview else {
            return Vec::new();
        };
        let PreviewContent::Ready(preview) = &pane.content else {
            return Vec::new();
        };
        let table = match preview.as_ref() {
            Preview::Table(table) => table,
            Preview::Workbook(sheets) => match sheets.get(pane.sheet) {
                Some((_, table)) => table,
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        let column = pane.column.saturating_add_signed(delta);
        pane.column = column.min(table.columns.saturating_sub(1));
        vec![Effect::Redraw]
    }

    /// Shows the next (`delta` 1) or previous (-1) sheet of a workbook, from its top left.
    pub fn switch_sheet(&mut self, delta: isize) -> Vec<Effect> {
        let Some(pane) = &mut self.preview else {
            return Vec::new();
        };
        let PreviewContent::Ready(preview) = &pane.content else {
            return Vec::new();
        };
        let Preview::Workbook(sheets) = preview.as_ref() else {
            return Vec::new();
        };
        let sheet = pane
            .sheet
            .saturating_add_signed(delta)
            .min(sheets.len().saturating_sub(1));
        if sheet != pane.sheet {
            (pane.sheet, pane.scroll, pane.column) = (sheet, 0, 0);
        }
        vec![Effect::Redraw]
    }

    /// Scrolls a table or text preview by `delta` rows.
    pub fn scroll_preview(&mut self, delta: isize) -> Vec<Effect> {
        let Some(pane) = &mut self.preview else {
            return Vec::new();
        };
        let rows = match &pane.content {
            PreviewContent::Ready(preview) => match preview.as_ref() {
                Preview::Table(t) => t.rows.len(),
                Preview::Text(t) | Preview::Document { text: t, .. } => t.lines.len(),
                Preview::Workbook(sheets) => {
                    sheets.get(pane.sheet).map_or(0, |(_, t)| t.rows.len())
                }
                _ => 0,
            },
            _ => 0,
        };
        let scroll = pane.scroll.saturating_add_signed(delta);
        pane.scroll = scroll.min(rows.saturating_sub(1));
        vec![Effect::Redraw]
    }
}

impl Model {
    /// The files the code run selected in the code pane wrote.
    fn selected_run_outputs(&self) -> Vec<String> {
        let mut seen = 0;
        for turn in &self.turns {
            let uses = count_uses(&turn.assistant);
            if self.code_selected < seen + uses {
                return executions(&turn.assistant)
                    .into_iter()
                    .filter(Execution::is_code)
                    .nth(self.code_selected - seen)
                    .and_then(|run| run.result)
                    .map(|result| result.output_file_ids)
                    .unwrap_or_default();
            }
            seen += uses;
        }
        Vec::new()
    }
}

impl FileEntry {
    /// The key this file's preview is known by.
    pub fn preview_key(&self) -> String {
        self.id.clone().unwrap_or_else(|| {
            self.local_path
                .as_ref()
                .map_or_else(|| self.name.clone(), |p| p.display().to_string())
        })
    }
}
