//! The adaptive score as the director authors it: stems with intensity curves (RTPCs),
//! cues switched on a tempo grid with equal-power crossfades, stingers on cuts, and
//! ducking under dialogue. The audio stage plays it; this module only describes and
//! validates it and answers "where is the next bar line?".

use std::path::PathBuf;

use serde::Deserialize;

/// What a stem is for: music follows intensity and cues; dialogue ducks the music.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StemRole {
    /// Follows the intensity curve and the cues (the default).
    #[default]
    Music,
    /// Always plays at its curve's gain and pushes the music down while it speaks.
    Dialogue,
}

/// One stem and how loud it plays at each music intensity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StemSpec {
    /// Name used in reports.
    pub id: String,
    /// Audio file (any format `livingfilm inspect` reads), streamed while playing.
    pub file: PathBuf,
    /// Linear gain at intensity 0 and at intensity 1 (used when `curve` is absent).
    #[serde(default = "unit_gain")]
    pub gain: [f32; 2],
    /// Gain curve as `[intensity, dB]` points (piecewise linear in dB; flat outside).
    #[serde(default)]
    pub curve: Vec<[f32; 2]>,
    /// The cue this stem belongs to; absent: it plays in every cue.
    #[serde(default)]
    pub cue: Option<String>,
    /// Music or dialogue.
    #[serde(default)]
    pub role: StemRole,
    /// Loops from the start when it ends (stems must then be whole bars long).
    #[serde(default = "yes", rename = "loop")]
    pub looping: bool,
}

fn unit_gain() -> [f32; 2] {
    [1.0, 1.0]
}

fn yes() -> bool {
    true
}

/// Silence floor of gain curves, dB.
pub const SILENT_DB: f32 = -96.0;

impl StemSpec {
    /// Linear gain at `intensity` (0..1).
    pub fn gain_at(&self, intensity: f32) -> f32 {
        let x = intensity.clamp(0.0, 1.0);
        if self.curve.is_empty() {
            return self.gain[0] + (self.gain[1] - self.gain[0]) * x;
        }
        let db = curve_db(&self.curve, x);
        if db <= SILENT_DB {
            0.0
        } else {
            10f32.powf(db / 20.0)
        }
    }
}

/// Piecewise-linear interpolation of `[x, dB]` points sorted by x.
fn curve_db(points: &[[f32; 2]], x: f32) -> f32 {
    let first = points[0];
    if x <= first[0] {
        return first[1];
    }
    for w in points.windows(2) {
        let ([x0, y0], [x1, y1]) = (w[0], w[1]);
        if x <= x1 {
            let t = if x1 > x0 { (x - x0) / (x1 - x0) } else { 1.0 };
            return y0 + (y1 - y0) * t;
        }
    }
    points[points.len() - 1][1]
}

/// One section of the tempo map.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TempoSection {
    /// Mix time at which this tempo starts, seconds (the first section starts at 0).
    #[serde(default)]
    pub at_s: f64,
    /// Beats per minute.
    pub bpm: f64,
    /// Beats in a bar.
    #[serde(default = "four")]
    pub beats_per_bar: u32,
}

fn four() -> u32 {
    4
}

/// The grid changes snap to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantize {
    /// At once (sample-accurate at the directive's time).
    Immediate,
    /// At the next beat.
    Beat,
    /// At the next bar line (the default).
    #[default]
    Bar,
}

/// How cue changes are made.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TransitionSpec {
    /// Where the crossfade starts.
    pub quantize: Quantize,
    /// Equal-power crossfade length, seconds.
    pub crossfade_s: f64,
}

impl Default for TransitionSpec {
    fn default() -> Self {
        Self {
            quantize: Quantize::Bar,
            crossfade_s: 2.0,
        }
    }
}

/// Side-chain ducking of the music under dialogue stems.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DuckingSpec {
    /// Gain change of the music while dialogue speaks, dB (negative).
    pub depth_db: f32,
    /// Dialogue level above which it counts as speaking, dBFS.
    pub threshold_db: f32,
    /// Time to reach the ducked level, seconds.
    pub attack_s: f32,
    /// Time to recover after dialogue stops, seconds.
    pub release_s: f32,
}

impl Default for DuckingSpec {
    fn default() -> Self {
        Self {
            depth_db: -10.0,
            threshold_db: -40.0,
            attack_s: 0.05,
            release_s: 0.6,
        }
    }
}

/// A one-shot sound played when certain segments start (a cut).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StingerSpec {
    /// Name used in reports.
    pub id: String,
    /// Short audio file (decoded whole at load; at most [`MAX_STINGER_S`]).
    pub file: PathBuf,
    /// Segments whose start plays it; empty: every cut into a decision point.
    #[serde(default)]
    pub segments: Vec<String>,
    /// Where it lands relative to the cut.
    #[serde(default = "beat")]
    pub quantize: Quantize,
    /// Level, dB.
    #[serde(default)]
    pub gain_db: f32,
}

fn beat() -> Quantize {
    Quantize::Beat
}

/// Longest stinger, seconds.
pub const MAX_STINGER_S: f64 = 10.0;

/// What is wrong with a decoded stinger of `frames` frames at `rate`, if anything
/// (shared by `check` and the player, which refuse the same stingers).
pub fn stinger_problem(frames: usize, rate: u32) -> Option<String> {
    let secs = frames as f64 / rate.max(1) as f64;
    if frames == 0 {
        Some("no audio frames".into())
    } else if secs > MAX_STINGER_S {
        Some(format!(
            "{secs:.1} s long; stingers are at most {MAX_STINGER_S} s"
        ))
    } else {
        None
    }
}

/// The adaptive score.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MusicSpec {
    /// Range of music intensity the controller may use (0..1).
    pub intensity: [f32; 2],
    /// Stems, streamed and mixed by intensity, cue and role.
    pub stems: Vec<StemSpec>,
    /// Tempo map; absent: no grid (changes are immediate).
    #[serde(default)]
    pub tempo: Vec<TempoSection>,
    /// How cue changes are made.
    #[serde(default)]
    pub transition: TransitionSpec,
    /// Time the mix takes to follow an intensity change, seconds.
    #[serde(default = "half_second")]
    pub ramp_s: f64,
    /// Ducking under dialogue stems.
    #[serde(default)]
    pub ducking: DuckingSpec,
    /// One-shots on cuts.
    #[serde(default)]
    pub stingers: Vec<StingerSpec>,
}

fn half_second() -> f64 {
    0.5
}

impl MusicSpec {
    /// Distinct cue names in first-use order.
    pub fn cues(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.stems.iter().filter_map(|s| s.cue.as_deref()) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Index of cue `name` in [`MusicSpec::cues`] (how mixer commands name cues).
    pub fn cue_index(&self, name: Option<&str>) -> Option<u16> {
        let name = name?;
        self.cues()
            .iter()
            .position(|&c| c == name)
            .map(|i| i as u16)
    }

    /// The tempo grid (empty when no tempo map is authored).
    pub fn grid(&self) -> TempoGrid<'_> {
        TempoGrid(&self.tempo)
    }

    /// Problems with the score's values, as `(field, problem)`, in manifest order.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |f: String, p: String| out.push((f, p));
        if self.stems.is_empty() {
            push("music.stems".into(), "at least one stem is required".into());
        }
        let mut ids = std::collections::HashSet::new();
        for (k, s) in self.stems.iter().enumerate() {
            let at = format!("music.stems[{k}]");
            if !ids.insert(s.id.as_str()) {
                push(format!("{at}.id"), format!("`{}` is used twice", s.id));
            }
            if s.gain.iter().any(|g| !(0.0..=4.0).contains(g)) {
                push(format!("{at}.gain"), "gains must lie within 0..=4".into());
            }
            for (p, [x, db]) in s.curve.iter().enumerate() {
                if !(0.0..=1.0).contains(x) || !(-120.0..=12.0).contains(db) {
                    push(
                        format!("{at}.curve"),
                        format!("point {p} [{x}, {db}]: intensity must lie within 0..=1 and dB within -120..=12"),
                    );
                }
            }
            if s.curve.windows(2).any(|w| w[1][0] < w[0][0]) {
                push(
                    format!("{at}.curve"),
                    "points must be in increasing intensity".into(),
                );
            }
        }
        for (k, t) in self.tempo.iter().enumerate() {
            let at = format!("music.tempo[{k}]");
            if !(20.0..=400.0).contains(&t.bpm) {
                push(
                    format!("{at}.bpm"),
                    format!("{} is outside 20..=400", t.bpm),
                );
            }
            if !(1..=16).contains(&t.beats_per_bar) {
                push(
                    format!("{at}.beats_per_bar"),
                    format!("{} is outside 1..=16", t.beats_per_bar),
                );
            }
            if k == 0 && t.at_s != 0.0 {
                push(
                    format!("{at}.at_s"),
                    "the first tempo must start at 0".into(),
                );
            }
            if k > 0 {
                let prev = self.tempo[k - 1];
                let bar = 60.0 / prev.bpm * prev.beats_per_bar as f64;
                let bars = (t.at_s - prev.at_s) / bar;
                if !t.at_s.is_finite() || t.at_s <= prev.at_s {
                    push(
                        format!("{at}.at_s"),
                        "tempo changes must be in increasing time".into(),
                    );
                } else if (bars - bars.round()).abs() * bar > 1e-3 {
                    push(
                        format!("{at}.at_s"),
                        format!(
                            "{} s is not on a bar line of the previous tempo (bars every {bar:.3} s from {} s)",
                            t.at_s, prev.at_s
                        ),
                    );
                }
            }
        }
        let tr = self.transition;
        if !(0.0..=30.0).contains(&tr.crossfade_s) {
            push(
                "music.transition.crossfade_s".into(),
                format!("{} is outside 0..=30", tr.crossfade_s),
            );
        }
        if tr.quantize != Quantize::Immediate && self.tempo.is_empty() && !self.cues().is_empty() {
            push(
                "music.transition.quantize".into(),
                "cue changes snap to bars by default, which needs a tempo map: add music.tempo or set quantize = \"immediate\"".into(),
            );
        }
        if !(0.0..=10.0).contains(&self.ramp_s) {
            push(
                "music.ramp_s".into(),
                format!("{} is outside 0..=10", self.ramp_s),
            );
        }
        let d = self.ducking;
        if !(-60.0..=0.0).contains(&d.depth_db) || !(-90.0..=0.0).contains(&d.threshold_db) {
            push(
                "music.ducking".into(),
                "depth_db must lie within -60..=0 and threshold_db within -90..=0".into(),
            );
        }
        if !(0.001..=5.0).contains(&d.attack_s) || !(0.001..=10.0).contains(&d.release_s) {
            push(
                "music.ducking".into(),
                "attack_s must lie within 0.001..=5 and release_s within 0.001..=10".into(),
            );
        }
        for (k, s) in self.stingers.iter().enumerate() {
            if s.quantize != Quantize::Immediate && self.tempo.is_empty() {
                push(
                    format!("music.stingers[{k}].quantize"),
                    "quantizing to beats or bars needs a tempo map (music.tempo)".into(),
                );
            }
            if !(-60.0..=12.0).contains(&s.gain_db) {
                push(
                    format!("music.stingers[{k}].gain_db"),
                    format!("{} is outside -60..=12", s.gain_db),
                );
            }
        }
        out
    }
}

/// Musical time over mix time.
#[derive(Debug, Clone, Copy)]
pub struct TempoGrid<'a>(&'a [TempoSection]);

impl<'a> TempoGrid<'a> {
    /// The grid of `sections` (as in `music.tempo`).
    pub fn new(sections: &'a [TempoSection]) -> Self {
        Self(sections)
    }

    /// Length of a bar of the first tempo, seconds (`None` without a tempo map).
    pub fn first_bar_s(&self) -> Option<f64> {
        self.0
            .first()
            .map(|t| 60.0 / t.bpm * t.beats_per_bar as f64)
    }

    /// The first grid line at or after `t` seconds for `q`; `t` itself when immediate or
    /// without a tempo map.
    pub fn next_line(&self, t: f64, q: Quantize) -> f64 {
        if q == Quantize::Immediate || self.0.is_empty() {
            return t;
        }
        let k = self.0.iter().rposition(|s| s.at_s <= t).unwrap_or(0);
        let s = self.0[k];
        let beat = 60.0 / s.bpm;
        let unit = match q {
            Quantize::Bar => beat * s.beats_per_bar as f64,
            _ => beat,
        };
        // Tolerate float noise: a time within a microsecond of a line is on it.
        let n = ((t - s.at_s) / unit - 1e-6).ceil().max(0.0);
        let line = s.at_s + n * unit;
        match self.0.get(k + 1) {
            Some(next) if next.at_s < line => next.at_s,
            _ => line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(sections: &[(f64, f64, u32)]) -> Vec<TempoSection> {
        sections
            .iter()
            .map(|&(at_s, bpm, beats_per_bar)| TempoSection {
                at_s,
                bpm,
                beats_per_bar,
            })
            .collect()
    }

    #[test]
    fn bar_and_beat_lines_follow_the_tempo_map() {
        let map = grid(&[(0.0, 120.0, 4), (8.0, 90.0, 3)]);
        let g = TempoGrid(&map);
        assert_eq!(g.next_line(0.0, Quantize::Bar), 0.0);
        assert_eq!(g.next_line(0.1, Quantize::Bar), 2.0);
        assert_eq!(g.next_line(2.0, Quantize::Bar), 2.0);
        assert_eq!(g.next_line(2.1, Quantize::Beat), 2.5);
        // Past the change to 90 bpm 3/4: bars of 2 s from 8 s.
        assert_eq!(g.next_line(7.5, Quantize::Bar), 8.0);
        assert_eq!(g.next_line(8.5, Quantize::Bar), 10.0);
        assert!((g.next_line(8.5, Quantize::Beat) - (8.0 + 2.0 / 3.0)).abs() < 1e-12);
        assert_eq!(g.next_line(3.3, Quantize::Immediate), 3.3);
        assert_eq!(TempoGrid(&[]).next_line(3.3, Quantize::Bar), 3.3);
    }

    #[test]
    fn curves_interpolate_in_db_and_reach_silence() {
        let s = StemSpec {
            id: "s".into(),
            file: PathBuf::new(),
            gain: [1.0, 1.0],
            curve: vec![[0.2, -96.0], [0.6, -6.0], [1.0, 0.0]],
            cue: None,
            role: StemRole::Music,
            looping: true,
        };
        assert_eq!(s.gain_at(0.0), 0.0);
        assert_eq!(s.gain_at(0.2), 0.0);
        assert!((s.gain_at(0.6) - 0.501_187).abs() < 1e-5);
        assert!((s.gain_at(0.8) - 10f32.powf(-3.0 / 20.0)).abs() < 1e-5);
        assert_eq!(s.gain_at(1.0), 1.0);
    }

    #[test]
    fn tempo_changes_off_the_bar_grid_are_refused() {
        let spec = MusicSpec {
            intensity: [0.0, 1.0],
            stems: vec![],
            tempo: grid(&[(0.0, 120.0, 4), (7.0, 90.0, 4)]),
            transition: TransitionSpec::default(),
            ramp_s: 0.5,
            ducking: DuckingSpec::default(),
            stingers: vec![],
        };
        let p = spec.problems();
        assert!(p
            .iter()
            .any(|(f, m)| f == "music.tempo[1].at_s" && m.contains("bar line")));
    }
}
