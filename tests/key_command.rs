//! `api_key_command` end to end: the key sent is the first line it printed, it runs without
//! clab's secrets in its environment, and a key it cannot be sent is refused before any request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::mpsc;

/// A server on 127.0.0.1 that answers every request 401 and reports the `x-api-key` it carried
/// (None when there was none). The mock redacts keys in its log, so the test needs its own.
fn key_catcher() -> (String, mpsc::Receiver<Option<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let (mut key, mut length) = (None, 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    let value = value.trim().to_string();
                    match name.to_ascii_lowercase().as_str() {
                        "x-api-key" => key = Some(value),
                        "content-length" => length = value.parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = tx.send(key);
            let answer = r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_k"}"#;
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, rx)
}

/// clab with `script` as its api_key_command, the key variable present but blank (so the
/// command runs and the variable is there to inherit) and the base URL from the environment.
fn clab_with_key_command(home: &Path, script: &str, url: &str) -> std::process::Output {
    let path = home.join("key.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{script}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!("api_key_command = \"{}\"\n", path.display()),
    )
    .unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_clab"))
        .env("CLAB_HOME", home)
        .current_dir(home)
        .env("ANTHROPIC_API_KEY", "")
        .env("ANTHROPIC_BASE_URL", url)
        .args(["-p", "hello"])
        .output()
        .unwrap()
}

#[test]
fn the_first_line_is_the_key_and_the_command_sees_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let (url, keys) = key_catcher();
    let capture = home.path().join("command.env");
    let script = format!(
        "env > '{}'\nprintf 'sk-ant-test-key\\nlogin: bob\\n'\n",
        capture.display()
    );
    let out = clab_with_key_command(home.path(), &script, &url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("authentication_error"), "{stderr}");
    let sent: Vec<_> = keys.try_iter().collect();
    assert_eq!(sent, vec![Some("sk-ant-test-key".to_string())]);
    assert!(!stderr.contains("login: bob"), "{stderr}");

    let env = std::fs::read_to_string(&capture).unwrap();
    assert!(
        env.contains("CLAB_HOME="),
        "not the command's environment: {env}"
    );
    for name in clab::child::SECRET_VARS {
        assert!(
            !env.lines().any(|l| l.starts_with(&format!("{name}="))),
            "api_key_command inherited {name}"
        );
    }
}

#[test]
fn a_key_with_a_control_character_is_refused_before_any_request() {
    let home = tempfile::tempdir().unwrap();
    let (url, keys) = key_catcher();
    let out = clab_with_key_command(
        home.path(),
        "printf 'sk-ant-\\033]0;title\\007key\\n'\necho 'the vault says hi' >&2\n",
        &url,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("control character"), "{stderr}");
    assert!(
        !stderr.contains("sk-ant"),
        "the output was echoed: {stderr}"
    );
    assert!(
        stderr.contains("the vault says hi"),
        "stderr was swallowed: {stderr}"
    );
    assert!(keys.try_iter().next().is_none(), "a request was sent");
}
