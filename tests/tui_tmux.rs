//! The real binary in a real terminal (tmux): `clab --demo`, attach a CSV with Ctrl-O, ask,
//! watch the code run, download the chart from the files panel, quit. Checks the captured
//! screen and the file on disk. Skipped when tmux is missing, except under CI (`.ci/run`
//! installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "clab"];
        args.extend(keys);
        self.run(&args);
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "clab", "-l", text]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "clab"])
    }

    /// Waits until the screen shows every one of `needles`; panics with the screen if not.
    fn wait_for(&self, needles: &[&str], within: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            if start.elapsed() > within {
                panic!("the screen never showed {needles:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn pngs_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "png"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn demo_attach_ask_download_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI"
        );
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let downloads = home.path().join("out");
    let csv = home.path().join("sales.csv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/customers.csv"),
        &csv,
    )
    .unwrap();
    let command = format!(
        // TMPDIR too: nothing the demo makes may outlive the test.
        "env CLAB_HOME='{home}' TMPDIR='{home}' TERM=xterm-256color '{bin}' --demo --download-dir '{out}'; sleep 30",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_clab"),
        out = downloads.display(),
    );
    let tmux = Tmux {
        socket: format!("clab-test-{}", std::process::id()),
    };
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "clab",
        "-x",
        "120",
        "-y",
        "40",
        "-c",
        &home.path().display().to_string(),
        &command,
    ]);
    let long = Duration::from_secs(60);
    tmux.wait_for(&["DEMO", "idle"], long);

    tmux.keys(&["C-o"]);
    tmux.wait_for(&["Attach"], long);
    tmux.text(&csv.display().to_string());
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["sales.csv", "in container"], long);

    tmux.text("what drives churn? plot it");
    tmux.keys(&["Enter"]);
    let answered = tmux.wait_for(&[".png", "exit 0", "idle"], long);
    assert!(answered.contains("what drives churn?"), "{answered}");

    // Files panel: Tab from the composer through conversation and code; the chart is the
    // second file (after the upload).
    tmux.keys(&["Tab", "Tab", "Tab", "Down", "d"]);
    let saved = tmux.wait_for(&["saved →"], long);
    let pngs = pngs_in(&downloads);
    assert_eq!(pngs.len(), 1, "{saved}");
    let bytes = std::fs::read(&pngs[0]).unwrap();
    assert_eq!(&bytes[..4], b"\x89PNG");

    // The downloaded chart opens in the files pane, drawn in half-blocks (tmux).
    let (width, height) = image::image_dimensions(&pngs[0]).unwrap();
    let title = format!("{width}×{height} PNG · half-blocks");
    let shown = tmux.wait_for(&[title.as_str(), "▀"], long);
    let blocks = shown.chars().filter(|c| matches!(c, '▀' | '▄')).count();
    assert!(blocks > 200, "{shown}");
    // p closes it.
    tmux.keys(&["p"]);
    let start = Instant::now();
    while tmux.screen().contains(&title) {
        assert!(start.elapsed() < long, "the preview did not close");
        std::thread::sleep(Duration::from_millis(50));
    }

    tmux.keys(&["C-q"]);
    let start = Instant::now();
    while tmux.screen().contains("DEMO") {
        assert!(start.elapsed() < long, "clab did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}
