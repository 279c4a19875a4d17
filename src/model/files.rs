//! The files panel: uploads in flight, generated outputs, downloads, deletions.
//!
//! Invariant: a file's state only moves forward on events that name it (attachment key or
//! file id); an event for a file the panel no longer has is dropped. Downloads go to the
//! configured directory under a sanitized, non-clobbering name chosen by the runner.

use super::state::{FileEntry, FileState, Model, Overlay, TurnState};
use crate::domain::attachment::GivenAs;
use crate::domain::session::{FileOrigin, FileRecord};
use crate::model::effect::Effect;
use crate::model::event::Transfer;
use std::path::PathBuf;

impl Model {
    /// Starts uploading a checked path as an attachment of the next message.
    pub fn begin_upload(&mut self, path: PathBuf, size: u64, given: GivenAs) -> Vec<Effect> {
        let attach = self.fresh_id();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.files.push(FileEntry {
            attach: Some(attach),
            id: None,
            name,
            origin: FileOrigin::Uploaded,
            size: Some(size),
            mime: None,
            state: FileState::Uploading {
                done: 0,
                total: size,
            },
            local_path: Some(path.clone()),
            pending: true,
            given_as: Some(given),
        });
        self.files_selected = self.files.len() - 1;
        vec![Effect::Upload { attach, path }, Effect::Redraw]
    }

    pub fn upload_event(&mut self, attach: u64, progress: Transfer<FileRecord>) -> Vec<Effect> {
        let Some(entry) = self.files.iter_mut().find(|f| f.attach == Some(attach)) else {
            return Vec::new();
        };
        match progress {
            Transfer::Progress { done, total } => {
                entry.state = FileState::Uploading { done, total };
                return vec![Effect::Redraw];
            }
            Transfer::Done(record) => {
                entry.id = Some(record.id);
                entry.size = record.size.or(entry.size);
                entry.mime = record.mime;
                entry.state = FileState::Ready;
            }
            Transfer::Failed(why) => {
                entry.state = FileState::Failed(why.clone());
                entry.pending = false;
                self.notice = Some(format!("upload of {} failed: {why}", entry.name));
            }
        }
        self.after_upload()
    }

    /// Sends the queued message once no upload is in flight; an upload that failed keeps the
    /// message in the composer instead, so nothing is sent without its file.
    fn after_upload(&mut self) -> Vec<Effect> {
        if self.files.iter().any(|f| f.pending && f.is_uploading()) {
            return vec![Effect::Redraw];
        }
        let Some(prompt) = self.queued.take() else {
            return vec![Effect::Redraw];
        };
        let failed = self.files.iter().any(|f| {
            matches!(f.state, FileState::Failed(_)) && f.attach.is_some() && f.id.is_none()
        });
        if failed && self.state == TurnState::Uploading {
            self.state = TurnState::Failed("an attachment failed to upload".into());
            self.history.pop();
            self.set_composer(&prompt);
            return vec![Effect::Redraw];
        }
        self.state = TurnState::Idle;
        self.start_turn(prompt)
    }

    pub fn file_info(&mut self, file_id: &str, info: Result<FileRecord, String>) -> Vec<Effect> {
        let Some(entry) = self.file_by_id(file_id) else {
            return Vec::new();
        };
        match info {
            Ok(record) => {
                entry.name = record.filename;
                entry.size = record.size;
                entry.mime = record.mime;
            }
            Err(why) => entry.state = FileState::Failed(why),
        }
        let record = entry.record();
        let mut effects = vec![Effect::Redraw];
        if let Some(session) = self.session_id.clone() {
            effects.push(Effect::PersistFile {
                session,
                file: record,
            });
        }
        effects
    }

    pub fn download_event(&mut self, file_id: &str, progress: Transfer<PathBuf>) -> Vec<Effect> {
        let Some(entry) = self.file_by_id(file_id) else {
            return Vec::new();
        };
        let mut effects = vec![Effect::Redraw];
        match progress {
            Transfer::Progress { done, total } => {
                entry.state = FileState::Downloading { done, total }
            }
            Transfer::Done(path) => {
                entry.state = FileState::Local(path.clone());
                entry.local_path = Some(path.clone());
                let record = entry.record();
                self.notice = Some(format!("saved {}", path.display()));
                if let Some(session) = self.session_id.clone() {
                    effects.push(Effect::PersistFile {
                        session,
                        file: record,
                    });
                }
                effects.extend(self.preview_after_download(file_id, Ok(&path)));
            }
            Transfer::Failed(why) => {
                let notice = format!("download of {} failed: {why}", entry.name);
                entry.state = FileState::Failed(why.clone());
                self.notice = Some(notice);
                effects.extend(self.preview_after_download(file_id, Err(&why)));
            }
        }
        effects
    }

    pub fn deleted(&mut self, file_id: &str, result: Result<(), String>) -> Vec<Effect> {
        let Some(entry) = self.file_by_id(file_id) else {
            return Vec::new();
        };
        match result {
            Ok(()) => {
                entry.state = FileState::Deleted;
                entry.pending = false;
                self.notice = Some(format!("deleted {} from the Files API", entry.name));
                return vec![
                    Effect::ForgetFile {
                        file_id: file_id.to_string(),
                    },
                    Effect::Redraw,
                ];
            }
            Err(why) => {
                let notice = format!("could not delete {}: {why}", entry.name);
                entry.state = FileState::Failed(why);
                self.notice = Some(notice);
            }
        }
        vec![Effect::Redraw]
    }

    fn selected_file(&self) -> Option<&FileEntry> {
        self.files.get(self.files_selected)
    }

    pub fn download_selected(&mut self) -> Vec<Effect> {
        let Some(file) = self.selected_file() else {
            return Vec::new();
        };
        let (Some(id), FileOrigin::Generated) = (file.id.clone(), file.origin) else {
            self.notice = Some(match file.origin {
                FileOrigin::Uploaded => {
                    "uploaded files cannot be downloaded from the API; the local copy is listed"
                        .into()
                }
                FileOrigin::Generated => "this file has no id yet".into(),
            });
            return vec![Effect::Redraw];
        };
        if matches!(
            file.state,
            FileState::Downloading { .. } | FileState::Deleted
        ) {
            return Vec::new();
        }
        vec![self.begin_download(id), Effect::Redraw]
    }

    /// Marks file `file_id` as downloading; the effect that downloads it to the configured
    /// directory.
    pub(super) fn begin_download(&mut self, file_id: String) -> Effect {
        if let Some(entry) = self.file_by_id(&file_id) {
            entry.state = FileState::Downloading { done: 0, total: 0 };
        }
        Effect::Download {
            file_id,
            dir: self.settings.download_dir.clone(),
        }
    }

    pub fn open_selected(&mut self) -> Vec<Effect> {
        match self.selected_file().and_then(|f| f.local_path.clone()) {
            Some(path) => vec![Effect::OpenPath(path)],
            None => {
                self.notice = Some("download the file first (d)".into());
                vec![Effect::Redraw]
            }
        }
    }

    pub fn copy_selected_id(&mut self) -> Vec<Effect> {
        match self.selected_file().and_then(|f| f.id.clone()) {
            Some(id) => {
                self.notice = Some(format!("copied {id}"));
                vec![Effect::Copy(id), Effect::Redraw]
            }
            None => Vec::new(),
        }
    }

    pub fn ask_delete_selected(&mut self) -> Vec<Effect> {
        let Some(file) = self.selected_file() else {
            return Vec::new();
        };
        let (Some(file_id), false) = (file.id.clone(), file.state == FileState::Deleted) else {
            return Vec::new();
        };
        self.overlay = Some(Overlay::ConfirmDelete {
            file_id,
            name: file.name.clone(),
        });
        vec![Effect::Redraw]
    }

    pub fn confirm_delete(&mut self, file_id: String) -> Vec<Effect> {
        self.overlay = None;
        if let Some(entry) = self.file_by_id(&file_id) {
            entry.state = FileState::Deleting;
        }
        vec![Effect::Delete { file_id }, Effect::Redraw]
    }
}
