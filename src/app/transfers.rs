//! File transfers and Files API calls as tasks that report back as `AppEvent`s.
//!
//! Invariant: each task reports under the key it was started with (attachment key or file
//! id), progress at most once per whole percent so a large transfer cannot flood the bus, and
//! always ends with exactly one `Done` or `Failed`.

use crate::api::Client;
use crate::api::files::{self};
use crate::domain::session::FileOrigin;
use crate::download_name::DownloadTarget;
use crate::model::event::{AppEvent, Transfer};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc::UnboundedSender;

type Tx = UnboundedSender<AppEvent>;

/// A progress callback that sends `make(done, total)` when the percentage changes.
fn progress<F>(tx: Tx, make: F) -> impl Fn(u64, u64) + Send + Sync + 'static
where
    F: Fn(u64, u64) -> AppEvent + Send + Sync + 'static,
{
    let last = AtomicU64::new(u64::MAX);
    move |done, total| {
        let percent = (done * 100).checked_div(total).unwrap_or(0);
        if last.swap(percent, Ordering::Relaxed) != percent {
            let _ = tx.send(make(done, total));
        }
    }
}

pub async fn upload(client: Client, tx: Tx, attach: u64, path: PathBuf) {
    let report = progress(tx.clone(), move |done, total| AppEvent::Upload {
        attach,
        progress: Transfer::Progress { done, total },
    });
    let progress = match files::upload(&client, &path, report).await {
        Ok(meta) => Transfer::Done(meta.record(FileOrigin::Uploaded, Some(path))),
        Err(e) => Transfer::Failed(e.to_string()),
    };
    let _ = tx.send(AppEvent::Upload { attach, progress });
}

pub async fn download(client: Client, tx: Tx, file_id: String, dir: PathBuf) {
    let id = file_id.clone();
    let report = progress(tx.clone(), move |done, total| AppEvent::Download {
        file_id: id.clone(),
        progress: Transfer::Progress { done, total },
    });
    let result = match tokio::fs::create_dir_all(&dir).await {
        Ok(()) => files::download(&client, &file_id, &DownloadTarget::Dir(dir.clone()), report)
            .await
            .map(|saved| saved.path)
            .map_err(|e| e.to_string()),
        Err(e) => Err(format!("cannot create {}: {e}", dir.display())),
    };
    let progress = match result {
        Ok(path) => Transfer::Done(path),
        Err(why) => Transfer::Failed(why),
    };
    let _ = tx.send(AppEvent::Download { file_id, progress });
}

pub async fn info(client: Client, tx: Tx, file_id: String) {
    let info = files::info(&client, &file_id)
        .await
        .map(|meta| meta.record(FileOrigin::Generated, None))
        .map_err(|e| e.to_string());
    let _ = tx.send(AppEvent::FileInfo { file_id, info });
}

pub async fn delete(client: Client, tx: Tx, file_id: String) {
    let result = files::delete(&client, &file_id)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    let _ = tx.send(AppEvent::Deleted { file_id, result });
}
