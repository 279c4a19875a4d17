//! A long made-up session (prose, markdown, a code run with output per turn) for benchmarks
//! and render tests that need size, not realism.

use crate::domain::session::{MessageState, Role, Session, SessionMeta, StoredMessage};
use crate::domain::usage::Usage;
use serde_json::{Value, json};

fn message(seq: i64, role: Role, content: Vec<Value>) -> StoredMessage {
    StoredMessage {
        seq,
        role,
        content,
        state: MessageState::Complete,
        usage: None,
        created_at: "2026-01-01T10:00:00Z".to_string(),
        updated_at: None,
        run_times: Default::default(),
    }
}

/// A session of `turns` exchanges, each answer with markdown and one bash run.
pub fn synthetic_session(turns: usize) -> Session {
    let mut messages = Vec::with_capacity(turns * 2);
    for i in 0..turns {
        let id = format!("srvtoolu_{i:05}");
        messages.push(message(
            (i * 2) as i64,
            Role::User,
            vec![json!({"type": "text", "text": format!("Question {i}: what drives churn in region {}?", i % 7)})],
        ));
        messages.push(message(
            (i * 2 + 1) as i64,
            Role::Assistant,
            vec![
                json!({"type": "text", "text": format!("Let me look at **turn {i}** of the data:\n\n- tenure\n- support calls\n- contract type")}),
                json!({"type": "server_tool_use", "id": id, "name": "bash_code_execution",
                       "input": {"command": format!("python3 -c 'import pandas as pd; print(pd.read_csv(\"sales.csv\").describe())' # {i}")}}),
                json!({"type": "bash_code_execution_tool_result", "tool_use_id": id,
                       "content": {"type": "bash_code_execution_result",
                                   "stdout": format!("count 240\nmean {i}.5\nstd 3.1\nmin 0\nmax 99\n"),
                                   "stderr": if i % 5 == 0 { "warning: dtype guessed\n" } else { "" },
                                   "return_code": if i % 9 == 0 { 1 } else { 0 }, "content": []}}),
                json!({"type": "text", "text": format!("## Finding {i}\n\nTenure and support calls stand out; *month-to-month* contracts churn most. See `churn_by_contract.png` and the table:\n\n| contract | churn |\n|---|---|\n| monthly | 41% |\n| yearly | 11% |")}),
            ],
        ));
    }
    Session {
        meta: SessionMeta {
            id: "ses_synthetic".into(),
            name: "synthetic churn analysis".into(),
            model: "claude-sonnet-4-5".into(),
            created_at: "2026-01-01T10:00:00Z".into(),
            updated_at: "2026-01-01T10:00:00Z".into(),
            container: None,
            usage: Usage::default(),
            skills: Vec::new(),
        },
        messages,
        files: Vec::new(),
        deleted_files: Vec::new(),
    }
}
