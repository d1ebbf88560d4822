//! Streaming decode with symphonia: one packet at a time, never the whole file.
//!
//! symphonia's decoders drop the encoder delay and padding that the container declares
//! (MP3 LAME/Xing, Vorbis granules, AAC in MP4), as ffmpeg does, so frame counts and
//! first samples match it. A packet
//! that fails to decode is skipped and counted, like ffmpeg; a file that cannot be
//! read at all is an error naming it.

use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Why a file could not be decoded; always names the file.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be opened.
    #[error("cannot open audio {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// symphonia could not read it.
    #[error("audio {path}: {reason}")]
    Format { path: PathBuf, reason: String },
    /// A sound decoded whole is longer than its use allows (checked from the header
    /// before decoding, and while decoding when the header does not say).
    #[error("audio {path}: longer than {max_s} s, the most allowed here")]
    TooLong { path: PathBuf, max_s: f64 },
}

/// Sample rates a stream may declare. Outside them a file is refused before decoding:
/// a 444-byte WAV declared at 1 Hz asked the resampler for 1.6 GB, and one at
/// 268 MHz for a day of work.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=384_000;

/// Most channels a stream may declare (7.1 surround); each is folded to stereo.
pub const MAX_CHANNELS: usize = 8;

/// What a stream declares about itself, before any decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// Codec short name as symphonia registers it (`mp3`, `flac`, `pcm_s16le`, `aac`…).
    pub codec: String,
    /// Codec long name, for people.
    pub codec_long: String,
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: usize,
    /// Bits per decoded sample for PCM-like codecs; `None` for lossy ones.
    pub bits_per_sample: Option<u32>,
    /// Frames the container declares (may be absent, e.g. streamed Ogg).
    pub declared_frames: Option<u64>,
}

/// A decoder that hands out one packet's worth of interleaved f32 samples at a time.
pub struct StreamDecoder {
    path: PathBuf,
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: StreamInfo,
    buf: Vec<f32>,
    skipped_packets: u64,
    /// Priming frames still to drop (MP4 edit list).
    skip: u64,
    /// Frames still to hand out before the edit ends (MP4 edit list).
    keep: Option<u64>,
}

impl StreamDecoder {
    /// Opens `path` and prepares its default audio track.
    pub fn open(path: &Path) -> Result<Self, DecodeError> {
        let file =
            livingfilm_core::untrusted::open_regular(path).map_err(|source| DecodeError::Io {
                path: path.to_owned(),
                source,
            })?;
        Self::from_source(Box::new(file), path)
    }

    /// Decodes bytes already in memory (`name` is used for the format hint and errors).
    pub fn from_bytes(bytes: Vec<u8>, name: &Path) -> Result<Self, DecodeError> {
        Self::from_source(Box::new(std::io::Cursor::new(bytes)), name)
    }

    fn from_source(
        source: Box<dyn symphonia::core::io::MediaSource>,
        path: &Path,
    ) -> Result<Self, DecodeError> {
        let fmt_err = |reason: String| DecodeError::Format {
            path: path.to_owned(),
            reason,
        };
        let mss = MediaSourceStream::new(source, Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let reader = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| fmt_err(format!("unrecognised format ({e})")))?;
        let track = reader
            .default_track(TrackType::Audio)
            .ok_or_else(|| fmt_err("no audio track".into()))?;
        let track_id = track.id;
        let declared_frames = track.num_frames;
        let decoder_trims = track.delay.is_some();
        let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
            return Err(fmt_err("track has no audio codec parameters".into()));
        };
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| fmt_err(format!("unsupported codec ({e})")))?;
        let sample_rate = params
            .sample_rate
            .filter(|&r| r > 0)
            .ok_or_else(|| fmt_err("no sample rate declared".into()))?;
        let channels = params
            .channels
            .as_ref()
            .map(|c| c.count())
            .filter(|&c| c > 0)
            .ok_or_else(|| fmt_err("no channels declared".into()))?;
        if !SAMPLE_RATES.contains(&sample_rate) {
            return Err(fmt_err(format!(
                "declares {sample_rate} Hz; streams must be {}..={} Hz",
                SAMPLE_RATES.start(),
                SAMPLE_RATES.end()
            )));
        }
        if channels > MAX_CHANNELS {
            return Err(fmt_err(format!(
                "declares {channels} channels; streams have at most {MAX_CHANNELS}"
            )));
        }
        let info = decoder.codec_info();
        let lossy = matches!(info.short_name, "mp1" | "mp2" | "mp3" | "aac" | "vorbis");
        let bits = params.bits_per_sample.or_else(|| {
            // Float PCM declares a sample format rather than a bit count.
            info.short_name
                .strip_prefix("pcm_f")
                .and_then(|r| r.get(..2))
                .and_then(|b| b.parse().ok())
        });
        let info = StreamInfo {
            codec: info.short_name.to_owned(),
            codec_long: info.long_name.to_owned(),
            sample_rate,
            channels,
            bits_per_sample: bits.filter(|_| !lossy),
            declared_frames,
        };
        // MP4 priming (AAC) is declared in the edit list, which only we apply.
        let edit = (!decoder_trims && reader.format_info().short_name == "isomp4")
            .then(|| super::mp4_edit::edit_trim(path, sample_rate))
            .flatten();
        let mut info = info;
        if let Some(keep) = edit.and_then(|e| e.keep) {
            info.declared_frames = Some(keep);
        }
        Ok(Self {
            skip: edit.map_or(0, |e| e.skip),
            keep: edit.and_then(|e| e.keep),
            path: path.to_owned(),
            reader,
            decoder,
            track_id,
            info,
            buf: Vec::new(),
            skipped_packets: 0,
        })
    }

    /// The stream's declared layout.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// Packets that failed to decode and were skipped.
    pub fn skipped_packets(&self) -> u64 {
        self.skipped_packets
    }

    /// The file being decoded.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next packet's samples, interleaved at the stream's rate and channel count,
    /// or `None` at the end. Never returns an empty slice.
    pub fn next_block(&mut self) -> Result<Option<&[f32]>, DecodeError> {
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(None),
                // A truncated file ends where its data ends.
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(None)
                }
                Err(SymError::ResetRequired) => return Ok(None),
                Err(e) => {
                    return Err(DecodeError::Format {
                        path: self.path.clone(),
                        reason: format!("read error ({e})"),
                    })
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let buf = match self.decoder.decode(&packet) {
                Ok(b) => b,
                Err(SymError::DecodeError(_)) => {
                    self.skipped_packets += 1;
                    continue;
                }
                Err(e) => {
                    return Err(DecodeError::Format {
                        path: self.path.clone(),
                        reason: format!("decode error ({e})"),
                    })
                }
            };
            let ch = buf.spec().channels().count();
            if ch != self.info.channels || buf.spec().rate() != self.info.sample_rate {
                return Err(DecodeError::Format {
                    path: self.path.clone(),
                    reason: format!(
                        "layout changed mid-stream ({} ch at {} Hz, declared {} ch at {} Hz)",
                        ch,
                        buf.spec().rate(),
                        self.info.channels,
                        self.info.sample_rate
                    ),
                });
            }
            buf.copy_to_vec_interleaved(&mut self.buf);
            let frames = (self.buf.len() / ch) as u64;
            let start = self.skip.min(frames);
            self.skip -= start;
            let mut end = frames;
            if let Some(keep) = &mut self.keep {
                end = end.min(start + *keep);
                *keep -= end - start;
            }
            if end > start {
                return Ok(Some(&self.buf[start as usize * ch..end as usize * ch]));
            }
            if self.keep == Some(0) {
                return Ok(None);
            }
        }
    }
}

/// A fully decoded file (short sounds: stingers, tests, `check`).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedAudio {
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: usize,
    /// Interleaved samples in -1..1.
    pub samples: Vec<f32>,
}

impl DecodedAudio {
    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels.max(1)
    }
}

/// Decodes the whole default audio track of `path`, refusing it when it is longer than
/// `max_s` seconds: by its declared length before any decoding, else as soon as the
/// decoded length passes it. Memory is thus bounded by `max_s` at the highest rate and
/// channel count a stream may declare ([`SAMPLE_RATES`], [`MAX_CHANNELS`]).
pub fn decode_file(path: &Path, max_s: f64) -> Result<DecodedAudio, DecodeError> {
    let mut dec = StreamDecoder::open(path)?;
    let max_frames = (max_s * dec.info.sample_rate as f64).ceil() as u64;
    let too_long = || DecodeError::TooLong {
        path: path.to_owned(),
        max_s,
    };
    if dec.info.declared_frames.is_some_and(|n| n > max_frames) {
        return Err(too_long());
    }
    let mut samples = Vec::new();
    while let Some(block) = dec.next_block()? {
        samples.extend_from_slice(block);
        if (samples.len() / dec.info.channels) as u64 > max_frames {
            return Err(too_long());
        }
    }
    Ok(DecodedAudio {
        sample_rate: dec.info.sample_rate,
        channels: dec.info.channels,
        samples,
    })
}
