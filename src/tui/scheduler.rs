//! Frame pacing: draw only when something changed, at most once per frame interval.
//!
//! Invariant: a frame is drawn only after a request, and any number of requests before the
//! deadline coalesce into one frame; with no requests there is no deadline, so an idle app
//! sleeps on its event sources and draws nothing. Frames are counted so tests can assert that.

use std::time::{Duration, Instant};

/// ~60 frames per second at most.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);

#[derive(Debug)]
pub struct FrameScheduler {
    requested: bool,
    last: Option<Instant>,
    interval: Duration,
    frames: u64,
}

impl FrameScheduler {
    pub fn new(interval: Duration) -> FrameScheduler {
        FrameScheduler {
            requested: false,
            last: None,
            interval,
            frames: 0,
        }
    }

    pub fn request(&mut self) {
        self.requested = true;
    }

    pub fn is_requested(&self) -> bool {
        self.requested
    }

    /// When the requested frame may be drawn; None when no frame is wanted.
    pub fn deadline(&self, now: Instant) -> Option<Instant> {
        if !self.requested {
            return None;
        }
        Some(match self.last {
            Some(last) => (last + self.interval).max(now),
            None => now,
        })
    }

    pub fn drawn(&mut self, at: Instant) {
        self.requested = false;
        self.last = Some(at);
        self.frames += 1;
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_request_no_deadline() {
        let s = FrameScheduler::new(FRAME_INTERVAL);
        assert_eq!(s.deadline(Instant::now()), None);
    }

    #[test]
    fn requests_coalesce_and_respect_the_interval() {
        let mut s = FrameScheduler::new(FRAME_INTERVAL);
        let t0 = Instant::now();
        s.request();
        s.request();
        assert_eq!(s.deadline(t0), Some(t0));
        s.drawn(t0);
        assert_eq!(s.frames(), 1);
        assert_eq!(s.deadline(t0), None);
        s.request();
        assert_eq!(s.deadline(t0), Some(t0 + FRAME_INTERVAL));
        let later = t0 + Duration::from_secs(1);
        assert_eq!(s.deadline(later), Some(later));
    }
}
