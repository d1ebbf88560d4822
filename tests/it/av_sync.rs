//! Picture follows sound: the player's real pacing code (`player::av_sync`) against a
//! simulated device over a 10-minute film — a crystal 150 ppm fast, callbacks of 1024
//! frames with scheduling jitter, render times up to 35 ms, and a 0.8 s device dropout
//! bridged by the null sink — never lets a shown frame drift a video frame from the audio.

use std::cell::Cell;
use std::time::Duration;

use livingfilm_biometrics::simulate::Rng;
use livingfilm_player::av_sync::{AvSync, STALL};

const FPS: u32 = 24;
const RATE: u32 = 48_000;

/// A device clock: frames played, advancing one callback (1024 frames) at a time.
struct SimDevice {
    rate: f64,
    jitter: Vec<f64>,
    /// (start, length) of a dropout during which the clock stops, seconds.
    dropout: Option<(f64, f64)>,
}

impl SimDevice {
    fn frames_at(&self, t: f64) -> u64 {
        // Time the device has actually been running.
        let run = match self.dropout {
            Some((at, len)) if t > at => at + (t - at - len).max(0.0),
            _ => t,
        };
        let period = 1024.0 / self.rate;
        let mut k = (run / period) as usize;
        // A callback late by its jitter has not yet counted.
        if k > 0 && run < k as f64 * period + self.jitter[k % self.jitter.len()] {
            k -= 1;
        }
        k as u64 * 1024
    }
}

fn play(device: &SimDevice, minutes: f64, rng: &mut Rng) -> AvSync {
    let now = Cell::new(0.0f64);
    let mut av = AvSync::new(FPS, RATE);
    let frames = (minutes * 60.0 * FPS as f64) as u64;
    for frame in 0..frames {
        av.wait(
            frame,
            || device.frames_at(now.get()),
            || Duration::from_secs_f64(now.get()),
            |d| now.set(now.get() + d.as_secs_f64()),
        );
        // Rendering and writing the frame: 5–35 ms (a frame lasts 41.7 ms).
        now.set(now.get() + 0.005 + 0.030 * rng.next_f64());
    }
    av
}

#[test]
fn ten_minutes_on_a_drifting_jittery_device_stay_within_a_frame() {
    let mut rng = Rng::new(9);
    let jitter = (0..997).map(|_| 0.002 * rng.next_f64()).collect();
    let device = SimDevice {
        rate: RATE as f64 * (1.0 + 150e-6),
        jitter,
        dropout: Some((300.0, 0.8)),
    };
    let av = play(&device, 10.0, &mut rng);
    assert!(!av.free_running());
    let frame_s = 1.0 / FPS as f64;
    assert!(
        av.max_drift_s < frame_s,
        "max drift {:.1} ms ≥ one frame ({:.1} ms)",
        av.max_drift_s * 1e3,
        frame_s * 1e3
    );
    // The bound that matters in practice: one callback period plus the poll.
    assert!(
        av.max_drift_s < 1024.0 / RATE as f64 + 0.002 + 1e-9,
        "{}",
        av.max_drift_s
    );
}

#[test]
fn a_clock_that_stops_for_good_is_followed_no_longer_than_the_stall_limit() {
    let mut rng = Rng::new(3);
    let device = SimDevice {
        rate: RATE as f64,
        jitter: vec![0.0],
        dropout: Some((10.0, 1e9)),
    };
    let now = Cell::new(0.0f64);
    let mut av = AvSync::new(FPS, RATE);
    for frame in 0..(20 * FPS as u64) {
        av.wait(
            frame,
            || device.frames_at(now.get()),
            || Duration::from_secs_f64(now.get()),
            |d| now.set(now.get() + d.as_secs_f64()),
        );
        now.set(now.get() + 0.01 * rng.next_f64());
    }
    assert!(av.free_running());
    // Video waited at most the stall limit once, then ran free (the last 240 frames
    // at render speed, at most 10 ms each).
    assert!(
        now.get() < 10.0 + STALL.as_secs_f64() + 240.0 * 0.01 + 0.1,
        "{}",
        now.get()
    );
}
