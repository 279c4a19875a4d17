//! A representative session for export tests: an attachment, every kind of run, a failing
//! command, output files (one downloaded, one not) and an answer that was cut off.

use crate::domain::attachment::GivenAs;
use crate::domain::session::{
    FileOrigin, FileRecord, MessageState, Role, Session, SessionMeta, StoredMessage,
};
use crate::domain::usage::Usage;
use serde_json::{Value, json};
use std::path::Path;

fn use_block(id: &str, name: &str, input: Value) -> Value {
    json!({"type": "server_tool_use", "id": id, "name": name, "input": input})
}

/// A bash result block for run `id`, with the given output files.
pub(crate) fn result(id: &str, stdout: &str, stderr: &str, code: i64, files: &[&str]) -> Value {
    let outputs: Vec<Value> = files
        .iter()
        .map(|f| json!({"type": "bash_code_execution_output", "file_id": f}))
        .collect();
    json!({"type": "bash_code_execution_tool_result", "tool_use_id": id, "content": {
        "type": "bash_code_execution_result", "stdout": stdout, "stderr": stderr,
        "return_code": code, "content": outputs}})
}

fn message(seq: i64, role: Role, content: Vec<Value>, state: MessageState) -> StoredMessage {
    StoredMessage {
        seq,
        role,
        content,
        state,
        usage: None,
        created_at: "2025-05-01T10:00:00.000000Z".to_string(),
        updated_at: None,
        run_times: Default::default(),
    }
}

/// The sample session; the generated chart's local path is `chart`.
pub fn sample_session(chart: &Path) -> Session {
    let editor = "text_editor_code_execution";
    let answer = vec![
        json!({"type": "thinking", "thinking": "secret reasoning", "signature": "x"}),
        json!({"type": "text", "text": "Let me look."}),
        use_block(
            "s1",
            "bash_code_execution",
            json!({"command": "wc -l sales.csv"}),
        ),
        result("s1", "42 sales.csv\n", "", 0, &[]),
        use_block("s2", "code_execution", json!({"code": "print(df.head())"})),
        result("s2", "   a  b\n0  1  2\n", "", 0, &[]),
        use_block(
            "s3",
            "bash_code_execution",
            json!({"command": "python3 bad.py"}),
        ),
        result("s3", "", "boom\n", 2, &[]),
        use_block(
            "s4",
            editor,
            json!({"command": "create", "path": "/tmp/out.csv", "file_text": "a,b\n"}),
        ),
        result("s4", "", "", 0, &[]),
        use_block(
            "s5",
            editor,
            json!({"command": "view", "path": "/tmp/out.csv"}),
        ),
        result("s5", "", "", 0, &[]),
        use_block(
            "s6",
            editor,
            json!({"command": "str_replace", "path": "/tmp/out.csv", "old_str": "a", "new_str": "c"}),
        ),
        result("s6", "", "", 0, &[]),
        use_block(
            "s7",
            "bash_code_execution",
            json!({"command": "python3 plot.py"}),
        ),
        result("s7", "saved\n", "", 0, &["file_chart", "file_unknown"]),
        json!({"type": "text", "text": "Churn is driven by tenure."}),
    ];
    Session {
        meta: SessionMeta {
            id: "ses_sample0000000000000".to_string(),
            name: "Churn analysis".to_string(),
            model: "claude-test".to_string(),
            created_at: "2025-05-01T10:00:00.000000Z".to_string(),
            updated_at: "2025-05-01T10:05:00.000000Z".to_string(),
            container: None,
            usage: Usage::default(),
            skills: Vec::new(),
        },
        messages: vec![
            message(
                0,
                Role::User,
                vec![
                    json!({"type": "text", "text": "what drives churn?"}),
                    json!({"type": "container_upload", "file_id": "file_a"}),
                ],
                MessageState::Complete,
            ),
            message(1, Role::Assistant, answer, MessageState::Complete),
            message(
                2,
                Role::User,
                vec![
                    json!({"type": "text", "text": "and by region?"}),
                    json!({"type": "document", "source": {"type": "file", "file_id": "file_brief"}}),
                    json!({"type": "container_upload", "file_id": "file_brief"}),
                ],
                MessageState::Complete,
            ),
            message(
                3,
                Role::Assistant,
                vec![
                    json!({"type": "text", "text": "By region"}),
                    use_block(
                        "s9",
                        "bash_code_execution",
                        json!({"command": "python3 region.py"}),
                    ),
                ],
                MessageState::Cut,
            ),
        ],
        files: vec![
            FileRecord {
                id: "file_a".to_string(),
                filename: "sales.csv".to_string(),
                origin: FileOrigin::Uploaded,
                size: Some(100),
                mime: Some("text/csv".to_string()),
                local_path: Some("sales.csv".into()),
                given_as: None,
            },
            FileRecord {
                id: "file_brief".to_string(),
                filename: "brief.pdf".to_string(),
                origin: FileOrigin::Uploaded,
                size: Some(2048),
                mime: Some("application/pdf".to_string()),
                local_path: Some("brief.pdf".into()),
                given_as: Some(GivenAs::Both),
            },
            FileRecord {
                id: "file_chart".to_string(),
                filename: "chart.png".to_string(),
                origin: FileOrigin::Generated,
                size: None,
                mime: Some("image/png".to_string()),
                local_path: Some(chart.to_path_buf()),
                given_as: None,
            },
        ],
        deleted_files: Vec::new(),
    }
}
