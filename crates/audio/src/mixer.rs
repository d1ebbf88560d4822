//! The adaptive mixer: stems whose gains follow music intensity through authored
//! curves, cue changes crossfaded with equal power on the tempo grid, stingers on
//! cuts, and music ducked under dialogue, all sample-accurate; then the master bus's
//! true-peak limiter ([`super::limiter`]), so a mix whose stems sum over full scale is
//! held under -1 dBTP instead of clipping.
//!
//! The limiter looks ahead [`Mixer::latency`] frames. The mixer runs that far ahead of
//! its output (it pre-rolls on the first [`Mixer::process`]), so output frame `f` is
//! still mix frame `f` and every event stays on its sample; the price is that a command
//! must be scheduled before the `process` call whose output ends `latency()` frames
//! before it (the player collects directives that far ahead).
//!
//! Real-time safe: after [`Mixer::new`], [`Mixer::process`] neither allocates, locks
//! nor does I/O (crates/audio/tests/it/audio_realtime.rs counts allocations). It reads stems from the
//! feeder's lock-free rings and works in slices of at most [`SLICE`] frames, cut
//! short at every scheduled event, with gains ramped linearly across each slice.

use std::collections::VecDeque;

use super::feeder::{FeedStatus, StemInput};
use super::limiter::{LimiterStats, TruePeakLimiter, CEILING_DBTP};
use livingfilm_core::score::{DuckingSpec, MusicSpec, Quantize, StemRole, TempoGrid, TempoSection};

/// The mix is always stereo.
pub const MIX_CHANNELS: usize = 2;

/// Longest run of frames mixed with one gain ramp.
pub const SLICE: usize = 64;

/// Most commands that may wait for their time.
const QUEUE: usize = 256;

/// Most stingers sounding at once (a new one takes the oldest voice).
const VOICES: usize = 4;

/// Fall time of the dialogue level detector, seconds.
const DETECTOR_RELEASE_S: f32 = 0.05;

/// Entries of each stem's gain table over intensity 0..1.
const CURVE_POINTS: usize = 257;

/// What the director asks of the score from a given frame on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixCommand {
    /// Mix frame at which it applies.
    pub at_frame: u64,
    /// Target music intensity (0..1), reached over the score's `ramp_s`.
    pub intensity: f32,
    /// Cue to move to (index into [`MusicSpec::cues`]); `None`: keep the current one.
    pub cue: Option<u16>,
    /// Stinger to play (index into `music.stingers`), quantized as it says.
    pub stinger: Option<u16>,
}

/// Counters for the session report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MixStats {
    /// Per stem: slices in which its ring ran dry while it should have been playing.
    pub underruns: Vec<u64>,
    /// Per stem: muted because decoding failed.
    pub failed: Vec<bool>,
    /// Cue crossfades started.
    pub cue_changes: u32,
    /// Stingers started.
    pub stingers: u32,
    /// Frames during which dialogue ducked the music.
    pub ducked_frames: u64,
    /// The master bus limiter: clipped samples before and after it, its deepest cut.
    pub limiter: LimiterStats,
}

struct MixStem {
    input: StemInput,
    role: StemRole,
    cue: Option<u16>,
    /// Linear gain at intensity k/(CURVE_POINTS-1).
    table: Box<[f32; CURVE_POINTS]>,
    /// Gain applied at the end of the last slice.
    gain: f32,
}

impl MixStem {
    fn curve(&self, intensity: f32) -> f32 {
        let x = intensity.clamp(0.0, 1.0) * (CURVE_POINTS - 1) as f32;
        let i = (x as usize).min(CURVE_POINTS - 2);
        let f = x - i as f32;
        self.table[i] + (self.table[i + 1] - self.table[i]) * f
    }
}

/// A stinger sound, stereo at the mix rate.
pub struct StingerSound {
    /// Interleaved stereo samples.
    pub samples: Vec<f32>,
    /// Linear gain.
    pub gain: f32,
    /// Where it lands after the cut.
    pub quantize: Quantize,
}

#[derive(Clone, Copy)]
struct Voice {
    sound: usize,
    start: u64,
    pos: usize,
}

#[derive(Clone, Copy)]
struct Fade {
    from: Option<u16>,
    to: u16,
    start: u64,
    len: u64,
}

/// Mixes streamed stems into stereo blocks.
pub struct Mixer {
    rate: f64,
    stems: Vec<MixStem>,
    stingers: Vec<StingerSound>,
    voices: [Option<Voice>; VOICES],
    tempo: Vec<TempoSection>,
    cue_quantize: Quantize,
    crossfade_frames: u64,
    ramp_frames: f64,
    ducking: DuckingSpec,
    queue: VecDeque<MixCommand>,
    pos: u64,
    intensity: f32,
    target: f32,
    /// Intensity change per frame while ramping.
    slope: f32,
    cue: Option<u16>,
    pending_cue: Option<(u16, u64)>,
    fade: Option<Fade>,
    duck_env: f32,
    duck_gain: f32,
    scratch: [f32; SLICE * MIX_CHANNELS],
    dialogue: [f32; SLICE * MIX_CHANNELS],
    stats: MixStats,
    limiter: TruePeakLimiter,
    /// Whether the limiter's look-ahead has been mixed (see [`Mixer::latency`]).
    primed: bool,
}

impl Mixer {
    /// A mixer over the feeder's stem inputs (in `music.stems` order) and decoded
    /// stingers (in `music.stingers` order), starting at `intensity` in `cue`.
    pub fn new(
        music: &MusicSpec,
        rate: u32,
        inputs: Vec<StemInput>,
        stingers: Vec<StingerSound>,
        intensity: f32,
        cue: Option<u16>,
    ) -> Self {
        let stems: Vec<MixStem> = music
            .stems
            .iter()
            .zip(inputs)
            .map(|(spec, input)| {
                let mut table = Box::new([0f32; CURVE_POINTS]);
                for (k, g) in table.iter_mut().enumerate() {
                    *g = spec.gain_at(k as f32 / (CURVE_POINTS - 1) as f32);
                }
                MixStem {
                    input,
                    role: spec.role,
                    cue: music.cue_index(spec.cue.as_deref()),
                    table,
                    gain: 0.0,
                }
            })
            .collect();
        let n = stems.len();
        let rate_f = rate as f64;
        let mut m = Self {
            rate: rate_f,
            stingers,
            voices: [None; VOICES],
            tempo: music.tempo.clone(),
            cue_quantize: music.transition.quantize,
            crossfade_frames: (music.transition.crossfade_s * rate_f).round() as u64,
            ramp_frames: (music.ramp_s * rate_f).max(1.0),
            ducking: music.ducking,
            queue: VecDeque::with_capacity(QUEUE),
            pos: 0,
            intensity,
            target: intensity,
            slope: 0.0,
            cue,
            pending_cue: None,
            fade: None,
            duck_env: 0.0,
            duck_gain: 1.0,
            scratch: [0.0; SLICE * MIX_CHANNELS],
            dialogue: [0.0; SLICE * MIX_CHANNELS],
            stats: MixStats {
                underruns: vec![0; n],
                failed: vec![false; n],
                ..Default::default()
            },
            stems,
            limiter: TruePeakLimiter::new(rate, CEILING_DBTP),
            primed: false,
        };
        for k in 0..m.stems.len() {
            m.stems[k].gain = m.stem_gain(k, m.pos, intensity, 1.0);
        }
        m
    }

    /// Frames delivered so far: the mix clock (the mixing itself runs
    /// [`latency`](Self::latency) frames ahead once started).
    pub fn position(&self) -> u64 {
        if self.primed {
            self.pos - self.limiter.latency() as u64
        } else {
            0
        }
    }

    /// How far the mixing runs ahead of the output, in frames: the limiter's
    /// look-ahead. Commands for frame `f` must be scheduled before the `process` call
    /// that delivers frame `f - latency()`.
    pub fn latency(&self) -> usize {
        self.limiter.latency()
    }

    /// Counters so far.
    pub fn stats(&self) -> &MixStats {
        &self.stats
    }

    /// Queues a command (commands must come in time order, `latency()` frames ahead
    /// of the output, see [`Mixer::latency`]). When the queue is full
    /// the oldest command is applied at once rather than lost.
    pub fn schedule(&mut self, cmd: MixCommand) {
        if self.queue.len() == QUEUE {
            if let Some(old) = self.queue.pop_front() {
                self.apply(old);
            }
        }
        self.queue.push_back(cmd);
    }

    /// Blocks until every playing stem has `frames` ready (virtual-clock runs only;
    /// a device-driven mix never waits and counts underruns instead).
    pub fn wait_for_input(&self, frames: usize) {
        let ahead = if self.primed { 0 } else { self.latency() };
        for s in &self.stems {
            s.input.wait_for((frames + ahead) * MIX_CHANNELS);
        }
    }

    /// The first grid line at or after frame `f`.
    fn next_line(&self, f: u64, q: Quantize) -> u64 {
        let t = TempoGrid::new(&self.tempo).next_line(f as f64 / self.rate, q);
        ((t * self.rate).round() as u64).max(f)
    }

    fn apply(&mut self, cmd: MixCommand) {
        let target = cmd.intensity.clamp(0.0, 1.0);
        if self.pos == 0 {
            // The opening level is set, not ramped to.
            self.intensity = target;
            self.target = target;
            self.slope = 0.0;
            for k in 0..self.stems.len() {
                self.stems[k].gain = self.stem_gain(k, 0, target, 1.0);
            }
        } else if target != self.target {
            self.target = target;
            self.slope = (target - self.intensity) / self.ramp_frames as f32;
        }
        let wanted = self
            .pending_cue
            .map(|(c, _)| c)
            .or(self.fade.map(|f| f.to))
            .or(self.cue);
        if let Some(c) = cmd.cue.filter(|&c| Some(c) != wanted) {
            self.pending_cue = Some((c, self.next_line(self.pos, self.cue_quantize)));
        }
        if let Some(s) = cmd
            .stinger
            .map(usize::from)
            .filter(|&s| s < self.stingers.len())
        {
            let start = self.next_line(self.pos, self.stingers[s].quantize);
            let slot = (0..VOICES)
                .find(|&v| self.voices[v].is_none())
                .or_else(|| (0..VOICES).min_by_key(|&v| self.voices[v].map_or(0, |x| x.start)))
                .unwrap_or(0);
            self.voices[slot] = Some(Voice {
                sound: s,
                start,
                pos: 0,
            });
            self.stats.stingers += 1;
        }
    }

    /// Weight of cue `c` at frame `f` (equal-power crossfade while fading).
    fn cue_weight(&self, c: Option<u16>, f: u64) -> f32 {
        let Some(c) = c else {
            return 1.0;
        };
        match self.fade {
            Some(fade) => {
                let x = (f.saturating_sub(fade.start) as f32 / fade.len.max(1) as f32).min(1.0);
                let half_pi = std::f32::consts::FRAC_PI_2;
                if c == fade.to {
                    (x * half_pi).sin()
                } else if Some(c) == fade.from {
                    (x * half_pi).cos()
                } else {
                    0.0
                }
            }
            None => {
                if Some(c) == self.cue {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    fn stem_gain(&self, k: usize, f: u64, intensity: f32, duck: f32) -> f32 {
        let s = &self.stems[k];
        if self.stats.failed[k] {
            return 0.0;
        }
        match s.role {
            StemRole::Dialogue => s.curve(intensity),
            StemRole::Music => s.curve(intensity) * self.cue_weight(s.cue, f) * duck,
        }
    }

    /// The next frame at which something is scheduled to happen, if any.
    fn next_event(&self) -> u64 {
        let mut e = u64::MAX;
        if let Some(c) = self.queue.front() {
            e = e.min(c.at_frame);
        }
        if let Some((_, at)) = self.pending_cue {
            e = e.min(at);
        }
        if let Some(f) = self.fade {
            e = e.min(f.start + f.len);
        }
        for v in self.voices.iter().flatten() {
            if v.start > self.pos {
                e = e.min(v.start);
            }
        }
        e
    }

    /// Handles everything due at the current frame.
    fn start_due(&mut self) {
        while let Some(c) = self.queue.front().copied() {
            if c.at_frame > self.pos {
                break;
            }
            self.queue.pop_front();
            self.apply(c);
        }
        if let Some(f) = self.fade {
            if self.pos >= f.start + f.len {
                self.cue = Some(f.to);
                self.fade = None;
            }
        }
        if let Some((c, at)) = self.pending_cue {
            if at <= self.pos {
                if let Some(f) = self.fade.take() {
                    self.cue = Some(f.to);
                }
                self.pending_cue = None;
                self.fade = Some(Fade {
                    from: self.cue,
                    to: c,
                    start: self.pos,
                    len: self.crossfade_frames.max(1),
                });
                self.stats.cue_changes += 1;
            }
        }
    }

    /// Fills `out` (interleaved stereo) with the next frames of the mix, limited.
    pub fn process(&mut self, out: &mut [f32]) {
        if !self.primed {
            // Mix the look-ahead once: what comes out of the limiter meanwhile is its
            // empty delay line, discarded, so output frame 0 is mix frame 0.
            self.primed = true;
            let mut pre = [0f32; SLICE * MIX_CHANNELS];
            let mut left = self.limiter.latency();
            while left > 0 {
                let n = left.min(SLICE);
                let block = &mut pre[..n * MIX_CHANNELS];
                self.mix(block);
                self.limiter.process(block);
                left -= n;
            }
        }
        self.mix(out);
        self.limiter.process(out);
        self.stats.limiter = self.limiter.stats();
    }

    /// The mix before the master bus: `out.len() / 2` frames from the current position.
    fn mix(&mut self, out: &mut [f32]) {
        let frames = out.len() / MIX_CHANNELS;
        let mut done = 0;
        while done < frames {
            self.start_due();
            let until = self.next_event();
            let room = until.saturating_sub(self.pos).max(1);
            let n = (frames - done).min(SLICE).min(room as usize);
            let block = &mut out[done * MIX_CHANNELS..(done + n) * MIX_CHANNELS];
            self.mix_slice(block, n);
            done += n;
            self.pos += n as u64;
        }
    }

    fn mix_slice(&mut self, out: &mut [f32], n: usize) {
        out.fill(0.0);
        let samples = n * MIX_CHANNELS;
        // Intensity at the end of the slice.
        let mut end_intensity = self.intensity + self.slope * n as f32;
        if (self.slope > 0.0 && end_intensity >= self.target)
            || (self.slope < 0.0 && end_intensity <= self.target)
            || self.slope == 0.0
        {
            end_intensity = self.target;
            self.slope = 0.0;
        }
        let end_frame = self.pos + n as u64;
        // Dialogue first: it sets the ducking of the music.
        self.dialogue[..samples].fill(0.0);
        let mut any_dialogue = false;
        for k in 0..self.stems.len() {
            if self.stems[k].role != StemRole::Dialogue {
                continue;
            }
            any_dialogue = true;
            let g1 = self.stem_gain(k, end_frame, end_intensity, 1.0);
            self.read_stem(k, samples);
            let g0 = self.stems[k].gain;
            ramp_add(
                &mut self.dialogue[..samples],
                &self.scratch[..samples],
                g0,
                g1,
            );
            self.stems[k].gain = g1;
        }
        let duck_end = if any_dialogue { self.duck(n) } else { 1.0 };
        for (o, d) in out.iter_mut().zip(&self.dialogue[..samples]) {
            *o += d;
        }
        for k in 0..self.stems.len() {
            if self.stems[k].role != StemRole::Music {
                continue;
            }
            let g1 = self.stem_gain(k, end_frame, end_intensity, duck_end);
            self.read_stem(k, samples);
            let g0 = self.stems[k].gain;
            ramp_add(out, &self.scratch[..samples], g0, g1);
            self.stems[k].gain = g1;
        }
        for v in self.voices.iter_mut() {
            let Some(voice) = v else {
                continue;
            };
            if voice.start >= end_frame {
                continue;
            }
            let sound = &self.stingers[voice.sound];
            let offset = (voice.start.saturating_sub(self.pos) as usize) * MIX_CHANNELS;
            let room = samples - offset;
            let take = room.min(sound.samples.len() - voice.pos);
            for (o, s) in out[offset..offset + take]
                .iter_mut()
                .zip(&sound.samples[voice.pos..voice.pos + take])
            {
                *o += s * sound.gain;
            }
            voice.pos += take;
            if voice.pos >= sound.samples.len() {
                *v = None;
            }
        }
        self.intensity = end_intensity;
    }

    /// Reads `samples` of stem `k` into the scratch buffer (silence where it ran dry).
    fn read_stem(&mut self, k: usize, samples: usize) {
        let buf = &mut self.scratch[..samples];
        let stem = &mut self.stems[k];
        let got = stem.input.read(buf);
        if got < samples {
            buf[got..].fill(0.0);
            match stem.input.status() {
                FeedStatus::Playing => self.stats.underruns[k] += 1,
                FeedStatus::Failed => self.stats.failed[k] = true,
                FeedStatus::Ended => {}
            }
        }
    }

    /// Follows the dialogue level over the slice; returns the music gain at its end.
    fn duck(&mut self, n: usize) -> f32 {
        let peak = self.dialogue[..n * MIX_CHANNELS]
            .iter()
            .fold(0f32, |m, s| m.max(s.abs()));
        let dt = n as f32 / self.rate as f32;
        let d = self.ducking;
        // Level detector: instant rise, 50 ms fall (bridges the gaps inside words);
        // the music's own recovery then follows `release_s`.
        self.duck_env = peak.max(self.duck_env * (-dt / DETECTOR_RELEASE_S).exp());
        let speaking = self.duck_env > 10f32.powf(d.threshold_db / 20.0);
        let target = if speaking {
            10f32.powf(d.depth_db / 20.0)
        } else {
            1.0
        };
        let tau = if target < self.duck_gain {
            d.attack_s
        } else {
            d.release_s
        };
        self.duck_gain += (target - self.duck_gain) * (1.0 - (-dt / tau).exp());
        if self.duck_gain < 0.999 {
            self.stats.ducked_frames += n as u64;
        }
        self.duck_gain
    }
}

/// `out += src × gain`, the gain moving linearly from `g0` to `g1` across the slice.
fn ramp_add(out: &mut [f32], src: &[f32], g0: f32, g1: f32) {
    let frames = out.len() / MIX_CHANNELS;
    if g0 == 0.0 && g1 == 0.0 {
        return;
    }
    let step = (g1 - g0) / frames.max(1) as f32;
    for (i, (o, s)) in out
        .chunks_exact_mut(MIX_CHANNELS)
        .zip(src.chunks_exact(MIX_CHANNELS))
        .enumerate()
    {
        let g = g0 + step * (i + 1) as f32;
        o[0] += s[0] * g;
        o[1] += s[1] * g;
    }
}
