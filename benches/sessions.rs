//! Session store benchmark: 1,000 sessions of 50 turns, then list, search, and load (resume)
//! a 1,000-turn session. Budgets: list < 50 ms, search < 100 ms (also right after a new turn,
//! whose messages the search indexes first), resume < 100 ms to ready. Indexing all 101,000
//! messages at the first search is reported, without a budget: it happens once, and only to a
//! store filled without searching. Run with `cargo bench --bench sessions`; figures are the
//! median of several runs.

use clab::domain::history::request_messages;
use clab::domain::session::{MessageState, Role};
use clab::session::store::Store;
use serde_json::json;
use std::time::{Duration, Instant};

const SESSIONS: usize = 1_000;
const TURNS: usize = 50;
const BIG_TURNS: usize = 1_000;
const RUNS: usize = 7;

fn turn(store: &mut Store, id: &str, i: usize) {
    let user = vec![
        json!({"type": "text", "text": format!("question {i}: what drives churn in region {}?", i % 7)}),
    ];
    store
        .append_message(id, Role::User, &user, &MessageState::Complete, None)
        .unwrap();
    let answer = vec![
        json!({"type": "text", "text": format!("Let me look at turn {i} of the data.")}),
        json!({"type": "server_tool_use", "id": format!("srvtoolu_{i}"), "name": "bash_code_execution",
               "input": {"command": "python3 -c 'import pandas as pd; print(pd.read_csv(\"x.csv\").describe())'"}}),
        json!({"type": "bash_code_execution_tool_result", "tool_use_id": format!("srvtoolu_{i}"),
               "content": {"type": "bash_code_execution_result", "stdout": format!("count 240\nmean {i}.5\nzebrafish{}\n", i % 13), "stderr": "", "return_code": 0, "content": []}}),
        json!({"type": "text", "text": "Tenure and support calls stand out; month-to-month contracts churn most."}),
    ];
    store
        .append_message(id, Role::Assistant, &answer, &MessageState::Complete, None)
        .unwrap();
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let mut store = Store::open(&path).unwrap();
    let build = Instant::now();
    for s in 0..SESSIONS {
        let meta = store
            .create_session("claude-bench", &format!("session {s} about churn"))
            .unwrap();
        for i in 0..TURNS {
            turn(&mut store, &meta.id, i);
        }
    }
    let big = store
        .create_session("claude-bench", "the long one")
        .unwrap();
    for i in 0..BIG_TURNS {
        turn(&mut store, &big.id, i);
    }
    println!(
        "built {SESSIONS} sessions x {TURNS} turns + one of {BIG_TURNS} turns in {:.1} s",
        build.elapsed().as_secs_f64()
    );
    drop(store);

    let open_list = time(|| Store::open(&path).unwrap().list().unwrap().len());
    let mut store = Store::open(&path).unwrap();
    let first = Instant::now();
    let indexed = store.catch_up_index().unwrap();
    let first = first.elapsed();
    let search = time(|| store.search("zebrafish7").unwrap().len());
    let hits = store.search("zebrafish7").unwrap().len();
    let after_turn = median(
        (BIG_TURNS..BIG_TURNS + RUNS)
            .map(|i| {
                turn(&mut store, &big.id, i);
                let started = Instant::now();
                std::hint::black_box(store.search("zebrafish7").unwrap());
                started.elapsed()
            })
            .collect(),
    );
    let resume = time(|| {
        let session = store.load(&big.id).unwrap().unwrap();
        request_messages(&session.messages, &session.deleted_files).len()
    });
    let report = |name: &str, d: Duration, budget_ms: f64| {
        let ms = d.as_secs_f64() * 1000.0;
        let verdict = if ms < budget_ms { "PASS" } else { "FAIL" };
        println!("{name:<32} {ms:8.2} ms (budget < {budget_ms} ms) {verdict}");
    };
    report("open + list 1,000 sessions", open_list, 50.0);
    println!(
        "{:<32} {:8.2} ms (once)",
        format!("index {indexed} messages"),
        first.as_secs_f64() * 1000.0
    );
    report(&format!("search ({hits} hits)"), search, 100.0);
    report("search right after a turn", after_turn, 100.0);
    report("resume a 1,000-turn session", resume, 100.0);
}
