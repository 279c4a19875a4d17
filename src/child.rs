//! Programs clab starts: `$VISUAL`/`$EDITOR`, the system opener and `api_key_command`.
//!
//! Invariant: every child process is built by [`command`] (or passed through [`scrub`] when a
//! crate builds it, as `open::commands` does), so no child inherits a variable in
//! [`SECRET_VARS`]. None of these programs needs the key, and an editor plugin, a crash
//! reporter or whatever the opener launches (a browser, a viewer) could log or forward its
//! environment; with the variables removed there is nothing to carry away.

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Variables that can hold a clab secret: the key itself, and the base URL, which may carry a
/// password as `user:password@host`.
pub const SECRET_VARS: &[&str] = &["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"];

/// How long an opener may run before it counts as having handed the file to an application;
/// one that fails sooner lets the next opener try.
pub const OPENER_CHECK: Duration = Duration::from_millis(250);

/// `program` as a child without clab's secrets in its environment.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    scrub(&mut cmd);
    cmd
}

/// Removes clab's secrets from the environment `cmd` will run with; the rest is inherited.
pub fn scrub(cmd: &mut Command) -> &mut Command {
    for name in SECRET_VARS {
        cmd.env_remove(name);
    }
    cmd
}

/// The editor named by `$VISUAL`, else `$EDITOR`, else vi.
pub fn editor() -> String {
    std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_string())
}

/// `editor` on `file`, through the shell so an editor given with arguments (`code -w`) works.
pub fn editor_command(editor: &str, file: &Path) -> Command {
    let mut cmd = command("sh");
    cmd.arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("clab-editor")
        .arg(file);
    cmd
}

/// The desktop's openers for `path`, in the order `open::commands` lists them, each without
/// clab's secrets, with no stdio and (on Unix) in its own process group, so it neither writes
/// over the workbench nor gets the terminal's signals.
pub fn opener_commands(path: &Path) -> Vec<Command> {
    let mut commands = open::commands(path);
    for cmd in &mut commands {
        scrub(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(cmd, 0);
    }
    commands
}

/// Opens `path` with the first of [`opener_commands`] that works. An opener still running
/// after `check` has handed the file off; one that cannot be found, or (outside macOS and
/// Windows, where a failing opener may already have opened the file) that fails within
/// `check`, gives way to the next.
pub fn open_path(path: &Path, check: Duration) -> io::Result<()> {
    let retry_on_failure = cfg!(all(unix, not(target_os = "macos")));
    let mut tried = Vec::new();
    let mut failure = None;
    for mut cmd in opener_commands(path) {
        let name = cmd.get_program().to_string_lossy().into_owned();
        let child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                tried.push(name);
                continue;
            }
            Err(e) => return Err(io::Error::new(e.kind(), format!("{name}: {e}"))),
        };
        match wait_at_most(child, check)? {
            Some(status) if !status.success() => {
                // The opener ran but found nothing for this kind of file (xdg-open exits 2
                // or 3 for that); its exit status means nothing to the user.
                let kind = path
                    .extension()
                    .map(|e| format!(".{} files", e.to_string_lossy()))
                    .unwrap_or_else(|| "this file".to_string());
                let e = io::Error::other(format!("no program to open {kind} ({name} failed)"));
                if !retry_on_failure {
                    return Err(e);
                }
                failure = Some(e);
            }
            _ => return Ok(()),
        }
    }
    Err(failure.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no program to open it with (tried {})", tried.join(", ")),
        )
    }))
}

/// The child's exit status if it ends within `limit`, else None; either way a thread reaps it.
fn wait_at_most(mut child: Child, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("clab-opener-wait".into())
        .spawn(move || {
            let _ = tx.send(child.wait());
        })?;
    match rx.recv_timeout(limit) {
        Ok(status) => status.map(Some),
        Err(_) => Ok(None),
    }
}

#[cfg(all(test, unix))]
mod tests;
