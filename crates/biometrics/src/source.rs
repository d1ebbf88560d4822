//! The one seam every sensor input goes through: replay files, the simulator, the
//! companion stream and Bluetooth straps all hand the biometrics stage time-ordered
//! [`Sample`]s the same way, so the rest of the pipeline never knows which it has.

use super::Sample;

/// A producer of readings in viewing time.
pub trait SampleSource: Send {
    /// Moves every reading with time `<= t` into `out`, oldest first; returns `false`
    /// once the source can never produce again (a finished replay), `true` while it
    /// may (a live sensor that is silent now may reconnect later).
    fn poll(&mut self, t: f64, out: &mut Vec<Sample>) -> bool;

    /// What this source is, for reports and logs (never a raw reading).
    fn describe(&self) -> String;
}

/// Something that happens at a viewing time, seconds.
pub trait Stamped {
    fn at(&self) -> f64;
}

impl Stamped for Sample {
    fn at(&self) -> f64 {
        self.t
    }
}

/// The receiving end of another thread: items (a live source's readings, a host's live
/// changes) wait here until the viewing clock reaches them (a sender's clock may run
/// slightly ahead of ours).
pub struct Inbox<T = Sample> {
    rx: crossbeam_channel::Receiver<T>,
    pending: Option<T>,
}

impl<T: Stamped> Inbox<T> {
    pub fn new(rx: crossbeam_channel::Receiver<T>) -> Self {
        Self { rx, pending: None }
    }

    /// Hands every item stamped `<= t` to `take`, in arrival order.
    pub fn each_until(&mut self, t: f64, mut take: impl FnMut(T)) {
        while let Some(s) = self.pending.take().or_else(|| self.rx.try_recv().ok()) {
            if s.at() > t {
                self.pending = Some(s);
                return;
            }
            take(s);
        }
    }

    /// Whether items may still come: one is waiting, or the sender is still there.
    pub fn is_open(&mut self) -> bool {
        if self.pending.is_some() {
            return true;
        }
        match self.rx.try_recv() {
            Ok(s) => {
                self.pending = Some(s);
                true
            }
            Err(crossbeam_channel::TryRecvError::Empty) => true,
            Err(crossbeam_channel::TryRecvError::Disconnected) => false,
        }
    }

    /// Moves every item stamped `<= t` into `out`, in arrival order.
    pub fn drain_until(&mut self, t: f64, out: &mut Vec<T>) {
        self.each_until(t, |s| out.push(s));
    }
}

/// A recorded or simulated series played back against the viewing clock.
pub struct ReplaySource {
    samples: Vec<Sample>,
    next: usize,
    label: String,
}

impl ReplaySource {
    /// Plays `samples` (sorted by time here; replay parsers already reject disorder).
    pub fn new(mut samples: Vec<Sample>, label: impl Into<String>) -> Self {
        samples.sort_by(|a, b| a.t.total_cmp(&b.t));
        Self {
            samples,
            next: 0,
            label: label.into(),
        }
    }
}

impl SampleSource for ReplaySource {
    fn poll(&mut self, t: f64, out: &mut Vec<Sample>) -> bool {
        while let Some(s) = self.samples.get(self.next).filter(|s| s.t <= t) {
            out.push(*s);
            self.next += 1;
        }
        self.next < self.samples.len()
    }

    fn describe(&self) -> String {
        format!("{} ({} readings)", self.label, self.samples.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reading;

    #[test]
    fn replay_releases_in_time_and_ends() {
        let s = |t| Sample {
            t,
            reading: Reading::Hr { bpm: 60.0 },
        };
        let mut src = ReplaySource::new(vec![s(2.0), s(1.0)], "test");
        let mut out = Vec::new();
        assert!(src.poll(1.5, &mut out));
        assert_eq!(out.len(), 1);
        assert!(!src.poll(9.0, &mut out));
        assert_eq!(out[1].t, 2.0);
    }
}
