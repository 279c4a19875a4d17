use super::*;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Where the copy of this test binary started by [`children_never_see_the_key`] lets its fake
/// editor and opener write their environments.
const CAPTURE_DIR: &str = "CLAB_TEST_CHILD_ENV_DIR";
const SECRET: &str = "sk-ant-test-child-Zq9SECRET";

fn removed(cmd: &Command) -> Vec<String> {
    cmd.get_envs()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_child_command_removes_every_secret() {
    let mut commands = vec![
        command("sh"),
        editor_command("vi", Path::new("/tmp/message.md")),
    ];
    commands.extend(opener_commands(Path::new("/tmp/chart.png")));
    assert!(commands.len() > 2, "no opener commands");
    for cmd in &commands {
        for name in SECRET_VARS {
            assert!(
                removed(cmd).iter().any(|r| r == name),
                "{:?} keeps {name}",
                cmd.get_program()
            );
        }
    }
}

/// Runs only inside the copy of the test binary that [`children_never_see_the_key`] starts
/// with the secrets in its environment; anywhere else it has nothing to do.
#[test]
#[ignore = "started by children_never_see_the_key"]
fn spawn_the_editor_and_the_opener() {
    let Ok(dir) = std::env::var(CAPTURE_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let status = editor_command(&editor(), &dir.join("message.md"))
        .status()
        .unwrap();
    assert!(status.success(), "the fake editor failed: {status}");
    open_path(&dir.join("chart.png"), Duration::from_secs(600)).unwrap();
}

fn fake_program(path: &Path, capture: &str) {
    std::fs::write(
        path,
        format!("#!/bin/sh\nenv > \"${CAPTURE_DIR}/{capture}\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A fake `$VISUAL` and a fake `xdg-open` dump their environments; the test binary that runs
/// them has the key and a password-bearing base URL in its own.
#[cfg(not(target_os = "macos"))]
#[test]
fn children_never_see_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    fake_program(&bin.join("fake-editor"), "editor.env");
    fake_program(&bin.join("xdg-open"), "opener.env");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child::tests::spawn_the_editor_and_the_opener",
            "--ignored",
        ])
        .env("ANTHROPIC_API_KEY", SECRET)
        .env(
            "ANTHROPIC_BASE_URL",
            format!("http://bob:{SECRET}@127.0.0.1:9"),
        )
        .env("VISUAL", bin.join("fake-editor"))
        .env("PATH", path)
        .env(CAPTURE_DIR, dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for capture in ["editor.env", "opener.env"] {
        let env = std::fs::read_to_string(dir.path().join(capture)).unwrap();
        assert!(
            env.contains(CAPTURE_DIR),
            "{capture} is not the child's env"
        );
        assert!(!env.contains(SECRET), "{capture} holds the secret");
        for name in SECRET_VARS {
            assert!(
                !env.lines().any(|l| l.starts_with(&format!("{name}="))),
                "{capture} has {name}"
            );
        }
    }
}
