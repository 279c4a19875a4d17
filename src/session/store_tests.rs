//! Behaviour of the session store against real SQLite files in temporary directories.

use super::schema::{SUPPORTED, V1};
use super::store::{Erased, Store, StoreError};
use crate::domain::container::Container;
use crate::domain::session::{FileOrigin, FileRecord, MessageState, Role};
use crate::domain::usage::Usage;
use serde_json::{Value, json};
use tempfile::TempDir;

fn fresh() -> (TempDir, Store) {
    let dir = TempDir::new().unwrap();
    let store = Store::open(&dir.path().join("nested/dir/sessions.db")).unwrap();
    (dir, store)
}

fn text(t: &str) -> Vec<Value> {
    vec![json!({"type": "text", "text": t})]
}

fn bash_run(command: &str, stdout: &str) -> Vec<Value> {
    vec![
        json!({"type":"server_tool_use","id":"srvtoolu_1","name":"bash_code_execution","input":{"command":command}}),
        json!({"type":"bash_code_execution_tool_result","tool_use_id":"srvtoolu_1","content":{"type":"bash_code_execution_result","stdout":stdout,"stderr":"","return_code":0,"content":[]}}),
    ]
}

#[test]
fn messages_round_trip_verbatim_with_state_usage_files_and_container() {
    let (_dir, store) = fresh();
    let meta = store
        .create_session("claude-x", "What drives churn?")
        .unwrap();
    assert_eq!(meta.name, "What drives churn?");
    let user = vec![
        json!({"type":"text","text":"hi ✓ \u{1b}[31m"}),
        json!({"type":"container_upload","file_id":"file_1"}),
    ];
    let answer = vec![
        json!({"type":"thinking","thinking":"hm","signature":"c2ln"}),
        json!({"type":"future_block","z":1,"a":[1.5,{"y":null,"b":true}],"n":18446744073709551615u64}),
    ];
    assert_eq!(
        store
            .append_message(&meta.id, Role::User, &user, &MessageState::Complete, None)
            .unwrap(),
        0
    );
    let seq = store
        .append_message(&meta.id, Role::Assistant, &[], &MessageState::Cut, None)
        .unwrap();
    assert_eq!(seq, 1);
    let usage = Usage {
        input_tokens: 10,
        output_tokens: 3,
        cache_creation_input_tokens: 1,
        cache_read_input_tokens: 2,
    };
    let failed = MessageState::Failed("overloaded".into());
    store
        .update_message(&meta.id, seq, &answer, &failed, Some(&usage))
        .unwrap();
    store.add_usage(&meta.id, &usage).unwrap();
    store.add_usage(&meta.id, &usage).unwrap();
    let container = Container {
        id: "container_1".into(),
        expires_at: Some("2030-01-01T00:00:00Z".into()),
    };
    store.set_container(&meta.id, Some(&container)).unwrap();
    let file = FileRecord {
        id: "file_1".into(),
        filename: "a.csv".into(),
        origin: FileOrigin::Uploaded,
        size: Some(12),
        mime: Some("text/csv".into()),
        local_path: Some("/tmp/a.csv".into()),
        given_as: None,
    };
    store.upsert_file(&meta.id, &file).unwrap();
    let renamed = FileRecord {
        filename: "b.csv".into(),
        ..file.clone()
    };
    store.upsert_file(&meta.id, &renamed).unwrap();

    let session = store.load(&meta.id).unwrap().unwrap();
    let as_text = |v: &[Value]| serde_json::to_string(v).unwrap();
    assert_eq!(as_text(&session.messages[0].content), as_text(&user));
    assert_eq!(as_text(&session.messages[1].content), as_text(&answer));
    assert_eq!(session.messages[0].role, Role::User);
    assert_eq!(session.messages[1].state, failed);
    assert_eq!(session.messages[1].usage, Some(usage));
    assert_eq!(session.meta.usage.input_tokens, 20);
    assert_eq!(session.meta.container, Some(container));
    assert_eq!(session.files, vec![renamed]);
    store.set_container(&meta.id, None).unwrap();
    assert_eq!(store.load(&meta.id).unwrap().unwrap().meta.container, None);
}

#[test]
fn writes_to_unknown_sessions_or_messages_fail_clearly() {
    let (_dir, store) = fresh();
    let err = store
        .append_message("ses_nope", Role::User, &[], &MessageState::Complete, None)
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    let meta = store.create_session("m", "p").unwrap();
    let err = store
        .update_message(&meta.id, 7, &[], &MessageState::Complete, None)
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MessageNotFound { seq: 7, .. }),
        "{err}"
    );
    assert!(store.load("ses_nope").unwrap().is_none());
}

#[test]
fn reopening_keeps_data_and_the_schema_version() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("sessions.db");
    let id = Store::open(&path)
        .unwrap()
        .create_session("m", "p")
        .unwrap()
        .id;
    let store = Store::open(&path).unwrap();
    assert!(store.load(&id).unwrap().is_some());
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SUPPORTED);
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn messages_record_when_they_were_last_written() {
    let (_dir, store) = fresh();
    let id = store.create_session("m", "p").unwrap().id;
    let seq = store
        .append_message(&id, Role::Assistant, &[], &MessageState::Cut, None)
        .unwrap();
    let first = store.load(&id).unwrap().unwrap().messages[0].clone();
    assert_eq!(first.updated_at.as_deref(), Some(first.created_at.as_str()));
    store
        .update_message(&id, seq, &text("done"), &MessageState::Complete, None)
        .unwrap();
    let updated = store.load(&id).unwrap().unwrap().messages[0].clone();
    assert_eq!(updated.created_at, first.created_at);
    let updated_at = updated.updated_at.expect("an update stamps the message");
    assert!(updated_at >= first.created_at, "{updated_at}");
}

#[test]
fn a_checkpoint_is_searchable_as_written_and_the_final_write_replaces_it() {
    let (_dir, store) = fresh();
    let id = store.create_session("m", "p").unwrap().id;
    let seq = store
        .append_message(&id, Role::Assistant, &[], &MessageState::Cut, None)
        .unwrap();
    let partial = text("zanzibar halfway");
    let json = crate::exact_json::to_string(&partial).unwrap();
    store.checkpoint_message(&id, seq, &json, None).unwrap();
    let stored = store.load(&id).unwrap().unwrap().messages[0].clone();
    assert_eq!(stored.content, partial);
    assert_eq!(stored.state, MessageState::Cut);
    assert_eq!(store.search("halfway").unwrap().len(), 1);
    store
        .update_message(
            &id,
            seq,
            &text("zanzibar done"),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    assert!(store.search("halfway").unwrap().is_empty());
    assert_eq!(store.search("zanzibar done").unwrap().len(), 1);
    assert!(store.checkpoint_message(&id, seq + 1, &json, None).is_err());
}

#[test]
fn writes_leave_indexing_to_the_next_search() {
    let (_dir, store) = fresh();
    let id = store.create_session("m", "p").unwrap().id;
    let seq = store
        .append_message(
            &id,
            Role::User,
            &text("okapi"),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    store
        .update_message(
            &id,
            seq,
            &text("okapi again"),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    let indexed = |store: &Store| -> i64 {
        store
            .conn
            .query_row("SELECT count(*) FROM messages_fts", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(indexed(&store), 0, "a write tokenised the message");
    assert_eq!(store.search("again").unwrap().len(), 1);
    assert_eq!(indexed(&store), 1);
    assert_eq!(
        store.catch_up_index().unwrap(),
        0,
        "the backlog was not emptied"
    );
    store.delete(&id).unwrap();
    let listed: i64 = store
        .conn
        .query_row("SELECT count(*) FROM unindexed", [], |r| r.get(0))
        .unwrap();
    assert_eq!(listed, 0);
}

#[test]
fn a_long_answer_is_written_in_place_in_its_own_table() {
    let (_dir, store) = fresh();
    let id = store.create_session("m", "p").unwrap().id;
    let seq = store
        .append_message(&id, Role::Assistant, &[], &MessageState::Cut, None)
        .unwrap();
    let answer = text(&"é long answer \"quoted\"\n".repeat(40_000));
    store
        .update_message(&id, seq, &answer, &MessageState::Complete, None)
        .unwrap();
    let (kind, len): (String, i64) = store
        .conn
        .query_row(
            "SELECT typeof(b.json), length(b.json)
             FROM bodies b JOIN messages m ON m.id = b.message_id WHERE m.seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "blob");
    assert_eq!(len as usize, serde_json::to_string(&answer).unwrap().len());
    assert_eq!(
        store.load(&id).unwrap().unwrap().messages[0].content,
        answer
    );
}

#[test]
fn a_version_1_database_gains_the_updated_at_column() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("sessions.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(V1).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO sessions (id, name, model, created_at, updated_at)
                 VALUES ('ses_old', 'old', 'm', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
             INSERT INTO messages (session_id, seq, role, content, state, created_at)
                 VALUES ('ses_old', 0, 'user', '[{\"type\":\"text\",\"text\":\"old\"}]',
                         'complete', '2025-01-01T00:00:01Z');
             INSERT INTO messages (session_id, seq, role, content, state, created_at)
                 VALUES ('ses_old', 1, 'assistant',
                         '[{\"type\":\"text\",\"text\":\"checkpointed\"}]',
                         'cut', '2025-01-01T00:00:02Z');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.search("checkpointed").unwrap().len(),
        1,
        "an answer that was only checkpointed before V4 becomes searchable"
    );
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SUPPORTED);
    let old = store.load("ses_old").unwrap().unwrap().messages[0].clone();
    assert_eq!(old.created_at, "2025-01-01T00:00:01Z");
    assert_eq!(old.updated_at, None);
    assert_eq!(
        old.content,
        text("old"),
        "a row from before V3 keeps its `content`"
    );
    store
        .update_message("ses_old", 0, &text("hi"), &MessageState::Complete, None)
        .unwrap();
    let old = store.load("ses_old").unwrap().unwrap().messages[0].clone();
    assert!(old.updated_at.is_some());
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("sessions.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future(x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path)
        .err()
        .expect("a future schema must be refused");
    assert!(
        matches!(
            err,
            StoreError::FutureSchema {
                found: 99,
                supported: SUPPORTED
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade clab"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("sessions.db-wal").exists());
}

#[test]
fn search_finds_tool_output_and_ranks_the_better_match_first() {
    let (_dir, store) = fresh();
    let weak = store.create_session("m", "weak").unwrap();
    let strong = store.create_session("m", "strong").unwrap();
    let long_text = format!("{} flamingo {}", "filler ".repeat(40), "words ".repeat(40));
    store
        .append_message(
            &weak.id,
            Role::Assistant,
            &text(&long_text),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    store
        .append_message(
            &strong.id,
            Role::Assistant,
            &bash_run("cat birds.txt", "flamingo flamingo\n"),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    store
        .append_message(
            &strong.id,
            Role::Assistant,
            &[json!({"type":"thinking","thinking":"pelican"})],
            &MessageState::Complete,
            None,
        )
        .unwrap();
    let hits = store.search("FLAMINGO").unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].session_id, strong.id);
    assert_eq!(hits[0].snippet, "cat birds.txt\n[flamingo] [flamingo]\n");
    assert!(hits[0].rank < hits[1].rank);
    assert!(
        store.search("pelican").unwrap().is_empty(),
        "thinking is not indexed"
    );
    assert_eq!(
        store.search("birds.txt").unwrap().len(),
        1,
        "commands are indexed"
    );
}

#[test]
fn search_treats_fts_syntax_as_text_and_follows_updates() {
    let (_dir, store) = fresh();
    let meta = store.create_session("m", "p").unwrap();
    let seq = store
        .append_message(
            &meta.id,
            Role::Assistant,
            &text("alpha"),
            &MessageState::Cut,
            None,
        )
        .unwrap();
    for query in [
        r#"""#,
        "-",
        "a:b",
        "NEAR(",
        "(x OR",
        "*",
        "^",
        r#"" OR ""#,
        "",
    ] {
        store
            .search(query)
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
    }
    store
        .update_message(
            &meta.id,
            seq,
            &text("beta-gamma"),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    assert!(store.search("alpha").unwrap().is_empty());
    assert_eq!(store.search("beta-gamma").unwrap().len(), 1);
}

#[test]
fn delete_cascades_to_messages_files_and_the_index() {
    let (_dir, store) = fresh();
    let meta = store.create_session("m", "p").unwrap();
    store
        .append_message(
            &meta.id,
            Role::User,
            &text("zanzibar"),
            &MessageState::Complete,
            None,
        )
        .unwrap();
    let file = FileRecord {
        id: "file_9".into(),
        filename: "x.png".into(),
        origin: FileOrigin::Generated,
        size: None,
        mime: None,
        local_path: None,
        given_as: None,
    };
    store.upsert_file(&meta.id, &file).unwrap();
    assert_eq!(store.delete(&meta.id).unwrap(), Some(Erased::Everywhere));
    assert_eq!(store.delete(&meta.id).unwrap(), None);
    let count = |table: &str| -> i64 {
        store
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        (count("messages"), count("files"), count("messages_fts")),
        (0, 0, 0)
    );
    assert!(store.search("zanzibar").unwrap().is_empty());
}

#[test]
fn list_latest_rename_and_prefixes() {
    let (_dir, store) = fresh();
    assert_eq!(store.latest_id().unwrap(), None);
    let a = store.create_session("m", "first").unwrap();
    let b = store.create_session("m", "second").unwrap();
    store
        .append_message(&a.id, Role::User, &text("q"), &MessageState::Complete, None)
        .unwrap();
    assert_eq!(store.latest_id().unwrap().as_deref(), Some(a.id.as_str()));
    store.rename(&b.id, "renamed").unwrap();
    let list = store.list().unwrap();
    assert_eq!(list[0].id, b.id);
    assert_eq!(list[0].name, "renamed");
    assert_eq!((list[1].turns, list[1].files), (1, 0));
    assert!(matches!(
        store.rename("ses_x", "n"),
        Err(StoreError::NotFound(_))
    ));

    assert_eq!(store.resolve_id(&a.id).unwrap(), a.id);
    assert_eq!(store.resolve_id(&a.id[..12]).unwrap(), a.id);
    assert!(matches!(
        store.resolve_id("ses_"),
        Err(StoreError::Ambiguous(_, 2))
    ));
    assert!(matches!(
        store.resolve_id("nope"),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(store.resolve_id(""), Err(StoreError::NotFound(_))));
}

#[test]
fn an_unchanged_body_is_kept_and_a_same_length_change_is_written() {
    let (_dir, store) = fresh();
    let id = store.create_session("m", "p").unwrap().id;
    let answer = text("kiwi fruit");
    let seq = store
        .append_message(&id, Role::Assistant, &answer, &MessageState::Cut, None)
        .unwrap();
    let pending = |store: &Store| -> i64 {
        store
            .conn
            .query_row("SELECT count(*) FROM unindexed", [], |r| r.get(0))
            .unwrap()
    };
    store.catch_up_index().unwrap();
    let usage = Usage {
        output_tokens: 3,
        ..Usage::default()
    };
    store
        .update_message(&id, seq, &answer, &MessageState::Complete, Some(&usage))
        .unwrap();
    let stored = store.load(&id).unwrap().unwrap().messages[0].clone();
    assert_eq!(
        (stored.content, stored.state, stored.usage),
        (answer, MessageState::Complete, Some(usage))
    );
    assert_eq!(
        pending(&store),
        0,
        "the same content was listed for indexing"
    );

    let same_length = text("kiwi fruiT");
    store
        .update_message(&id, seq, &same_length, &MessageState::Complete, None)
        .unwrap();
    assert_eq!(
        store.load(&id).unwrap().unwrap().messages[0].content,
        same_length
    );
    assert_eq!(pending(&store), 1);
    assert_eq!(store.search("fruiT").unwrap().len(), 1);
}

#[test]
fn a_version_3_database_moves_bodies_to_their_table() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("sessions.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(V1).unwrap();
        conn.execute_batch(
            "ALTER TABLE messages ADD COLUMN updated_at TEXT;
             ALTER TABLE messages ADD COLUMN body BLOB;
             PRAGMA user_version = 3;
             INSERT INTO sessions (id, name, model, created_at, updated_at)
                 VALUES ('ses_v3', 'v3', 'm', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
             INSERT INTO messages (session_id, seq, role, content, body, state, created_at)
                 VALUES ('ses_v3', 0, 'assistant', '',
                         CAST('[{\"type\":\"text\",\"text\":\"in a blob\"}]' AS BLOB),
                         'complete', '2025-01-01T00:00:01Z');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.load("ses_v3").unwrap().unwrap().messages[0].content,
        text("in a blob")
    );
    let columns: Vec<String> = store
        .conn
        .prepare("SELECT name FROM pragma_table_info('messages')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        !columns.iter().any(|c| c == "body" || c == "content"),
        "{columns:?}"
    );
}

#[test]
fn a_deleted_file_is_marked_in_every_session_that_has_it() {
    let (_dir, store) = fresh();
    let file = FileRecord {
        id: "file_shared".into(),
        filename: "x.csv".into(),
        origin: FileOrigin::Uploaded,
        size: None,
        mime: None,
        local_path: None,
        given_as: None,
    };
    let a = store.create_session("m", "a").unwrap().id;
    let b = store.create_session("m", "b").unwrap().id;
    store.upsert_file(&a, &file).unwrap();
    store.upsert_file(&b, &file).unwrap();
    assert_eq!(store.mark_file_deleted("file_shared").unwrap(), 2);
    for id in [&a, &b] {
        let session = store.load(id).unwrap().unwrap();
        assert_eq!(session.files.len(), 1, "the file is still listed");
        assert_eq!(session.deleted_files, vec!["file_shared".to_string()]);
    }
}
