//! One turn of the interactive app, run as a task: store the question, stream the answer into
//! `AppEvent`s, checkpoint it, store the outcome.
//!
//! Invariant: the task owns its turn's persistence from the user message to the final state,
//! in order, so a cancelled, failed or cut answer is stored with what arrived. The UI only
//! mirrors it through events and never waits for it. An expired container (by its
//! `expires_at`) or one the API rejects is replaced, re-attaching the session's uploads, and
//! the user is told.

use crate::api::Client;
use crate::api::accumulator::{Accumulator, Update};
use crate::domain::container::Container;
use crate::domain::history::container_alive;
use crate::domain::session::{MessageState, Role};
use crate::effect::TurnStart;
use crate::event::{AppEvent, TurnChange, TurnEnd};
use crate::headless::container_rejected;
use crate::headless::live::CHECKPOINT_EVERY;
use crate::session::actor::SessionManager;
use crate::turn::{self, TurnResult};
use chrono::Utc;
use serde_json::Value;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

pub struct TurnTask {
    pub start: TurnStart,
    pub client: Client,
    pub sessions: SessionManager,
    pub tx: UnboundedSender<AppEvent>,
    pub cancel: CancellationToken,
}

impl TurnTask {
    fn send(&self, change: TurnChange) {
        let _ = self.tx.send(AppEvent::Turn {
            turn: self.start.turn,
            change,
        });
    }

    fn fail(&self, why: String) {
        self.send(TurnChange::Finished(Box::new(TurnEnd {
            content: Vec::new(),
            state: MessageState::Failed(why),
            usage: Default::default(),
            container: None,
            stop_reason: None,
            finished_at: Utc::now(),
        })));
    }

    pub async fn run(mut self) {
        let sid = match self.start.session.clone() {
            Some(id) => id,
            None => match self
                .sessions
                .create(&self.start.request.model, &self.start.prompt)
                .await
            {
                Ok(session) => {
                    let _ = self.tx.send(AppEvent::SessionCreated {
                        id: session.meta.id.clone(),
                        name: session.meta.name.clone(),
                    });
                    session.meta.id
                }
                Err(e) => return self.fail(format!("cannot store the session: {e}")),
            },
        };
        for file in &self.start.new_files {
            if let Err(e) = self.sessions.upsert_file(&sid, file.clone()).await {
                tracing::warn!("recording {} in the session: {e}", file.id);
            }
        }
        let expired = self.start.request.container.is_some()
            && !container_alive(
                &Container {
                    id: String::new(),
                    expires_at: self.start.container_expires_at.clone(),
                },
                Utc::now(),
            );
        if expired {
            self.reattach("has expired");
        }
        let user = self.user_content();
        let user_seq = match self
            .sessions
            .append(&sid, Role::User, user, MessageState::Complete, None)
            .await
        {
            Ok(seq) => seq,
            Err(e) => return self.fail(format!("cannot store the message: {e}")),
        };
        let answer_seq = match self
            .sessions
            .append(&sid, Role::Assistant, Vec::new(), MessageState::Cut, None)
            .await
        {
            Ok(seq) => seq,
            Err(e) => return self.fail(format!("cannot store the answer: {e}")),
        };
        self.send(TurnChange::Started {
            started_at: Utc::now(),
        });
        let mut result = self.stream(&sid, answer_seq).await;
        if self.start.request.container.is_some() && container_rejected(&result) {
            self.reattach("is no longer available");
            let _ = self
                .sessions
                .update(
                    &sid,
                    user_seq,
                    self.user_content(),
                    MessageState::Complete,
                    None,
                )
                .await;
            result = self.stream(&sid, answer_seq).await;
        }
        let state = if result.cancelled {
            MessageState::Cancelled
        } else {
            match &result.error {
                None => MessageState::Complete,
                Some(crate::api::ApiError::Cut { .. }) => MessageState::Cut,
                Some(err) => MessageState::Failed(err.to_string()),
            }
        };
        let content = result.acc.content();
        let usage = result.acc.usage();
        let stored = async {
            self.sessions
                .update(
                    &sid,
                    answer_seq,
                    content.clone(),
                    state.clone(),
                    Some(usage),
                )
                .await?;
            self.sessions.add_usage(&sid, usage).await?;
            if let Some(c) = &result.acc.container {
                self.sessions.set_container(&sid, Some(c.clone())).await?;
            }
            Ok::<(), crate::session::store::StoreError>(())
        };
        if let Err(e) = stored.await {
            let _ = self
                .tx
                .send(AppEvent::Notice(format!("could not store the answer: {e}")));
        }
        self.send(TurnChange::Finished(Box::new(TurnEnd {
            content,
            state,
            usage,
            container: result.acc.container.clone(),
            stop_reason: result.acc.stop_reason.clone(),
            finished_at: Utc::now(),
        })));
    }

    fn user_content(&self) -> Vec<Value> {
        self.start
            .request
            .messages
            .last()
            .and_then(|m| m["content"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Drops the container and adds the session's uploads to the new user message.
    fn reattach(&mut self, why: &str) {
        self.start.request.container = None;
        let mut content = self.user_content();
        let fresh: Vec<Value> = self
            .start
            .reattach
            .iter()
            .filter(|b| !content.contains(b))
            .cloned()
            .collect();
        let notice = format!(
            "the session's container {why}; started a new one and attached its {} uploaded file(s) again",
            fresh.len()
        );
        content.extend(fresh);
        if let Some(last) = self.start.request.messages.last_mut() {
            last["content"] = Value::Array(content.clone());
        }
        self.send(TurnChange::Reattached { content, notice });
    }

    async fn stream(&self, sid: &str, seq: i64) -> TurnResult {
        let began = Instant::now();
        let mut last_checkpoint = Instant::now();
        turn::run(
            &self.client,
            &self.start.request,
            &self.cancel,
            |acc, update| {
                let at_ms = began.elapsed().as_millis() as u64;
                let change = match update {
                    Update::BlockStarted(i) | Update::BlockStopped(i) => {
                        self.checkpoint(sid, seq, acc);
                        last_checkpoint = Instant::now();
                        acc.block(*i).map(|block| TurnChange::Block {
                            index: *i,
                            block: block.clone(),
                            at_ms,
                        })
                    }
                    Update::TextDelta { block, text } => Some(TurnChange::Text {
                        index: *block,
                        text: text.clone(),
                    }),
                    Update::ThinkingDelta { block, text } => Some(TurnChange::Thinking {
                        index: *block,
                        text: text.clone(),
                    }),
                    Update::Settled if last_checkpoint.elapsed() >= CHECKPOINT_EVERY => {
                        self.checkpoint(sid, seq, acc);
                        last_checkpoint = Instant::now();
                        None
                    }
                    _ => None,
                };
                if let Some(change) = change {
                    self.send(change);
                }
            },
        )
        .await
    }

    fn checkpoint(&self, sid: &str, seq: i64, acc: &Accumulator) {
        self.sessions
            .checkpoint(sid, seq, acc.content_json(), acc.usage());
    }
}
