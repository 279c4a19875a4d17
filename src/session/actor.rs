//! The session manager: one thread owns the store and every write to it.
//!
//! Invariant: nothing else touches the SQLite store while a session is live; callers send
//! commands and await replies, so writes happen in the order they were sent and the async
//! runtime never blocks on disk (the store runs on its own thread, not on a runtime worker).
//! A reply channel that is gone (the caller stopped waiting) never stops the actor.

use super::store::{Store, StoreError};
use super::types::{FileRecord, MessageState, Role, Session};
use crate::model::stream::Container;
use crate::model::usage::Usage;
use serde_json::Value;
use std::path::PathBuf;
use tokio::sync::{mpsc, oneshot};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Command {
    Create {
        model: String,
        first_prompt: String,
        reply: Reply<Session>,
    },
    Open {
        id: Option<String>,
        reply: Reply<Session>,
    },
    Append {
        session: String,
        role: Role,
        content: Vec<Value>,
        state: MessageState,
        usage: Option<Usage>,
        reply: Reply<i64>,
    },
    Update {
        session: String,
        seq: i64,
        content: Vec<Value>,
        state: MessageState,
        usage: Option<Usage>,
        reply: Reply<()>,
    },
    SetContainer {
        session: String,
        container: Option<Container>,
        reply: Reply<()>,
    },
    AddUsage {
        session: String,
        usage: Usage,
        reply: Reply<()>,
    },
    UpsertFile {
        session: String,
        file: FileRecord,
        reply: Reply<()>,
    },
}

/// A cheap, cloneable handle to the session manager.
#[derive(Clone)]
pub struct SessionManager {
    tx: mpsc::UnboundedSender<Command>,
}

impl SessionManager {
    /// Opens the store at `path` on a thread of its own.
    pub fn start(path: PathBuf) -> Result<SessionManager, StoreError> {
        let store = Store::open(&path)?;
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("clab-sessions".into())
            .spawn(move || run(store, rx))
            .map_err(|e| StoreError::Manager(format!("cannot start the session manager: {e}")))?;
        Ok(SessionManager { tx })
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .map_err(|_| StoreError::Manager("the session manager has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Manager("the session manager has stopped".into()))?
    }

    pub async fn create(&self, model: &str, first_prompt: &str) -> Result<Session, StoreError> {
        let (model, first_prompt) = (model.to_string(), first_prompt.to_string());
        self.ask(|reply| Command::Create {
            model,
            first_prompt,
            reply,
        })
        .await
    }

    /// The session `id` (a unique prefix is enough), or the latest one when `id` is None.
    pub async fn open(&self, id: Option<&str>) -> Result<Session, StoreError> {
        let id = id.map(str::to_string);
        self.ask(|reply| Command::Open { id, reply }).await
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
        self.ask(|reply| Command::Append {
            session,
            role,
            content,
            state,
            usage,
            reply,
        })
        .await
    }

    pub async fn update(
        &self,
        session: &str,
        seq: i64,
        content: Vec<Value>,
        state: MessageState,
        usage: Option<Usage>,
    ) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(|reply| Command::Update {
            session,
            seq,
            content,
            state,
            usage,
            reply,
        })
        .await
    }

    /// Records an answer in progress as a partial (`Cut`) message without waiting: if the
    /// process dies now, the next run finds what had arrived, marked as cut.
    pub fn checkpoint(&self, session: &str, seq: i64, content: Vec<Value>, usage: Usage) {
        let (reply, _ignored) = oneshot::channel();
        let _ = self.tx.send(Command::Update {
            session: session.to_string(),
            seq,
            content,
            state: MessageState::Cut,
            usage: Some(usage),
            reply,
        });
    }

    pub async fn set_container(
        &self,
        session: &str,
        container: Option<Container>,
    ) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(|reply| Command::SetContainer {
            session,
            container,
            reply,
        })
        .await
    }

    pub async fn add_usage(&self, session: &str, usage: Usage) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(|reply| Command::AddUsage {
            session,
            usage,
            reply,
        })
        .await
    }

    pub async fn upsert_file(&self, session: &str, file: FileRecord) -> Result<(), StoreError> {
        let session = session.to_string();
        self.ask(|reply| Command::UpsertFile {
            session,
            file,
            reply,
        })
        .await
    }
}

fn run(store: Store, mut rx: mpsc::UnboundedReceiver<Command>) {
    while let Some(command) = rx.blocking_recv() {
        match command {
            Command::Create {
                model,
                first_prompt,
                reply,
            } => {
                let result = store
                    .create_session(&model, &first_prompt)
                    .and_then(|meta| load(&store, &meta.id));
                let _ = reply.send(result);
            }
            Command::Open { id, reply } => {
                let result = match id {
                    Some(prefix) => store.resolve_id(&prefix),
                    None => store.latest_id().and_then(|id| {
                        id.ok_or_else(|| StoreError::NotFound("any session".into()))
                    }),
                }
                .and_then(|id| load(&store, &id));
                let _ = reply.send(result);
            }
            Command::Append {
                session,
                role,
                content,
                state,
                usage,
                reply,
            } => {
                let result = store.append_message(&session, role, &content, &state, usage.as_ref());
                let _ = reply.send(result);
            }
            Command::Update {
                session,
                seq,
                content,
                state,
                usage,
                reply,
            } => {
                let result = store.update_message(&session, seq, &content, &state, usage.as_ref());
                let _ = reply.send(result);
            }
            Command::SetContainer {
                session,
                container,
                reply,
            } => {
                let _ = reply.send(store.set_container(&session, container.as_ref()));
            }
            Command::AddUsage {
                session,
                usage,
                reply,
            } => {
                let _ = reply.send(store.add_usage(&session, &usage));
            }
            Command::UpsertFile {
                session,
                file,
                reply,
            } => {
                let _ = reply.send(store.upsert_file(&session, &file));
            }
        }
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
            vec![json!({"type":"text","text":"half"})],
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
