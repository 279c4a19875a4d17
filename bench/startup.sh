#!/usr/bin/env bash
# Time from process start to the first frame of the TUI, in a real pseudo-terminal (80x24):
# the clock starts before exec and stops when the status bar has been drawn.
# Budget: first frame < 50 ms. Cases: a fresh session with a key, the no-key dialog, --demo.
# The pseudo-terminal answers clab's graphics queries the way xterm does (version, device
# attributes, cell size, status), so the time includes those round trips.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-15}
cargo build --release --quiet
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

python3 - "$PWD/target/release/clab" "$home" "$RUNS" <<'PY'
import os, pty, select, signal, statistics, struct, sys, time, fcntl, termios

binary, home, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

ANSWERS = [
    (b"\x1b[>0q", b"\x1bP>|XTerm(379)\x1b\\"),
    (b"\x1b[c", b"\x1b[?62;22c"),
    (b"\x1b[16t", b"\x1b[6;20;10t"),
    (b"\x1b[5n", b"\x1b[0n"),
]

def answer(fd, output, answered):
    """Replies to each query in the output not replied to yet; returns the new count."""
    queries = sorted(
        (at, reply)
        for query, reply in ANSWERS
        for at in range(len(output))
        if output.startswith(query, at)
    )
    for _, reply in queries[answered:]:
        os.write(fd, reply)
    return max(answered, len(queries))

def first_frame(args, env, marker):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(binary, [binary] + args, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    seen = b""
    answered = 0
    elapsed = None
    while time.perf_counter() - start < 5:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            seen += os.read(fd, 65536)
        except OSError:
            break
        answered = answer(fd, seen, answered)
        if marker in seen:
            elapsed = (time.perf_counter() - start) * 1000
            break
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    os.close(fd)
    return elapsed

base = {"PATH": os.environ["PATH"], "TERM": "xterm-256color", "CLAB_HOME": home, "HOME": home}
cases = [
    ("fresh session, key set", [], dict(base, ANTHROPIC_API_KEY="sk-ant-test-bench"), b"idle"),
    ("no key: the dialog", [], base, b"ANTHROPIC_API_KEY"),
    ("--demo", ["--demo"], base, b"DEMO"),
]
failed = False
for name, args, env, marker in cases:
    times = [first_frame(args, env, marker) for _ in range(runs)]
    if any(t is None for t in times):
        print(f"{name:28} FAIL: the first frame never showed {marker!r}")
        failed = True
        continue
    median = statistics.median(times)
    verdict = "PASS" if median < 50 else "FAIL"
    failed |= verdict == "FAIL"
    print(f"{name:28} first frame: median {median:5.1f} ms, min {min(times):5.1f}, max {max(times):5.1f} ({runs} runs)  {verdict} (< 50 ms)")
sys.exit(1 if failed else 0)
PY
