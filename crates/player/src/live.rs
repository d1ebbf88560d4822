//! Changes a person makes while watching (the desktop player's keys), stamped with the
//! viewing time they take effect, so a restarted viewing (a seek) makes the same cut.
//!
//! The host stamps each change no earlier than the newest biometric sample it has
//! pushed; the director applies it at the first tick at or after the stamp.

use crossbeam_channel::Receiver;

use livingfilm_biometrics::source::Inbox;

/// One live change to how the film is steered.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "change", content = "value", rename_all = "snake_case")]
pub enum Control {
    /// The director's cut on (no adaptation) or off.
    DirectorsCut(bool),
    /// Adaptation strength, 0 ..= 2 (1: the control law as tuned).
    Strength(f32),
    /// Consent to send instructional metadata from now on.
    Consent(bool),
    /// The viewer stopped watching: the film ends here and the report is written.
    End,
}

/// A change and the viewing time it takes effect, seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Stamped {
    /// Viewing time, seconds.
    pub t: f64,
    /// The change.
    pub control: Control,
}

impl livingfilm_biometrics::source::Stamped for Stamped {
    fn at(&self) -> f64 {
        self.t
    }
}

/// The director's view of the live changes: hands over those due by a tick, in order.
pub(crate) struct ControlInbox(Option<Inbox<Stamped>>);

impl ControlInbox {
    pub(crate) fn new(rx: Option<Receiver<Stamped>>) -> Self {
        Self(rx.map(Inbox::new))
    }

    /// Whether changes may still come: the host has not hung up, or some are waiting.
    pub(crate) fn is_open(&mut self) -> bool {
        self.0.as_mut().is_some_and(Inbox::is_open)
    }

    /// The changes stamped at or before `t` (a tick's time, to within rounding).
    pub(crate) fn due(&mut self, t: f64, mut apply: impl FnMut(Control)) {
        if let Some(inbox) = &mut self.0 {
            inbox.each_until(t + 1e-9, |c| apply(c.control));
        }
    }
}

/// What the director is doing at one tick, for a live display (derived values only).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Tick {
    /// Viewing time, seconds.
    pub t: f64,
    /// Segment index.
    pub segment: usize,
    /// Variant index playing in it.
    pub variant: usize,
    /// Viewing time the segment started (its decision point), seconds.
    pub segment_start: f64,
    /// Viewing time it ends (the next decision point), seconds.
    pub segment_end: f64,
    /// The director's target tension now.
    pub target: f32,
    /// Smoothed tension estimate (`None` before any confident signal).
    pub tension: Option<f32>,
    /// Smoothed confidence of that estimate.
    pub confidence: f32,
    /// The control signal offered (the director's drive plus the offset).
    pub drive: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_handed_over_at_their_tick_in_order() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut inbox = ControlInbox::new(Some(rx));
        for (t, on) in [(1.0, true), (1.0, false), (2.5, true)] {
            tx.send(Stamped {
                t,
                control: Control::DirectorsCut(on),
            })
            .unwrap();
        }
        let mut seen = Vec::new();
        inbox.due(0.75, |c| seen.push(c));
        assert!(seen.is_empty());
        inbox.due(1.0, |c| seen.push(c));
        assert_eq!(
            seen,
            [Control::DirectorsCut(true), Control::DirectorsCut(false)]
        );
        inbox.due(2.25, |c| seen.push(c));
        assert_eq!(seen.len(), 2);
        inbox.due(2.5, |c| seen.push(c));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn the_inbox_is_open_until_the_host_hangs_up_and_every_change_is_handed_over() {
        assert!(!ControlInbox::new(None).is_open());
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut inbox = ControlInbox::new(Some(rx));
        assert!(inbox.is_open());
        tx.send(Stamped {
            t: 3.0,
            control: Control::End,
        })
        .unwrap();
        drop(tx);
        assert!(inbox.is_open(), "a change is still waiting");
        let mut seen = Vec::new();
        inbox.due(3.0, |c| seen.push(c));
        assert_eq!(seen, [Control::End]);
        assert!(!inbox.is_open());
    }
}
