//! The session manager: one thread owns the store and every write to it.
//!
//! Invariant: nothing else touches the SQLite store while a session is live; callers send
//! commands and await replies, so writes happen in the order they were sent and the async
//! runtime never blocks on disk (the store runs on its own thread, not on a runtime worker).
//! Work travels as closures run in arrival order; a reply channel that is gone (the caller
//! stopped waiting) never stops the actor.

use super::store::{Store, StoreError};
use crate::domain::container::Container;
use crate::domain::run_times::RunTimes;
use crate::domain::session::{FileRecord, MessageState, Role, Session};
use crate::domain::usage::Usage;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A unit of work for the store's thread; it sends its own reply.
type Job = Box<dyn FnOnce(&Store) + Send>;

/// A cheap, cloneable handle to the session manager.
#[derive(Clone)]
pub struct SessionManager {
    tx: mpsc::UnboundedSender<Job>,
}

fn stopped() -> StoreError {
    StoreError::Manager("the session manager has stopped".into())
}

impl SessionManager {
    /// The user's store in the data directory; demo turns go to a store of their own so they
    /// never mix with real ones.
    pub fn start_default(demo: bool) -> Result<SessionManager, StoreError> {
        SessionManager::start(Store::path_for(demo).ok_or(StoreError::NoDataDir)?)
    }

    /// Opens the store at `path` on a thread of its own.
    pub fn start(path: PathBuf) -> Result<SessionManager, StoreError> {
        let store = Store::open(&path)?;
        let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
        std::thread::Builder::new()
            .name("clab-sessions".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    job(&store);
                }
            })
            .map_err(|e| StoreError::Manager(format!("cannot start the session manager: {e}")))?;
        Ok(SessionManager { tx })
    }

    /// Runs `work` on the store's thread, after everything sent before it, and awaits its result.
    async fn ask<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Box::new(move |store| {
                let _ = reply.send(work(store));
            }))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub async fn create(&self, model: &str, first_prompt: &str) -> Result<Session, StoreError> {
        let (model, first_prompt) = (model.to_string(), first_prompt.to_string());
        self.ask(move |store| {
            let meta = store.create_session(&model, &first_prompt)?;
            load(store, &meta.id)
        })
        .await
    }

    /// The session `id` (a unique prefix is enough), or the latest one when `id` is None.
    pub async fn open(&self, id: Option<&str>) -> Result<Session, StoreError> {
        let id = id.map(str::to_string);
        self.ask(move |store| {
            let id = match id {
                Some(prefix) => store.resolve_id(&prefix)?,
                None => store
                    .latest_id()?
                    .ok_or_else(|| StoreError::NotFound("any session".into()))?,
            };
            load(store, &id)
        })
        .await
    }

    pub async fn append(
        &self,
        session: &str,
        role: Role,
        content: Vec<Value>,
        state: MessageState,
        usage: Option<Usage>,
    ) -> Result<i64, StoreError> {
        let session = session.to_string();
        self.ask(move |store| {
            store.append_message(&session, role, &content, &state, usage.as_ref())
        })
        .await
    }

    pub async fn update(
        &self,
        session: &str,
        seq: i64,
        content: Arc<Vec<Value>>,
        state: MessageState,
        usage: Option<Usage>,
    ) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(move |store| store.update_message(&session, seq, &content, &state, usage.as_ref()))
            .await
    }

    /// Records an answer in progress as a partial (`Cut`) message without waiting: if the
    /// process dies now, the next run finds what had arrived, marked as cut.
    pub fn checkpoint(&self, session: &str, seq: i64, content_json: String, usage: Usage) {
        let session = session.to_string();
        let _ = self.tx.send(Box::new(move |store| {
            if let Err(err) = store.checkpoint_message(&session, seq, &content_json, Some(&usage)) {
                tracing::warn!("checkpoint of {session} message {seq} failed: {err}");
            }
        }));
    }

    pub async fn set_run_times(
        &self,
        session: &str,
        seq: i64,
        times: RunTimes,
    ) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(move |store| store.set_run_times(&session, seq, &times))
            .await
    }

    pub async fn set_container(
        &self,
        session: &str,
        container: Option<Container>,
    ) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(move |store| store.set_container(&session, container.as_ref()))
            .await
    }

    pub async fn set_skills(&self, session: &str, skills: Vec<String>) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(move |store| store.set_skills(&session, &skills))
            .await
    }

    pub async fn add_usage(&self, session: &str, usage: Usage) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(move |store| store.add_usage(&session, &usage))
            .await
    }

    pub async fn mark_file_deleted(&self, id: &str) -> Result<usize, StoreError> {
        let id = id.to_string();
        self.ask(move |store| store.mark_file_deleted(&id)).await
    }

    pub async fn upsert_file(&self, session: &str, file: FileRecord) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(move |store| store.upsert_file(&session, &file))
            .await
    }
}

fn load(store: &Store, id: &str) -> Result<Session, StoreError> {
    store
        .load(id)?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn writes_land_in_order_and_a_checkpoint_is_readable_later() {
        let dir = tempfile::tempdir().unwrap();
        let manager = SessionManager::start(dir.path().join("s.db")).unwrap();
        let session = manager.create("m", "first question").await.unwrap();
        let id = session.meta.id.as_str();
        let user = vec![json!({"type":"text","text":"first question"})];
        assert_eq!(
            manager
                .append(id, Role::User, user.clone(), MessageState::Complete, None)
                .await
                .unwrap(),
            0
        );
        let seq = manager
            .append(id, Role::Assistant, Vec::new(), MessageState::Cut, None)
            .await
            .unwrap();
        manager.checkpoint(
            id,
            seq,
            json!([{"type":"text","text":"half"}]).to_string(),
            Usage::default(),
        );
        let container = Container {
            id: "container_1".into(),
            expires_at: None,
        };
        manager
            .set_container(id, Some(container.clone()))
            .await
            .unwrap();
        let reopened = manager.open(None).await.unwrap();
        assert_eq!(reopened.meta.id, id);
        assert_eq!(reopened.meta.container, Some(container));
        assert_eq!(reopened.messages[0].content, user);
        assert_eq!(
            reopened.messages[1].content,
            vec![json!({"type":"text","text":"half"})]
        );
        assert_eq!(reopened.messages[1].state, MessageState::Cut);
        assert!(manager.open(Some("ses_nothing_like_this")).await.is_err());
    }
}
