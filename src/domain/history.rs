//! Turning stored messages back into a request, and deciding about the container.
//!
//! Invariant: complete messages are sent exactly as stored, less the blocks that name a file
//! deleted from the Files API (the API would refuse the whole request). A partial assistant
//! message (cut,
//! cancelled, failed) is sent without what the API would refuse: a tool use whose result never
//! came and empty text blocks; a message left empty is skipped (the API joins consecutive
//! messages of one role). A container is reused only while its `expires_at` lies ahead.

use super::session::{FileOrigin, FileRecord, MessageState, StoredMessage};
use crate::domain::container::Container;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The conversation so far as the API's `messages` array.
pub fn request_messages(stored: &[StoredMessage], deleted_files: &[String]) -> Vec<Value> {
    stored
        .iter()
        .filter_map(|m| {
            let mut content = if m.state == MessageState::Complete {
                m.content.clone()
            } else {
                sendable_part(&m.content)
            };
            // A file deleted from the Files API would make the API refuse the whole request.
            content.retain(|b| {
                let id = b
                    .get("file_id")
                    .or_else(|| b.pointer("/source/file_id"))
                    .and_then(Value::as_str);
                !id.is_some_and(|id| deleted_files.iter().any(|d| d == id))
            });
            (!content.is_empty()).then(|| json!({"role": m.role, "content": content}))
        })
        .collect()
}

fn sendable_part(content: &[Value]) -> Vec<Value> {
    let answered: HashSet<&str> = content
        .iter()
        .filter_map(|b| b.get("tool_use_id").and_then(Value::as_str))
        .collect();
    content
        .iter()
        .filter(|b| match b.get("type").and_then(Value::as_str) {
            Some("text") => b
                .get("text")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty()),
            Some("server_tool_use") => b
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| answered.contains(id)),
            _ => true,
        })
        .cloned()
        .collect()
}

/// Whether the stored container can still be used at `now` (RFC 3339 comparison by time).
pub fn container_alive(container: &Container, now: chrono::DateTime<chrono::Utc>) -> bool {
    match container
        .expires_at
        .as_deref()
        .map(chrono::DateTime::parse_from_rfc3339)
    {
        Some(Ok(expires)) => expires > now,
        // No or unreadable expiry: try it; a rejection falls back to a fresh container.
        _ => true,
    }
}

/// `container_upload` blocks for the session's uploads that went in the container, except
/// `skip` (attached anew). A file only read lives in its message's block, not the container.
pub fn reattach_blocks(files: &[FileRecord], skip: &[String]) -> Vec<Value> {
    files
        .iter()
        .filter(|f| f.origin == FileOrigin::Uploaded && !skip.contains(&f.id))
        .filter(|f| f.given_as.is_none_or(|g| g.in_container()))
        .map(|f| json!({"type": "container_upload", "file_id": f.id}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::session::Role;

    fn message(role: Role, content: Vec<Value>, state: MessageState) -> StoredMessage {
        StoredMessage::unsaved(role, content, state)
    }

    #[test]
    fn complete_messages_go_back_verbatim_and_partial_ones_trimmed() {
        let odd = json!({"type":"hologram","z":[1]});
        let stored = vec![
            message(
                Role::User,
                vec![json!({"type":"text","text":"hi"})],
                MessageState::Complete,
            ),
            message(
                Role::Assistant,
                vec![json!({"type":"text","text":""}), odd.clone()],
                MessageState::Complete,
            ),
            message(
                Role::User,
                vec![json!({"type":"text","text":"go"})],
                MessageState::Complete,
            ),
            message(
                Role::Assistant,
                vec![
                    json!({"type":"text","text":"partial"}),
                    json!({"type":"server_tool_use","id":"a","name":"bash_code_execution","input":{}}),
                    json!({"type":"server_tool_use","id":"b","name":"bash_code_execution","input":{}}),
                    json!({"type":"bash_code_execution_tool_result","tool_use_id":"b","content":{}}),
                    json!({"type":"text","text":""}),
                ],
                MessageState::Cut,
            ),
            message(
                Role::Assistant,
                vec![json!({"type":"text","text":""})],
                MessageState::Cut,
            ),
        ];
        let sent = request_messages(&stored, &[]);
        assert_eq!(sent.len(), 4, "the empty partial message is skipped");
        assert_eq!(sent[1]["content"], json!([{"type":"text","text":""}, odd]));
        let partial = sent[3]["content"].as_array().unwrap();
        assert_eq!(partial.len(), 3);
        assert_eq!(partial[1]["id"], "b");
    }

    #[test]
    fn containers_expire_by_their_timestamp() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .to_utc();
        let c = |at: &str| Container {
            id: "c".into(),
            expires_at: Some(at.into()),
        };
        assert!(container_alive(&c("2026-01-01T12:04:59.950231Z"), now));
        assert!(!container_alive(&c("2026-01-01T11:59:00Z"), now));
        assert!(container_alive(
            &Container {
                id: "c".into(),
                expires_at: None
            },
            now
        ));
    }

    #[test]
    fn only_uploads_are_reattached() {
        let file = |id: &str, origin| FileRecord {
            id: id.into(),
            filename: "f".into(),
            origin,
            size: None,
            mime: None,
            local_path: None,
            given_as: None,
        };
        let files = vec![
            file("u1", FileOrigin::Uploaded),
            file("g1", FileOrigin::Generated),
            file("u2", FileOrigin::Uploaded),
        ];
        let blocks = reattach_blocks(&files, &["u2".to_string()]);
        assert_eq!(
            blocks,
            vec![json!({"type":"container_upload","file_id":"u1"})]
        );
    }
}
