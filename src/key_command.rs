//! The key from the config's `api_key_command`.
//!
//! Invariant: the command's standard output is read for the key and never shown: every error
//! says what was wrong with it, never what it printed, because that text is the key or
//! something near it. The key is the first non-empty line, trimmed, since password managers
//! print more after it (`pass show` prints the key, then `login: bob`); a key with a control
//! character is refused, as it could not go in a header and requests would leave without one.
//! The command runs through `sh` without clab's secrets ([`crate::child`]), with stdin closed
//! and stderr passed through (a password manager's prompt or complaint stays visible), and a
//! command that has not finished within its time limit is killed, so a hang cannot hang clab.

use crate::secret::ApiKey;
use std::process::Stdio;
use std::time::Duration;

/// How long `api_key_command` may run: long enough for a passphrase prompt.
pub const TIMEOUT: Duration = Duration::from_secs(30);

const FIX: &str = "fix it or set ANTHROPIC_API_KEY";

/// Runs `command` and reads the key from its output, stopping it after `timeout`.
pub async fn run(command: &str, timeout: Duration) -> Result<ApiKey, String> {
    let mut cmd = tokio::process::Command::from(crate::child::command("sh"));
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run api_key_command: {e}"))?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| {
            format!(
                "api_key_command did not finish within {} and was stopped; {FIX}",
                describe(timeout)
            )
        })?
        .map_err(|e| format!("cannot read api_key_command's output: {e}"))?;
    if !output.status.success() {
        return Err(format!("api_key_command failed ({}); {FIX}", output.status));
    }
    key_from_output(&output.stdout)
}

/// The key in `stdout`: its first non-empty line, trimmed.
pub fn key_from_output(stdout: &[u8]) -> Result<ApiKey, String> {
    let text = std::str::from_utf8(stdout)
        .map_err(|_| format!("api_key_command printed something that is not UTF-8 text; {FIX}"))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .ok_or_else(|| format!("api_key_command printed no key; {FIX}"))?;
    if line.chars().any(char::is_control) {
        return Err(format!(
            "api_key_command printed a key with a control character in it; {FIX}"
        ));
    }
    ApiKey::new(line).ok_or_else(|| format!("api_key_command printed no key; {FIX}"))
}

fn describe(timeout: Duration) -> String {
    if timeout.as_secs() > 0 && timeout.subsec_nanos() == 0 {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{} ms", timeout.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: &str = "sk-ant-test-key";

    #[test]
    fn the_key_is_the_first_non_empty_line() {
        for out in [
            "sk-ant-test-key\nlogin: bob\n",
            "\n  sk-ant-test-key  \r\nurl: example.com",
            "sk-ant-test-key",
        ] {
            assert_eq!(key_from_output(out.as_bytes()).unwrap().expose(), FIRST);
        }
    }

    #[test]
    fn a_control_character_is_refused_without_echoing_the_output() {
        for out in [
            "sk-ant-test-\x1b[31mred",
            "sk-ant-test-a\x00b",
            "sk-ant-test-a\u{85}b",
        ] {
            let e = key_from_output(out.as_bytes()).unwrap_err();
            assert!(e.contains("control character"), "{e}");
            assert!(!e.contains("sk-ant"), "{e}");
        }
    }

    #[test]
    fn empty_and_binary_output_are_refused_with_a_sentence() {
        let e = key_from_output(b"\n \n").unwrap_err();
        assert!(e.contains("printed no key"), "{e}");
        let e = key_from_output(b"sk-ant-\xff\xfe").unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
        assert!(!e.contains("sk-ant"), "{e}");
    }

    #[tokio::test]
    async fn the_command_s_first_line_is_the_key() {
        let key = run("printf 'sk-ant-test-key\\nlogin: bob\\n'", TIMEOUT)
            .await
            .unwrap();
        assert_eq!(key.expose(), FIRST);
    }

    #[tokio::test]
    async fn a_failing_command_is_reported_without_its_output() {
        let e = run("echo sk-ant-test-secret-output; exit 3", TIMEOUT)
            .await
            .unwrap_err();
        assert!(e.contains("api_key_command failed"), "{e}");
        assert!(!e.contains("sk-ant-test-secret-output"), "{e}");
    }

    #[tokio::test]
    async fn a_command_that_never_ends_is_stopped_at_the_limit() {
        let e = run(
            "echo sk-ant-test-partial; exec sleep 1000",
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
        assert!(e.contains("did not finish within 200 ms"), "{e}");
        assert!(!e.contains("sk-ant-test-partial"), "{e}");
    }
}
