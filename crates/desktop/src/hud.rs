//! What the heads-up display says and where: the film's state, the estimate against
//! the director's curve as a live sparkline, the viewer's vitals, the last decisions,
//! the model's provider, consent, and the frame clock. Everything here is shown, never
//! stored: the vitals are raw readings and stay on the screen.

use std::collections::VecDeque;
use std::fmt::Write;

use livingfilm_biometrics::{Reading, Sample};
use livingfilm_director::{Decision, Film};
use livingfilm_player::Tick;

use super::controls::KEYS;
use super::gfx::Gfx;

/// Seconds of history in the sparkline.
pub const SPARK_S: f64 = 60.0;

/// Heart rate, HRV and pupil from the samples handed to the stages, for display only.
#[derive(Debug, Default)]
pub struct Vitals {
    recent: VecDeque<Sample>,
}

impl Vitals {
    /// Keeps a sample (those more than 60 s older than the newest are let go).
    pub fn push(&mut self, s: Sample) {
        self.recent.push_back(s);
        while self.recent.front().is_some_and(|f| f.t < s.t - 60.0) {
            self.recent.pop_front();
        }
    }

    /// Forgets everything (a seek).
    pub fn clear(&mut self) {
        self.recent.clear();
    }

    /// (heart rate bpm over the last 8 beats, RMSSD ms over the last 30 s, pupil mm,
    /// seconds since the last reading) as of viewing time `t`; allocates nothing.
    pub fn at(&self, t: f64) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
        let seen = || self.recent.iter().filter(move |s| s.t <= t);
        let rr = || {
            seen().filter_map(|s| match s.reading {
                Reading::Rr { ms } => Some((s.t, ms)),
                _ => None,
            })
        };
        let (mut n, mut sum) = (0usize, 0.0);
        for (_, ms) in rr().rev().take(8) {
            n += 1;
            sum += ms;
        }
        let hr = (n > 0).then(|| 60_000.0 * n as f64 / sum);
        let (mut prev, mut sq, mut diffs) = (None, 0.0, 0usize);
        for (_, ms) in rr().filter(|r| r.0 > t - 30.0) {
            if let Some(p) = prev {
                sq += (ms - p) * (ms - p);
                diffs += 1;
            }
            prev = Some(ms);
        }
        let rmssd = (diffs > 1).then(|| (sq / diffs as f64).sqrt());
        let pupil = seen().rev().find_map(|s| match s.reading {
            Reading::Pupil { mm } if mm > 0.0 => Some(mm),
            _ => None,
        });
        let age = seen().next_back().map(|s| t - s.t);
        (hr, rmssd, pupil, age)
    }
}

/// What the player is doing, gathered from its events.
#[derive(Debug, Default)]
pub struct HudState {
    /// Ticks of the last minute.
    pub ticks: VecDeque<Tick>,
    /// Every decision so far.
    pub decisions: Vec<Decision>,
    /// The model's execution provider.
    pub provider: String,
    /// Warnings from the stages.
    pub warnings: Vec<String>,
    /// The viewer's vitals.
    pub vitals: Vitals,
    /// The HUD's text lines, reused from frame to frame.
    lines: Vec<String>,
}

/// Most text lines the HUD shows (seven of state, three decisions, a note).
const MAX_LINES: usize = 11;

impl HudState {
    /// Keeps a tick.
    pub fn tick(&mut self, k: Tick) {
        while self.ticks.front().is_some_and(|f| f.t < k.t - SPARK_S) {
            self.ticks.pop_front();
        }
        self.ticks.push_back(k);
    }

    /// The tick in force at `t`.
    pub fn tick_at(&self, t: f64) -> Option<&Tick> {
        self.ticks.iter().rev().find(|k| k.t <= t + 1e-9)
    }

    /// Forgets the viewing (a seek restarts it).
    pub fn clear(&mut self) {
        self.ticks.clear();
        self.decisions.clear();
        self.vitals.clear();
    }
}

/// The switches the HUD reports.
pub struct Switches<'a> {
    /// Viewing time shown, seconds.
    pub t: f64,
    /// Paused.
    pub paused: bool,
    /// The director's cut (no adaptation).
    pub directors_cut: bool,
    /// Adaptation strength.
    pub strength: f32,
    /// Consent to the uplink.
    pub consent: bool,
    /// The simulated sensor is off.
    pub sensor_dropped: bool,
    /// Frame time p50 and p95 of the last second or so, milliseconds.
    pub frame_ms: (f64, f64),
    /// Frames not shown (late or skipped).
    pub dropped: u64,
    /// Where the sound goes.
    pub audio: &'a str,
    /// Where the samples come from.
    pub input: &'a str,
    /// A passing message (a refused seek, a saved screenshot).
    pub note: &'a str,
}

const PANEL: [u8; 3] = [10, 12, 18];
const WHITE: [u8; 3] = [235, 235, 235];
const DIM: [u8; 3] = [160, 165, 175];
const TARGET: [u8; 3] = [80, 150, 255];
const TENSION: [u8; 3] = [255, 90, 70];
const DRIVE: [u8; 3] = [170, 170, 170];
const STEERED: [u8; 3] = [255, 170, 40];

/// Lays the HUD out for this frame into `gfx.hud`.
pub fn layout(gfx: &mut Gfx, film: &Film, st: &mut HudState, sw: &Switches) {
    let (w, h) = gfx.size();
    let (w, h) = (w as f32, h as f32);
    let panel = gfx.colour(PANEL, 0.72);
    gfx.hud.clear();
    let Some(geo) = Geometry::for_window(w, h) else {
        // Too small for legible text: the picture alone.
        return;
    };
    let Geometry {
        scale,
        size,
        line_h,
        x0,
        y0,
        ..
    } = geo;
    let tick = st.tick_at(sw.t).copied();
    let segment = tick.and_then(|k| film.segments.get(k.segment));
    let (seg, take) = match (tick, segment) {
        (Some(k), Some(s)) => (
            s.id.as_str(),
            s.variants.get(k.variant).map_or("?", |v| v.id.as_str()),
        ),
        _ => ("—", "—"),
    };
    let (hr, rmssd, pupil, age) = st.vitals.at(sw.t);
    // The lines are written into buffers kept from frame to frame: no allocation once
    // they have grown to their longest.
    let lines = &mut st.lines;
    lines.resize_with(MAX_LINES, String::new);
    for l in lines.iter_mut() {
        l.clear();
    }
    let dash = |l: &mut String, v: Option<f64>, digits: usize, unit: &str| match v {
        Some(v) => {
            let _ = write!(l, "{v:.digits$} {unit}");
        }
        None => l.push('—'),
    };
    let _ = write!(lines[0], "livingfilm · {}", film.info.title);
    let _ = write!(
        lines[1],
        "{}  t {:6.1} s   {} · {}",
        if sw.paused { "PAUSED" } else { "▶" },
        sw.t,
        seg,
        take
    );
    match tick {
        Some(k) => {
            let l = &mut lines[2];
            l.push_str("tension ");
            dash(l, k.tension.map(f64::from), 2, "");
            let _ = write!(
                l,
                " conf {:.2}  target {:.2}  drive {:.2}",
                k.confidence, k.target, k.drive
            );
        }
        None => lines[2].push_str("tension —"),
    }
    {
        let l = &mut lines[3];
        l.push_str("HR ");
        dash(l, hr, 0, "bpm");
        l.push_str(" · RMSSD ");
        dash(l, rmssd, 0, "ms");
        l.push_str(" · pupil ");
        dash(l, pupil, 1, "mm");
        let _ = match (sw.sensor_dropped, age) {
            (true, _) => write!(l, " · sensor dropped"),
            (_, Some(a)) if a > 3.0 => write!(l, " · no reading for {a:.0} s"),
            (_, None) => write!(l, " · no reading yet"),
            _ => write!(l, " · sensor ok"),
        };
    }
    let _ = write!(
        lines[4],
        "model {} · input {} · audio {}",
        if st.provider.is_empty() {
            "—"
        } else {
            &st.provider
        },
        sw.input,
        sw.audio
    );
    let _ = write!(
        lines[5],
        "{} · strength {:.2} · uplink consent {}",
        if sw.directors_cut {
            "DIRECTOR'S CUT"
        } else {
            "adaptive"
        },
        sw.strength,
        if sw.consent { "ON" } else { "off" }
    );
    let _ = write!(
        lines[6],
        "frame {:.1} ms (p95 {:.1}) · dropped {}",
        sw.frame_ms.0, sw.frame_ms.1, sw.dropped
    );
    let mut used = 7;
    for d in st.decisions.iter().rev().take(3) {
        let l = &mut lines[used];
        let _ = write!(l, "{:5.1}s {}: {} — ", d.t, d.segment_id, d.variant_id);
        let mut chars = d.reason.chars();
        l.extend(chars.by_ref().take(63));
        if chars.next().is_some() {
            l.push('…');
        }
        used += 1;
    }
    if !sw.note.is_empty() {
        lines[used].push_str(sw.note);
        used += 1;
    }
    // In a short window the lines that do not fit are left out, last first.
    let used = used.min(geo.max_lines);
    // Lines cut to the window's width.
    let max_chars = geo.max_chars;
    for l in lines[..used].iter_mut() {
        if l.char_indices().nth(max_chars).is_some() {
            if let Some((cut, _)) = l.char_indices().nth(max_chars - 1) {
                l.truncate(cut);
                l.push('…');
            }
        }
    }
    let lines = &lines[..used];
    let text_h = lines.len() as f32 * line_h;
    // Monospace: the panel fits its longest line (DejaVu Sans Mono advances 0.602 em).
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let pw = geo.panel_width(longest);
    let ph = geo.panel_height(lines.len());
    gfx.hud.rect(x0, y0, x0 + pw, y0 + ph, panel);
    for (k, l) in lines.iter().enumerate() {
        let colour = if k == 0 {
            WHITE
        } else if k >= 7 {
            DIM
        } else {
            WHITE
        };
        gfx.hud.text(
            k,
            l,
            x0 + 10.0 * scale,
            y0 + 8.0 * scale + k as f32 * line_h,
            size,
            colour,
        );
    }
    let n = lines.len();
    if geo.spark_h > 0.0 {
        let top = y0 + 16.0 * scale + text_h;
        sparkline(
            gfx,
            st,
            sw,
            n,
            [
                x0 + 10.0 * scale,
                top,
                x0 + pw - 10.0 * scale,
                top + geo.spark_h,
            ],
            scale,
        );
    }
    // The key help along the bottom, when it fits at a legible size.
    if let Some(help_size) = geo.help_size {
        let help_y = h - 26.0 * scale;
        gfx.hud.rect(0.0, help_y - 4.0 * scale, w, h, panel);
        gfx.hud
            .text(n + 2, KEYS, 10.0 * scale, help_y, help_size, DIM);
    }
}

/// The last minute of target, drive and estimate, with the decisions as ticks, in the
/// box `[x0, y0, x1, y1]`.
fn sparkline(gfx: &mut Gfx, st: &HudState, sw: &Switches, n: usize, bx: [f32; 4], scale: f32) {
    let [sx0, sy0, sx1, sy1] = bx;
    let frame = gfx.colour(DIM, 0.6);
    gfx.hud.line([sx0, sy1], [sx1, sy1], 1.0, frame);
    gfx.hud.line([sx0, sy0], [sx0, sy1], 1.0, frame);
    // The last minute; in the first minute the line grows from the left.
    let right = sw.t.max(SPARK_S);
    let x_of = |t: f64| sx0 + ((t - (right - SPARK_S)) / SPARK_S) as f32 * (sx1 - sx0);
    let y_of = |v: f32| sy1 - v.clamp(0.0, 1.0) * (sy1 - sy0);
    for d in st
        .decisions
        .iter()
        .filter(|d| d.t > sw.t - SPARK_S && d.t <= sw.t)
    {
        let c = if d.is_directors() {
            gfx.colour(DRIVE, 0.5)
        } else {
            gfx.colour(STEERED, 0.9)
        };
        gfx.hud.line([x_of(d.t), sy0], [x_of(d.t), sy1], 1.5, c);
    }
    let (target, drive) = (gfx.colour(TARGET, 1.0), gfx.colour(DRIVE, 0.7));
    let shown = st.ticks.iter().filter(|k| k.t <= sw.t);
    for (a, b) in shown.clone().zip(shown.skip(1)) {
        let (xa, xb) = (x_of(a.t), x_of(b.t));
        gfx.hud
            .line([xa, y_of(a.drive)], [xb, y_of(b.drive)], 1.0, drive);
        gfx.hud.line(
            [xa, y_of(a.target)],
            [xb, y_of(b.target)],
            2.5 * scale,
            target,
        );
        if let (Some(ta), Some(tb)) = (a.tension, b.tension) {
            let alpha = (0.25 + 0.75 * b.confidence).clamp(0.25, 1.0);
            let c = gfx.colour(TENSION, alpha);
            gfx.hud.line([xa, y_of(ta)], [xb, y_of(tb)], 2.0 * scale, c);
        }
    }
    gfx.hud
        .text(n, "target", sx1 - 150.0 * scale, sy0, 12.0 * scale, TARGET);
    gfx.hud.text(
        n + 1,
        "estimate",
        sx1 - 80.0 * scale,
        sy0,
        12.0 * scale,
        TENSION,
    );
}

/// DejaVu Sans Mono advances 0.602 em: monospace text is measured by counting.
const ADVANCE_EM: f32 = 0.602;
/// Smallest text the HUD draws, pixels: below it the part is left out, not squeezed.
const MIN_TEXT_PX: f32 = 8.0;
/// Fewest characters a text line may hold for the panel to be shown at all.
const MIN_LINE_CHARS: usize = 12;
/// The lines of state the sparkline needs above it to be worth its space.
const STATE_LINES: usize = 7;

/// The HUD's measurements in a window of any size, worked out before anything is drawn.
/// Text keeps a legible size; what does not fit is left out (the key help, then the
/// sparkline, then lines from the bottom), and the panel never grows past the window.
/// Below a legible minimum there is no HUD, only the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Geometry {
    w: f32,
    scale: f32,
    /// Text size, pixels.
    size: f32,
    line_h: f32,
    x0: f32,
    y0: f32,
    /// Characters a line may hold.
    max_chars: usize,
    /// Lines the panel may hold.
    max_lines: usize,
    /// Height of the sparkline, 0 when there is no room for it.
    spark_h: f32,
    /// Size of the key help's text, when it fits.
    help_size: Option<f32>,
}

impl Geometry {
    fn for_window(w: f32, h: f32) -> Option<Self> {
        if !(w.is_finite() && h.is_finite()) {
            return None;
        }
        // The 1280x720 layout, scaled by the narrower of the two sides.
        let scale = (h / 720.0).min(w / 640.0).clamp(0.6, 2.0);
        let size = 15.0 * scale;
        let line_h = size * 1.3;
        let (x0, y0) = (12.0 * scale, 12.0 * scale);
        let max_chars = ((w - 2.0 * x0 - 20.0 * scale) / (ADVANCE_EM * size)).max(0.0) as usize;
        if max_chars < MIN_LINE_CHARS {
            return None;
        }
        let keys = KEYS.chars().count() as f32;
        let help_size = Some(((w - 20.0 * scale) / (keys * ADVANCE_EM)).min(12.0 * scale))
            .filter(|&s| s >= MIN_TEXT_PX);
        let bottom = if help_size.is_some() {
            30.0 * scale
        } else {
            0.0
        };
        let room = h - bottom - 2.0 * y0;
        // Panel: 8 px padding above the text, the lines, then either the sparkline (16
        // above it, 14 below) or 8 px below the text.
        let lines_in = |chrome: f32| ((room - chrome) / line_h).max(0.0) as usize;
        let spark_h = 90.0 * scale;
        let (max_lines, spark_h) = if lines_in(spark_h + 30.0 * scale) >= STATE_LINES {
            (lines_in(spark_h + 30.0 * scale), spark_h)
        } else {
            (lines_in(16.0 * scale), 0.0)
        };
        if max_lines < 2 {
            return None;
        }
        Some(Self {
            w,
            scale,
            size,
            line_h,
            x0,
            y0,
            max_chars,
            max_lines,
            spark_h,
            help_size,
        })
    }

    /// The panel's width for lines of at most `chars` characters.
    fn panel_width(&self, chars: usize) -> f32 {
        let wanted = chars as f32 * ADVANCE_EM * self.size + 20.0 * self.scale;
        wanted.max(420.0 * self.scale).min(self.w - 2.0 * self.x0)
    }

    /// The panel's height holding `lines` lines (and the sparkline when there is one).
    fn panel_height(&self, lines: usize) -> f32 {
        let text_h = lines as f32 * self.line_h;
        if self.spark_h > 0.0 {
            text_h + self.spark_h + 30.0 * self.scale
        } else {
            text_h + 16.0 * self.scale
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every window size the player accepts (64..=8192 a side) gets a HUD inside the
    /// window or none at all; the sizes that once panicked are among them.
    #[test]
    fn the_hud_fits_every_window_or_hides() {
        let mut sizes = vec![
            (640, 360),
            (800, 450),
            (854, 479),
            (400, 720),
            (320, 240),
            (1280, 720),
            (3840, 2160),
            (64, 64),
            (8192, 64),
            (64, 8192),
        ];
        for w in (64..=8192).step_by(97) {
            for h in (64..=8192).step_by(89) {
                sizes.push((w, h));
            }
        }
        let mut shown = 0;
        for (w, h) in sizes {
            let (wf, hf) = (w as f32, h as f32);
            let Some(g) = Geometry::for_window(wf, hf) else {
                assert!(w < 400 || h < 200, "{w}x{h}: no HUD in a roomy window");
                continue;
            };
            shown += 1;
            assert!(g.size >= MIN_TEXT_PX, "{w}x{h}: {g:?}");
            for chars in [0, g.max_chars, 500] {
                let pw = g.panel_width(chars.min(g.max_chars));
                assert!(
                    pw > 0.0 && g.x0 + pw <= wf + 1e-3,
                    "{w}x{h}: panel {pw} wide"
                );
            }
            let bottom = g.help_size.map_or(0.0, |_| 30.0 * g.scale);
            let ph = g.panel_height(g.max_lines);
            assert!(
                g.y0 + ph <= hf - bottom + 1e-3,
                "{w}x{h}: panel {ph} high: {g:?}"
            );
            if let Some(s) = g.help_size {
                assert!(s >= MIN_TEXT_PX && s <= 12.0 * g.scale, "{w}x{h}: {g:?}");
            }
        }
        assert!(shown > 100, "the HUD was hidden almost everywhere");
        // The default window keeps the full layout.
        let g = Geometry::for_window(1280.0, 720.0).unwrap();
        assert_eq!(g.scale, 1.0);
        assert!(g.spark_h > 0.0 && g.help_size.is_some() && g.max_lines >= MAX_LINES);
    }

    #[test]
    fn vitals_follow_the_beats_up_to_now() {
        let mut v = Vitals::default();
        let mut t = 0.0;
        for k in 0..40 {
            let ms = if k < 20 { 1000.0 } else { 600.0 };
            t += ms / 1000.0;
            v.push(Sample {
                t,
                reading: Reading::Rr { ms },
            });
        }
        v.push(Sample {
            t,
            reading: Reading::Pupil { mm: 4.2 },
        });
        let (hr, rmssd, pupil, age) = v.at(t);
        assert!((hr.unwrap() - 100.0).abs() < 1e-9);
        assert!(rmssd.unwrap() > 0.0);
        assert_eq!(pupil, Some(4.2));
        assert_eq!(age, Some(0.0));
        // Earlier, only the slow beats had happened.
        assert!((v.at(15.0).0.unwrap() - 60.0).abs() < 1e-9);
    }
}
