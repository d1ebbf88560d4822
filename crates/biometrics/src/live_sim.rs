//! A viewer a person plays by hand (the desktop player's keys): heart rate nudged up or
//! down, a startle, the sensor dropped and restored. The body is the simulator's
//! [`Body`]; its arousal is a pure function of the stamped commands, so a viewing
//! restarted for a seek regenerates exactly the same samples.

use super::simulate::Body;
use super::{Sample, SampleSource};

/// One thing the person rehearsing a viewer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SimCommand {
    /// Arousal (and so heart rate and pupil) one step down, eased in over a few seconds.
    Calmer,
    /// One step up.
    Tenser,
    /// A jump scare: a sharp rise that fades over about ten seconds.
    Startle,
    /// The sensor stops delivering (strap off, eye tracker lost) or comes back.
    ToggleSensor,
}

/// Arousal at the start, 0..1 (a relaxed viewer).
pub const REST_AROUSAL: f64 = 0.3;
/// How far one step moves arousal.
pub const STEP: f64 = 0.15;
/// Seconds a step takes to ease in.
const EASE_S: f64 = 4.0;
/// Peak of a startle and its decay time constant, seconds.
const STARTLE_PEAK: f64 = 0.55;
const STARTLE_DECAY_S: f64 = 8.0;

/// The commands stamped in viewing time; arousal and sensor contact follow from them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimScript {
    commands: Vec<(f64, SimCommand)>,
}

impl SimScript {
    /// Appends a command at `t` (never before the last one).
    pub fn push(&mut self, t: f64, c: SimCommand) {
        let t = self.commands.last().map_or(t, |&(last, _)| t.max(last));
        self.commands.push((t, c));
    }

    /// The commands stamped at or before `t` (a seek back forgets what came later).
    pub fn until(&self, t: f64) -> Self {
        Self {
            commands: self
                .commands
                .iter()
                .copied()
                .filter(|&(at, _)| at <= t)
                .collect(),
        }
    }

    /// Every command with its stamp.
    pub fn commands(&self) -> &[(f64, SimCommand)] {
        &self.commands
    }

    /// Arousal 0..1 at `t`.
    pub fn arousal(&self, t: f64) -> f64 {
        let mut level = REST_AROUSAL;
        let mut a = REST_AROUSAL;
        for &(at, c) in self.commands.iter().take_while(|&&(at, _)| at <= t) {
            let ease = ((t - at) / EASE_S).clamp(0.0, 1.0);
            let ease = ease * ease * (3.0 - 2.0 * ease);
            match c {
                Calmer | Tenser => {
                    let to = (level + if c == Tenser { STEP } else { -STEP }).clamp(0.0, 1.0);
                    a += (to - level) * ease;
                    level = to;
                }
                Startle => {
                    let dt = t - at;
                    let rise = (dt / 0.5).clamp(0.0, 1.0);
                    a += STARTLE_PEAK * rise * (-dt / STARTLE_DECAY_S).exp();
                }
                ToggleSensor => {}
            }
        }
        a.clamp(0.0, 1.0)
    }

    /// Whether the sensor delivers at `t`.
    pub fn connected(&self, t: f64) -> bool {
        self.commands
            .iter()
            .take_while(|&&(at, _)| at <= t)
            .filter(|&&(_, c)| c == ToggleSensor)
            .count()
            % 2
            == 0
    }
}

use SimCommand::{Calmer, Startle, Tenser, ToggleSensor};

/// The hand-played viewer as a sample source; commands are added as the person acts.
pub struct LiveSimulator {
    body: Body,
    script: SimScript,
    /// Samples are generated up to here; later commands cannot change them.
    generated_to: f64,
}

impl LiveSimulator {
    /// A viewer whose beat-to-beat randomness follows `seed`, acting out `script`.
    pub fn new(seed: u64, script: SimScript) -> Self {
        Self {
            body: Body::new(seed ^ 0x11FE_511A),
            script,
            generated_to: 0.0,
        }
    }

    /// Adds a command; it takes effect no earlier than the samples already generated.
    /// Returns the viewing time it was stamped with.
    pub fn act(&mut self, c: SimCommand) -> f64 {
        let t = self.generated_to;
        self.script.push(t, c);
        t
    }

    /// The commands so far.
    pub fn script(&self) -> &SimScript {
        &self.script
    }

    /// Viewing time samples have been generated up to.
    pub fn generated_to(&self) -> f64 {
        self.generated_to
    }
}

impl SampleSource for LiveSimulator {
    fn poll(&mut self, t: f64, out: &mut Vec<Sample>) -> bool {
        if t > self.generated_to {
            let script = &self.script;
            self.body.advance(
                t + 1e-9,
                |x| script.arousal(x),
                |x| script.connected(x),
                out,
            );
            self.generated_to = t;
        }
        true
    }

    fn describe(&self) -> String {
        "live simulator (keys)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::mean_hr as heart_rate;

    fn run(script: SimScript, to: f64, step: f64) -> Vec<Sample> {
        let mut sim = LiveSimulator::new(3, script);
        let mut out = Vec::new();
        let mut t = 0.0;
        while t < to {
            t = (t + step).min(to);
            sim.poll(t, &mut out);
        }
        out
    }

    #[test]
    fn keys_move_heart_rate_and_a_dropped_sensor_goes_quiet() {
        let mut s = SimScript::default();
        s.push(20.0, Tenser);
        s.push(20.0, Tenser);
        s.push(60.0, ToggleSensor);
        s.push(70.0, ToggleSensor);
        let out = run(s, 90.0, 0.25);
        assert!(heart_rate(&out, 30.0, 58.0) > heart_rate(&out, 0.0, 19.0) + 8.0);
        assert!(!out.iter().any(|x| x.t > 60.0 && x.t < 70.0));
        assert!(out.iter().any(|x| x.t > 70.5));
        let mut startle = SimScript::default();
        startle.push(10.0, Startle);
        let out = run(startle, 40.0, 0.25);
        assert!(heart_rate(&out, 10.5, 14.0) > heart_rate(&out, 2.0, 9.5) + 8.0);
    }

    #[test]
    fn samples_depend_on_the_script_not_on_how_they_are_polled() {
        let mut s = SimScript::default();
        s.push(5.0, Tenser);
        s.push(9.0, Startle);
        assert_eq!(run(s.clone(), 30.0, 0.25), run(s.clone(), 30.0, 1.7));
        // A seek back to 7 s forgets the startle, and only it.
        assert_eq!(s.until(7.0).commands(), &[(5.0, Tenser)]);
    }
}
