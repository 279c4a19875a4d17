//! Transfer progress on stderr: name, bytes so far, total and rate.
//!
//! Invariant: a bar is drawn only when stderr is a terminal; piped or redirected stderr gets
//! nothing, so scripts and logs never see carriage returns or escape codes. The per-chunk
//! callback is cheap: it stores two integers in an `indicatif` bar, which redraws at most
//! ~20 times a second on its own schedule.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

const TEMPLATE: &str = "{prefix} {bar:24} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}";

/// A progress display for one transfer; finished (and erased) when dropped.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar labelled `label` if stderr is a terminal, else a silent reporter. `label` is shown
    /// as given, so callers pass text already stripped of terminal controls.
    pub fn new(label: &str) -> Progress {
        Progress::with_visibility(label, std::io::stderr().is_terminal())
    }

    fn with_visibility(label: &str, visible: bool) -> Progress {
        let bar = visible.then(|| {
            let style = ProgressStyle::with_template(TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_prefix(label.to_string())
        });
        Progress { bar }
    }

    /// The `(done, total)` callback the Files API functions take.
    pub fn callback(&self) -> impl Fn(u64, u64) + Send + Sync + 'static {
        let bar = self.bar.clone();
        move |done, total| {
            if let Some(bar) = &bar {
                if bar.length() != Some(total) {
                    bar.set_length(total);
                }
                bar.set_position(done);
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visible_bar_follows_the_callback() {
        let progress = Progress::with_visibility("data.csv", true);
        let report = progress.callback();
        report(10, 100);
        report(60, 100);
        let bar = progress.bar.as_ref().unwrap();
        assert_eq!((bar.position(), bar.length()), (60, Some(100)));
    }

    #[test]
    fn a_silent_reporter_has_no_bar_and_accepts_calls() {
        let progress = Progress::with_visibility("data.csv", false);
        progress.callback()(5, 10);
        assert!(progress.bar.is_none());
    }
}
