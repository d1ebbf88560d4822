//! Video follows the audio clock: each frame waits until the device has played up to
//! the frame's time, so picture and score stay together however the device's crystal
//! drifts. A clock that stops advancing (a device gone quiet) is waited on at most
//! [`STALL`], then video runs free rather than freezing.
//!
//! Time is passed in (`now`, `sleep`) so the same code runs against a simulated clock
//! in tests (tests/it/av_sync.rs plays a simulated 10-minute film).

use std::time::Duration;

/// Longest wait on an audio clock that is not advancing.
pub const STALL: Duration = Duration::from_secs(2);

/// How often the clock is polled while waiting.
pub const POLL: Duration = Duration::from_millis(1);

/// Paces video frames against an audio frame counter.
#[derive(Debug, Clone)]
pub struct AvSync {
    fps: f64,
    rate: f64,
    stalled_since: Option<(u64, Duration)>,
    free_running: bool,
    /// Largest |audio position − frame time| seen when frames were shown, seconds.
    pub max_drift_s: f64,
}

impl AvSync {
    /// Video at `fps` against an audio clock counting frames at `rate`.
    pub fn new(fps: u32, rate: u32) -> Self {
        Self {
            fps: fps as f64,
            rate: rate as f64,
            stalled_since: None,
            free_running: false,
            max_drift_s: 0.0,
        }
    }

    /// Whether the clock was given up on (it stalled for longer than [`STALL`]).
    pub fn free_running(&self) -> bool {
        self.free_running
    }

    /// Waits until video frame `frame` is due by `clock()` (audio frames played),
    /// polling with `sleep`; `now()` is a monotonic time. Returns the drift at release,
    /// seconds (positive: audio ahead of the picture).
    pub fn wait(
        &mut self,
        frame: u64,
        mut clock: impl FnMut() -> u64,
        mut now: impl FnMut() -> Duration,
        mut sleep: impl FnMut(Duration),
    ) -> f64 {
        let due = frame as f64 / self.fps * self.rate;
        loop {
            let c = clock();
            if self.free_running || c as f64 >= due {
                let drift = (c as f64 - due) / self.rate;
                if !self.free_running {
                    self.max_drift_s = self.max_drift_s.max(drift.abs());
                }
                return drift;
            }
            let t = now();
            match self.stalled_since {
                Some((at, since)) if at == c => {
                    if t.saturating_sub(since) > STALL {
                        self.free_running = true;
                        continue;
                    }
                }
                _ => self.stalled_since = Some((c, t)),
            }
            sleep(POLL);
        }
    }
}
