//! Decoding whole audio files with symphonia into interleaved f32.

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
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
}

/// A fully decoded file.
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

/// Decodes the default audio track of `path`.
pub fn decode_file(path: &Path) -> Result<DecodedAudio, DecodeError> {
    let fmt_err = |reason: String| DecodeError::Format {
        path: path.to_owned(),
        reason,
    };
    let file = File::open(path).map_err(|source| DecodeError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut reader = symphonia::default::get_probe()
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
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(fmt_err("track has no audio codec parameters".into()));
    };
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| fmt_err(format!("unsupported codec ({e})")))?;

    let mut samples = Vec::new();
    let mut packet_buf = Vec::new();
    let mut spec = None;
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(fmt_err(format!("read error ({e})"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = decoder
            .decode(&packet)
            .map_err(|e| fmt_err(format!("decode error ({e})")))?;
        let s = buf.spec();
        spec.get_or_insert((s.rate(), s.channels().count()));
        buf.copy_to_vec_interleaved(&mut packet_buf);
        samples.extend_from_slice(&packet_buf);
    }
    let (sample_rate, channels) = spec
        .or_else(|| Some((params.sample_rate?, params.channels.as_ref()?.count())))
        .ok_or_else(|| fmt_err("no audio frames and no format information".into()))?;
    if channels == 0 || sample_rate == 0 {
        return Err(fmt_err("zero channels or sample rate".into()));
    }
    Ok(DecodedAudio {
        sample_rate,
        channels,
        samples,
    })
}
