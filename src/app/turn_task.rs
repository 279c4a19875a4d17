//! One turn of the workbench, run as a task: the session it belongs to, then the turn engine
//! ([`crate::turn::engine`]) with its progress turned into `AppEvent`s.
//!
//! Invariant: the engine stores the turn from the question to the outcome, so a cancelled,
//! failed or cut answer is stored with what arrived; the UI only mirrors it through events
//! and never waits for it. Whatever the engine reports (a replaced container, a failure to
//! store) reaches the conversation as an event.

use crate::api::Client;
use crate::api::accumulator::{Accumulator, Update};
use crate::domain::context::Report;
use crate::domain::session::MessageState;
use crate::model::effect::TurnStart;
use crate::model::event::{AppEvent, TurnChange, TurnEnd};
use crate::session::actor::SessionManager;
use crate::turn::engine::{Progress, TurnPlan, run_turn};
use chrono::Utc;
use std::sync::Arc;
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
            context: Default::default(),
        })));
    }

    pub async fn run(self) {
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
        let plan = TurnPlan {
            session_id: sid,
            request: self.start.request.clone(),
            container_expires_at: self.start.container_expires_at.clone(),
            reattach: self.start.reattach.clone(),
            files: self.start.files.clone(),
        };
        let outcome = run_turn(
            &self.client,
            &self.sessions,
            plan,
            &self.cancel,
            |progress| match progress {
                Progress::Reattached { content, notice } => self.send(TurnChange::Reattached {
                    content: content.to_vec(),
                    notice: notice.to_string(),
                }),
                Progress::Note(notice) => self.send(TurnChange::Note(notice.to_string())),
                Progress::Started => self.send(TurnChange::Started {
                    started_at: Utc::now(),
                }),
                Progress::Streamed { acc, update, at_ms } => {
                    if let Some(change) = change(acc, update, at_ms) {
                        self.send(change);
                    }
                }
            },
        )
        .await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => return self.fail(format!("cannot store the message: {e}")),
        };
        if let Some(e) = outcome.unsaved {
            let _ = self
                .tx
                .send(AppEvent::Notice(format!("could not store the answer: {e}")));
        }
        let acc = outcome.result.acc;
        self.send(TurnChange::Finished(Box::new(TurnEnd {
            content: Arc::unwrap_or_clone(outcome.content),
            state: outcome.state,
            usage: acc.usage(),
            container: acc.container.clone(),
            stop_reason: acc.stop_reason.clone(),
            finished_at: Utc::now(),
            context: Report {
                prompt_tokens: acc.prompt_tokens,
                applied_edits: acc.applied_edits.clone(),
                compacted_from: acc.compacted_from,
            },
        })));
    }
}

/// What the conversation shows of one stream update.
fn change(acc: &Accumulator, update: &Update, at_ms: u64) -> Option<TurnChange> {
    match update {
        Update::BlockStarted(i) | Update::BlockStopped(i) => {
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
        Update::InputDelta { block, json } => Some(TurnChange::Input {
            index: *block,
            json: json.clone(),
        }),
        _ => None,
    }
}
