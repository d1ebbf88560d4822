//! Audio stage: [`Directive`](livingfilm_core::Directive)s in, a stereo mix out.
//!
//! Stems are decoded by symphonia one packet at a time ([`decode`]), brought to the
//! mix rate and layout ([`convert`]) on a feeder thread that keeps lock-free rings
//! full ([`feeder`]), mixed by the adaptive [`Mixer`] (intensity curves, bar-quantized
//! cue crossfades, stingers, ducking) and written to a [`sink`]: a WAV file (headless,
//! virtual clock), the audio device through cpal (audio clock), or nothing. The
//! mixer's master bus ends in a true-peak [`limiter`]; the player measures what it
//! writes with [`loudness`] (BS.1770 / EBU R128) for the report.

pub mod convert;
pub mod decode;
pub mod feeder;
pub mod headroom;
pub mod inspect;
pub mod limiter;
pub mod loudness;
mod mixer;
mod mp4_edit;
pub mod score;
pub mod sink;

pub use decode::{decode_file, DecodeError, DecodedAudio, StreamDecoder, StreamInfo};
pub use mixer::{MixCommand, MixStats, Mixer, StingerSound, MIX_CHANNELS, SLICE};
pub use score::{ScoreError, ScorePlan};
