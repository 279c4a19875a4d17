//! What clab prints outside the terminal UI: results on stdout, notes on stderr.
//!
//! Invariant: no write to stdout or stderr outside the TUI can panic. `println!` panics when
//! stdout is a pipe whose reader has gone (`clab -p … | head -c 20`): Rust ignores SIGPIPE, so
//! the write fails with `BrokenPipe` instead of killing the process. Every result therefore
//! goes through [`Stdout`], which returns write errors to the caller and drops everything after
//! the first failure, so a command stops printing but finishes its work: the turn is saved,
//! downloads finish, the remaining deletions run. SIGPIPE's default action is deliberately not
//! restored: it would kill clab between printing an answer and saving it.
//!
//! Exit code: a reader that went away took all it wanted (as `head` does to `yes`), so a
//! closed pipe is not a failure and nothing is said about it. The command exits with the code
//! its work earned: 0 when it succeeded, its own code (1 or 2, with its message) when it
//! failed. Any other write error (a full disk under `> out.txt`) is a failure, exit 1.
//!
//! Notes go to stderr through [`note`], which drops a failed write: with `2>&1 | head` stderr
//! is the same closed pipe, and a note nobody can read must not stop a turn. No note carries a
//! terminal control sequence (see [`note`]).

use std::io::{self, BufWriter, Write};

/// Buffered stdout that keeps its first write error and drops every write after it.
pub struct Stdout<W: Write = io::Stdout> {
    /// `None` after the first failure: what was still buffered is dropped unwritten, so a
    /// closed pipe is never written to again (not even when this value is dropped).
    out: Option<BufWriter<W>>,
    failed: Option<io::Error>,
}

impl Default for Stdout {
    fn default() -> Stdout {
        Stdout::new()
    }
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout::over(io::stdout())
    }
}

impl<W: Write> Stdout<W> {
    fn over(out: W) -> Stdout<W> {
        Stdout {
            out: Some(BufWriter::with_capacity(64 * 1024, out)),
            failed: None,
        }
    }

    /// Writes `text` and a newline and flushes, so the line shows at once. A failure is kept
    /// for [`Stdout::finish`]; later lines are dropped.
    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self, "{text}").and_then(|()| self.flush());
    }

    /// Writes `text` as it is (no newline added) and flushes; failures as in [`Stdout::line`].
    pub fn text(&mut self, text: &str) {
        let _ = self.write_all(text.as_bytes()).and_then(|()| self.flush());
    }

    /// Flushes what is buffered. `Ok` when everything was written or the reader went away
    /// (see the module doc); the first other write error otherwise.
    pub fn finish(mut self) -> io::Result<()> {
        let _ = self.flush();
        match self.failed.take() {
            Some(err) if !reader_gone(&err) => Err(err),
            _ => Ok(()),
        }
    }

    /// Runs `op` on the writer unless an earlier write failed; a failure now is kept.
    fn attempt<T>(&mut self, op: impl FnOnce(&mut BufWriter<W>) -> io::Result<T>) -> io::Result<T> {
        let Some(out) = self.out.as_mut() else {
            let kind = self
                .failed
                .as_ref()
                .map_or(io::ErrorKind::Other, io::Error::kind);
            return Err(io::Error::new(kind, "an earlier write to stdout failed"));
        };
        op(out).inspect_err(|err| {
            if let Some(out) = self.out.take() {
                let _unwritten = out.into_parts();
            }
            self.failed = Some(io::Error::new(err.kind(), err.to_string()));
        })
    }
}

impl<W: Write> Write for Stdout<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.attempt(|out| out.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.attempt(BufWriter::flush)
    }
}

/// Whether a failed write means the reader went away (a pipe closed at the other end).
pub fn reader_gone(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::BrokenPipe
}

/// One line on stderr; a failed write is dropped (see the module doc). Notes quote servers
/// (errors, retry notices, file names), so terminal controls are stripped here once more, as
/// the last step before the terminal, whatever the caller already did.
pub fn note(text: &str) {
    let text = crate::text_safety::strip_controls(text);
    let _ = writeln!(io::stderr().lock(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe that takes `room` bytes, then fails every write with `fails`.
    struct Pipe {
        room: usize,
        got: Vec<u8>,
        fails: io::ErrorKind,
        attempts_after_failure: usize,
    }

    impl Pipe {
        fn new(room: usize, fails: io::ErrorKind) -> Pipe {
            Pipe {
                room,
                got: Vec::new(),
                fails,
                attempts_after_failure: 0,
            }
        }
    }

    impl Write for &mut Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.got.len() + buf.len() > self.room {
                self.attempts_after_failure += 1;
                return Err(self.fails.into());
            }
            self.got.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_stops_the_output_and_is_not_an_error() {
        let mut pipe = Pipe::new(8, io::ErrorKind::BrokenPipe);
        let mut out = Stdout::over(&mut pipe);
        out.line("first");
        out.line("second, too long for the pipe");
        out.line("third");
        out.text("fourth");
        assert!(out.write_all(b"x").is_err());
        assert!(out.finish().is_ok());
        assert_eq!(pipe.got, b"first\n");
        assert_eq!(pipe.attempts_after_failure, 1);
    }

    #[test]
    fn any_other_write_error_is_returned() {
        let mut pipe = Pipe::new(0, io::ErrorKind::StorageFull);
        let mut out = Stdout::over(&mut pipe);
        out.line("lost");
        let err = out.finish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert!(!reader_gone(&err));
    }
}
