//! End-to-end checks of the mock Anthropic API over real HTTP (reqwest), as the client and
//! `clab --demo` use it: Files API shapes and paging, the demo stream, scenarios.

use clab::mock::{MockOptions, MockServer, Pace, RecordedBody, Scenario};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const CSV: &str =
    "region,units,price\nNorth,10,2.5\nSouth,20,3.5\nNorth,30,5.0\nEast,40,4.0\nWest,55,9.5\n";

async fn start(scenario: Option<Scenario>) -> MockServer {
    MockServer::start(MockOptions {
        port: 0,
        scenario,
        pace: Pace::Fast,
    })
    .await
    .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

fn api(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    beta: bool,
) -> reqwest::RequestBuilder {
    let b = c
        .request(method, url)
        .header("x-api-key", "sk-test-secret")
        .header("anthropic-version", "2023-06-01");
    if beta {
        b.header("anthropic-beta", "files-api-2025-04-14")
    } else {
        b
    }
}

async fn upload(s: &MockServer, name: &str, body: &str, beta: bool) -> Value {
    let form = Form::new().part(
        "file",
        Part::bytes(body.as_bytes().to_vec())
            .file_name(name.to_string())
            .mime_str("text/csv")
            .unwrap(),
    );
    let resp = api(
        &client(),
        reqwest::Method::POST,
        format!("{}/v1/files", s.base_url()),
        beta,
    )
    .multipart(form)
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_011C")
    );
    resp.json().await.unwrap()
}

/// Parses an SSE body, asserting the framing invariants; returns the data objects.
fn parse_sse(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let mut lines = e.lines();
            let event = lines.next().unwrap().strip_prefix("event: ").unwrap();
            let data: Value =
                serde_json::from_str(lines.next().unwrap().strip_prefix("data: ").unwrap())
                    .unwrap();
            assert_eq!(data["type"], event, "event name must equal data.type");
            data
        })
        .collect()
}

#[tokio::test]
async fn files_api_shapes_paging_download_and_delete() {
    let s = start(None).await;
    let beta_meta = upload(&s, "a.csv", CSV, true).await;
    assert_eq!(beta_meta["type"], "file");
    assert_eq!(beta_meta["filename"], "a.csv");
    assert_eq!(beta_meta["mime_type"], "text/csv");
    assert_eq!(beta_meta["size_bytes"], CSV.len());
    assert_eq!(beta_meta["downloadable"], false);
    assert!(beta_meta.get("expires_at").is_none());
    let id_a = beta_meta["id"].as_str().unwrap().to_string();
    assert_eq!(id_a.len(), "file_011CNha8iCJcU1wXNR6q4V8w".len());
    let ga_meta = upload(&s, "b.csv", CSV, false).await;
    assert_eq!(ga_meta["expires_at"], Value::Null);
    let id_b = ga_meta["id"].as_str().unwrap().to_string();

    let c = client();
    let get = |path: String, beta: bool| {
        api(
            &c,
            reqwest::Method::GET,
            format!("{}{path}", s.base_url()),
            beta,
        )
    };
    // Beta paging, newest first, limit=1.
    let p1: Value = get("/v1/files?beta=true&limit=1".into(), true)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p1["data"][0]["id"], id_b.as_str());
    assert_eq!(
        (p1["has_more"].clone(), p1["first_id"].clone()),
        (json!(true), json!(id_b))
    );
    let p2: Value = get(
        format!(
            "/v1/files?limit=1&after_id={}",
            p1["last_id"].as_str().unwrap()
        ),
        true,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(p2["data"][0]["id"], id_a.as_str());
    assert_eq!(p2["has_more"], false);
    let back: Value = get(format!("/v1/files?limit=1&before_id={id_a}"), true)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back["data"][0]["id"], id_b.as_str());
    // GA paging.
    let g1: Value = get("/v1/files?limit=1".into(), false)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(g1["data"][0]["id"], id_b.as_str());
    assert_eq!(g1["data"][0]["expires_at"], Value::Null);
    let next = g1["next_page"].as_str().unwrap();
    let g2: Value = get(format!("/v1/files?limit=1&page={next}"), false)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(g2["data"][0]["id"], id_a.as_str());
    assert_eq!(g2["next_page"], Value::Null);
    assert_eq!(
        get(format!("/v1/files?after_id={id_a}"), false)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        get("/v1/files?limit=0".into(), true)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );

    // Uploaded files are not downloadable.
    let dl = get(format!("/v1/files/{id_a}/content"), true)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), 400);
    let err: Value = dl.json().await.unwrap();
    assert_eq!(err["error"]["type"], "invalid_request_error");

    // Delete, then 404 with the documented message and matching request id.
    let del: Value = api(
        &c,
        reqwest::Method::DELETE,
        format!("{}/v1/files/{id_a}", s.base_url()),
        true,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(del, json!({"id": id_a, "type": "file_deleted"}));
    let gone = get(format!("/v1/files/{id_a}"), true).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    let rid = gone.headers()["request-id"].to_str().unwrap().to_string();
    let body: Value = gone.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        format!("File `{id_a}` not found.")
    );
    assert_eq!(body["request_id"], rid.as_str());

    // The log redacts the key and describes the multipart part.
    let log = s.requests();
    assert!(
        log[0]
            .headers
            .contains(&("x-api-key".to_string(), "<redacted>".to_string()))
    );
    match &log[0].body {
        RecordedBody::Multipart(parts) => {
            assert_eq!(parts.len(), 1);
            assert_eq!(parts[0].name, "file");
            assert_eq!(parts[0].filename.as_deref(), Some("a.csv"));
            assert_eq!(parts[0].size, CSV.len() as u64);
        }
        other => panic!("{other:?}"),
    }
    s.shutdown().await;
}

#[tokio::test]
async fn auth_version_and_bad_uploads_are_rejected() {
    let s = start(None).await;
    let c = client();
    let url = format!("{}/v1/files", s.base_url());
    let r = c
        .get(&url)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .get(&url)
        .header("authorization", "Bearer tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let form = Form::new().text("purpose", "x");
    let r = api(&c, reqwest::Method::POST, url.clone(), true)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let log: Value = c
        .get(format!("{}/_mock/requests", s.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 3);
    assert_eq!(
        log[1]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "authorization")
            .unwrap()[1],
        "<redacted>"
    );
    s.shutdown().await;
}

async fn ask(s: &MockServer, body: Value) -> reqwest::Response {
    api(
        &client(),
        reqwest::Method::POST,
        format!("{}/v1/messages", s.base_url()),
        false,
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

fn csv_request(file_id: &str) -> Value {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": true,
        "tools": [{"type": "code_execution_20250825", "name": "code_execution"}],
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What stands out?"},
            {"type": "container_upload", "file_id": file_id}]}]})
}

#[tokio::test]
async fn demo_stream_analyses_the_uploaded_csv() {
    let s = start(None).await;
    let file = upload(&s, "sales.csv", CSV, true).await;
    let resp = ask(&s, csv_request(file["id"].as_str().unwrap())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let events = parse_sse(&resp.text().await.unwrap());
    assert_eq!(events[0]["type"], "message_start");
    assert_eq!(events.last().unwrap()["type"], "message_stop");
    let results: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["type"] == "content_block_start"
                && e["content_block"]["type"] == "bash_code_execution_tool_result"
        })
        .map(|e| &e["content_block"]["content"])
        .collect();
    assert_eq!(results.len(), 2);
    assert!(
        results[0]["stdout"]
            .as_str()
            .unwrap()
            .contains("Shape: 5 rows x 3 columns")
    );
    let png_id = results[1]["content"][0]["file_id"].as_str().unwrap();
    // Tool input deltas reassemble into the command.
    let input: String = events
        .iter()
        .filter(|e| e["delta"]["type"] == "input_json_delta" && e["index"] == 1)
        .map(|e| e["delta"]["partial_json"].as_str().unwrap())
        .collect();
    let input: Value = serde_json::from_str(&input).unwrap();
    assert!(input["command"].as_str().unwrap().contains("pd.read_csv"));
    let delta = events
        .iter()
        .find(|e| e["type"] == "message_delta")
        .unwrap();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    let container = delta["delta"]["container"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(container.starts_with("container_011C"));

    let png = api(
        &client(),
        reqwest::Method::GET,
        format!("{}/v1/files/{png_id}/content", s.base_url()),
        true,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(&png.bytes().await.unwrap()[..8], b"\x89PNG\r\n\x1a\n");

    // A later turn reusing the container still sees the CSV; an unknown container is a 400.
    let mut again = csv_request("unused");
    again["messages"] = json!([{"role": "user", "content": "And the price?"}]);
    again["container"] = json!(container);
    let events = parse_sse(&ask(&s, again.clone()).await.text().await.unwrap());
    assert!(
        events
            .iter()
            .any(|e| e["content_block"]["type"] == "bash_code_execution_tool_result")
    );
    again["container"] = json!("container_011CUnknownUnknownUnknown");
    assert_eq!(ask(&s, again).await.status(), 400);
    s.shutdown().await;
}

#[tokio::test]
async fn legacy_tool_and_no_csv_answers() {
    let s = start(None).await;
    let file = upload(&s, "sales.csv", CSV, false).await;
    let mut req = csv_request(file["id"].as_str().unwrap());
    req["tools"] = json!([{"type": "code_execution_20250522", "name": "code_execution"}]);
    req["stream"] = json!(false);
    let msg: Value = ask(&s, req).await.json().await.unwrap();
    let kinds: Vec<&str> = msg["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"code_execution_tool_result"), "{kinds:?}");
    assert_eq!(msg["content"][1]["name"], "code_execution");
    let plain = json!({"model": "m", "max_tokens": 10, "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let events = parse_sse(&ask(&s, plain).await.text().await.unwrap());
    assert!(
        events
            .iter()
            .all(|e| e["content_block"]["type"] != "server_tool_use")
    );
    assert!(
        events
            .iter()
            .any(|e| e["delta"]["text"].as_str().is_some_and(|t| !t.is_empty()))
    );
    s.shutdown().await;
}

#[tokio::test]
async fn scenario_error_then_demo_and_cut_stream() {
    let sse = "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let scenario = Scenario::from_json(
        json!({"messages": [
            {"status": 529, "headers": {"retry-after": "0"}},
            {"demo": true},
            {"sse_text": sse, "cut_after_bytes": 40},
            {"sse_text": sse}
        ], "files": [{"status": 500}]}),
        std::path::Path::new("."),
    )
    .unwrap();
    let s = start(Some(scenario)).await;
    let plain = json!({"model": "m", "max_tokens": 10, "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let r = ask(&s, plain.clone()).await;
    assert_eq!(r.status(), 529);
    assert_eq!(r.headers()["retry-after"], "0");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["type"], "overloaded_error");
    assert!(body["request_id"].as_str().unwrap().starts_with("req_"));
    let r = ask(&s, plain.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        parse_sse(&r.text().await.unwrap())[0]["type"],
        "message_start"
    );
    // Cut: the body must fail to complete, after exactly the first 40 bytes.
    let mut r = ask(&s, plain.clone()).await;
    let mut got = Vec::new();
    let outcome = loop {
        match r.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert!(outcome.is_err(), "a cut stream must not end cleanly");
    assert_eq!(got, sse.as_bytes()[..40]);
    assert_eq!(ask(&s, plain).await.text().await.unwrap(), sse);
    let files = api(
        &client(),
        reqwest::Method::GET,
        format!("{}/v1/files", s.base_url()),
        false,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(files.status(), 500);
    s.shutdown().await;
}
