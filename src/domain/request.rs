//! The request of one turn: the conversation, the model and tool, and how it goes on the wire
//! (the body and the `anthropic-beta` values).
//!
//! Invariant: the body is built from the request alone (plus, for a continuation, the answer
//! so far and its container), so the same request always sends the same bytes; the Files beta
//! is sent exactly when a message references a file id or skills are loaded, and the skills
//! beta exactly when skills are.

use super::skills::{self, SKILLS_BETA};
use super::{caching, context};
use serde_json::{Value, json};

/// The `anthropic-beta` value of the Files API.
pub const FILES_BETA: &str = "files-api-2025-04-14";

/// The code execution tool versions clab can ask for.
pub const TOOL_20250825: &str = "code_execution_20250825";
pub const TOOL_20250522: &str = "code_execution_20250522";

/// What a request does for a long session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongSession {
    /// Cache breakpoints on the newest user messages (see [`caching`]).
    pub caching: bool,
    /// Server-side context management (see [`context`]).
    pub context: context::Policy,
}

impl LongSession {
    /// This, asking the API to compact the context now when `now` (F4, `--compact`).
    pub fn compacting(self, now: bool) -> LongSession {
        LongSession {
            context: if now {
                self.context.now()
            } else {
                self.context
            },
            ..self
        }
    }
}

impl Default for LongSession {
    fn default() -> Self {
        LongSession {
            caching: true,
            context: context::Policy::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnRequest {
    pub model: String,
    pub max_tokens: u32,
    /// The code execution tool type, e.g. `code_execution_20250825`.
    pub tool: String,
    /// The conversation, ending with the user's new message.
    pub messages: Vec<Value>,
    pub container: Option<String>,
    /// Agent Skill ids loaded into the container (see [`skills`]).
    pub skills: Vec<String>,
    /// Prompt caching and server-side context management.
    pub long: LongSession,
    pub max_continuations: u32,
}

impl TurnRequest {
    /// The request body; `so_far` is the assistant content of a paused answer being continued.
    pub fn body(&self, so_far: Option<Vec<Value>>, container: Option<&str>) -> Value {
        let mut messages = self.messages.clone();
        if let Some(content) = so_far {
            messages.push(json!({"role": "assistant", "content": content}));
        }
        if self.long.caching {
            caching::mark(&mut messages);
        }
        let mut body = json!({
            "model": self.model,
            "max_tokens": self.max_tokens,
            "stream": true,
            "messages": messages,
            "tools": [{"type": self.tool, "name": "code_execution"}],
        });
        let id = container.or(self.container.as_deref());
        if !self.skills.is_empty() {
            let mut spec = json!({
                "skills": self.skills.iter().map(|s| skills::wire(s)).collect::<Vec<_>>(),
            });
            if let Some(id) = id {
                spec["id"] = json!(id);
            }
            body["container"] = spec;
        } else if let Some(id) = id {
            body["container"] = json!(id);
        }
        if let Some((edit, _)) = context::edit(&self.long.context, &self.model) {
            body["context_management"] = json!({"edits": [edit]});
        }
        body
    }

    /// `anthropic-beta` values: the code execution beta of the chosen tool (still accepted,
    /// no longer required), the Files beta when the conversation references files or skills
    /// make them, and the skills beta when skills are loaded.
    pub fn betas(&self) -> Vec<&'static str> {
        let mut betas = vec![if self.tool == TOOL_20250522 {
            "code-execution-2025-05-22"
        } else {
            "code-execution-2025-08-25"
        }];
        if references_files(&self.messages) || !self.skills.is_empty() {
            betas.insert(0, FILES_BETA);
        }
        if !self.skills.is_empty() {
            betas.push(SKILLS_BETA);
        }
        if let Some((_, beta)) = context::edit(&self.long.context, &self.model) {
            betas.push(beta);
        }
        betas
    }
}

fn references_files(messages: &[Value]) -> bool {
    messages.iter().any(|m| {
        m.get("content")
            .and_then(Value::as_array)
            .is_some_and(|blocks| {
                blocks
                    .iter()
                    .any(|b| b.get("file_id").is_some() || b.pointer("/source/file_id").is_some())
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(messages: Vec<Value>) -> TurnRequest {
        TurnRequest {
            model: "m".into(),
            max_tokens: 10,
            tool: "code_execution_20250825".into(),
            messages,
            container: Some("container_1".into()),
            skills: Vec::new(),
            long: LongSession {
                caching: false,
                context: context::Policy {
                    mode: context::Mode::Off,
                    ..Default::default()
                },
            },
            max_continuations: 3,
        }
    }

    #[test]
    fn a_long_session_request_carries_breakpoints_and_its_context_edit() {
        let mut req = request(vec![
            json!({"role":"user","content":[{"type":"text","text":"hi"}]}),
        ]);
        req.long = LongSession::default();
        let body = req.body(None, None);
        assert_eq!(
            body["messages"][0]["content"][0]["cache_control"],
            json!({"type": "ephemeral"})
        );
        assert_eq!(
            body["context_management"]["edits"][0]["type"],
            "clear_tool_uses_20250919"
        );
        assert_eq!(
            req.betas(),
            vec!["code-execution-2025-08-25", context::CLEAR_BETA]
        );
        // The stored conversation is untouched.
        assert!(req.messages[0]["content"][0].get("cache_control").is_none());
    }

    #[test]
    fn continuation_body_carries_the_answer_so_far_and_the_container() {
        let req = request(vec![
            json!({"role":"user","content":[{"type":"text","text":"hi"}]}),
        ]);
        let body = req.body(
            Some(vec![json!({"type":"text","text":"part"})]),
            Some("container_2"),
        );
        assert_eq!(body["messages"].as_array().unwrap().len(), 2);
        assert_eq!(body["messages"][1]["role"], "assistant");
        assert_eq!(body["container"], "container_2");
        assert_eq!(
            body["tools"][0],
            json!({"type":"code_execution_20250825","name":"code_execution"})
        );
        assert_eq!(body["stream"], true);
    }

    #[test]
    fn files_beta_only_when_files_are_referenced() {
        let plain = request(vec![
            json!({"role":"user","content":[{"type":"text","text":"hi"}]}),
        ]);
        assert_eq!(plain.betas(), vec!["code-execution-2025-08-25"]);
        let with_file = request(vec![
            json!({"role":"user","content":[{"type":"container_upload","file_id":"file_1"}]}),
        ]);
        assert_eq!(
            with_file.betas(),
            vec![FILES_BETA, "code-execution-2025-08-25"]
        );
    }

    #[test]
    fn skills_make_the_container_an_object_with_its_betas() {
        let mut req = request(vec![
            json!({"role":"user","content":[{"type":"text","text":"a deck"}]}),
        ]);
        req.skills = vec!["pptx".into(), "skill_01Ab".into()];
        let body = req.body(None, None);
        assert_eq!(
            body["container"],
            json!({
                "skills": [
                    {"type":"anthropic","skill_id":"pptx","version":"latest"},
                    {"type":"custom","skill_id":"skill_01Ab","version":"latest"},
                ],
                "id": "container_1",
            })
        );
        assert_eq!(
            req.betas(),
            vec![FILES_BETA, "code-execution-2025-08-25", SKILLS_BETA]
        );
        req.container = None;
        assert!(req.body(None, None)["container"].get("id").is_none());
    }
}
