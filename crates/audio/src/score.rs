//! A film's score made playable: stems opened and streaming, stingers decoded, and
//! the map from the director's directives to mixer commands (which cue a segment or
//! take plays in, which cut fires which stinger).

use std::path::PathBuf;

use super::convert::ToMix;
use super::decode::{decode_file, DecodeError};
use super::feeder::{FeedSpec, Feeder, StartError};
use super::mixer::{MixCommand, Mixer, StingerSound};
use livingfilm_core::score::stinger_problem;
use livingfilm_core::{Directive, Film};

/// Why the score cannot play; names the file.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// A stem cannot stream.
    #[error(transparent)]
    Stem(#[from] StartError),
    /// A stinger cannot be decoded.
    #[error(transparent)]
    Stinger(#[from] DecodeError),
    /// A stinger is too long or cannot be converted.
    #[error("stinger {path}: {reason}")]
    BadStinger { path: PathBuf, reason: String },
}

/// Seconds of audio each stem's ring holds ahead of the mixer.
pub const RING_S: f64 = 1.0;

/// Which cue and stinger each part of the film asks for.
#[derive(Debug, Clone)]
pub struct ScorePlan {
    /// Cue index per segment and variant (`None`: keep the current cue).
    cue_of: Vec<Vec<Option<u16>>>,
    /// Stinger index per segment (played when the segment starts).
    stinger_of: Vec<Option<u16>>,
    /// The cue the film opens in.
    pub start_cue: Option<u16>,
    last_segment: Option<usize>,
}

impl ScorePlan {
    /// The plan for `film`'s score.
    pub fn new(film: &Film) -> Self {
        let index = |c: &Option<String>| film.music.cue_index(c.as_deref());
        let cue_of: Vec<Vec<Option<u16>>> = film
            .segments
            .iter()
            .map(|s| {
                s.variants
                    .iter()
                    .map(|v| index(&v.cue).or(index(&s.cue)))
                    .collect()
            })
            .collect();
        let stinger_of = film
            .segments
            .iter()
            .map(|s| {
                film.music
                    .stingers
                    .iter()
                    .position(|st| {
                        if st.segments.is_empty() {
                            s.variants.len() > 1
                        } else {
                            st.segments.contains(&s.id)
                        }
                    })
                    .map(|i| i as u16)
            })
            .collect();
        let start_cue = cue_of
            .first()
            .and_then(|v| v.first().copied().flatten())
            .or_else(|| (!film.music.cues().is_empty()).then_some(0));
        Self {
            cue_of,
            stinger_of,
            start_cue,
            last_segment: None,
        }
    }

    /// The mixer command for directive `d` at mix rate `rate`; a new segment (a cut)
    /// carries its cue and stinger.
    pub fn command(&mut self, d: &Directive, rate: u32) -> MixCommand {
        let cut = self.last_segment != Some(d.segment);
        let opening = self.last_segment.is_none();
        self.last_segment = Some(d.segment);
        let cue = self
            .cue_of
            .get(d.segment)
            .and_then(|v| v.get(d.variant))
            .copied()
            .flatten();
        MixCommand {
            at_frame: (d.t * rate as f64).round() as u64,
            intensity: d.music_intensity,
            cue: if cut { cue } else { None },
            stinger: if cut && !opening {
                self.stinger_of.get(d.segment).copied().flatten()
            } else {
                None
            },
        }
    }
}

/// Decodes the film's stingers and brings them to the mix layout.
fn load_stingers(film: &Film, rate: u32) -> Result<Vec<StingerSound>, ScoreError> {
    film.music
        .stingers
        .iter()
        .map(|st| {
            let bad = |reason: String| ScoreError::BadStinger {
                path: st.file.clone(),
                reason,
            };
            let audio = decode_file(&st.file, livingfilm_core::score::MAX_STINGER_S)?;
            if let Some(problem) = stinger_problem(audio.frames(), audio.sample_rate) {
                return Err(bad(problem));
            }
            let mut conv = ToMix::new(audio.channels, audio.sample_rate, rate)
                .map_err(|e| bad(e.to_string()))?;
            let mut samples = Vec::new();
            conv.push(&audio.samples, &mut samples);
            conv.finish(&mut samples);
            Ok(StingerSound {
                samples,
                gain: 10f32.powf(st.gain_db / 20.0),
                quantize: st.quantize,
            })
        })
        .collect()
}

/// What the feeder streams for `music`'s stems, in stem order.
pub fn feed_specs(music: &livingfilm_core::MusicSpec) -> Vec<FeedSpec> {
    music
        .stems
        .iter()
        .map(|s| FeedSpec {
            path: s.file.clone(),
            looping: s.looping,
        })
        .collect()
}

/// Opens the score of `film` for a mix at its sample rate: the feeder streaming every
/// stem, and a mixer at the opening intensity and cue.
pub fn open(film: &Film, plan: &ScorePlan) -> Result<(Feeder, Mixer), ScoreError> {
    let rate = film.info.sample_rate;
    let (feeder, inputs) = Feeder::start(
        &feed_specs(&film.music),
        rate,
        (RING_S * rate as f64) as usize,
    )?;
    let stingers = load_stingers(film, rate)?;
    let mixer = Mixer::new(
        &film.music,
        rate,
        inputs,
        stingers,
        film.music.intensity[0],
        plan.start_cue,
    );
    Ok((feeder, mixer))
}
