//! The MP4 edit list of the first sound track, which says how many priming frames an
//! AAC encoder put in front (usually 1024 + resampler delay) and how long the real
//! signal is. symphonia parses but does not apply it; ffmpeg does, so we do too.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Frames to drop at the start and frames to keep after that, at the track's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditTrim {
    /// Priming frames to drop.
    pub skip: u64,
    /// Frames of real signal (`None`: to the end).
    pub keep: Option<u64>,
}

/// Box headers met while walking (size of payload, kind, payload start).
struct BoxHeader {
    kind: [u8; 4],
    start: u64,
    end: u64,
}

fn read_header(f: &mut File, at: u64, limit: u64) -> Option<BoxHeader> {
    if at + 8 > limit {
        return None;
    }
    f.seek(SeekFrom::Start(at)).ok()?;
    let mut h = [0u8; 8];
    f.read_exact(&mut h).ok()?;
    let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
    let kind = [h[4], h[5], h[6], h[7]];
    let (size, header) = match size32 {
        0 => (limit - at, 8),
        1 => {
            let mut l = [0u8; 8];
            f.read_exact(&mut l).ok()?;
            (u64::from_be_bytes(l), 16)
        }
        s => (s, 8),
    };
    if size < header || at.checked_add(size)? > limit {
        return None;
    }
    Some(BoxHeader {
        kind,
        start: at + header,
        end: at + size,
    })
}

/// Children of the box spanning `start..end`.
fn children(f: &mut File, start: u64, end: u64) -> Vec<BoxHeader> {
    let mut out = Vec::new();
    let mut at = start;
    while let Some(b) = read_header(f, at, end) {
        at = b.end;
        out.push(b);
        if out.len() > 4096 {
            break;
        }
    }
    out
}

fn find<'a>(boxes: &'a [BoxHeader], kind: &[u8; 4]) -> Option<&'a BoxHeader> {
    boxes.iter().find(|b| &b.kind == kind)
}

fn payload(f: &mut File, b: &BoxHeader, max: u64) -> Option<Vec<u8>> {
    let len = (b.end - b.start).min(max);
    f.seek(SeekFrom::Start(b.start)).ok()?;
    let mut v = vec![0u8; len as usize];
    f.read_exact(&mut v).ok()?;
    Some(v)
}

fn be_u32(b: &[u8], at: usize) -> Option<u64> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as u64)
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Timescale of an `mvhd` or `mdhd` payload.
fn timescale(p: &[u8]) -> Option<u64> {
    let ts = if p.first()? == &1 {
        be_u32(p, 20)?
    } else {
        be_u32(p, 12)?
    };
    (ts > 0).then_some(ts)
}

/// The edit of the first sound track of an MP4/M4A file at `path`, converted to frames
/// at `sample_rate`; `None` when the file has none (or is not MP4).
pub fn edit_trim(path: &Path, sample_rate: u32) -> Option<EditTrim> {
    let mut f = livingfilm_core::untrusted::open_regular(path).ok()?;
    let len = f.metadata().ok()?.len();
    let top = children(&mut f, 0, len);
    let moov = find(&top, b"moov")?;
    let moov_kids = children(&mut f, moov.start, moov.end);
    let movie_ts = timescale(&payload(&mut f, find(&moov_kids, b"mvhd")?, 64)?)?;
    for trak in moov_kids.iter().filter(|b| &b.kind == b"trak") {
        let kids = children(&mut f, trak.start, trak.end);
        let Some(mdia) = find(&kids, b"mdia") else {
            continue;
        };
        let mdia_kids = children(&mut f, mdia.start, mdia.end);
        let hdlr = payload(&mut f, find(&mdia_kids, b"hdlr")?, 16)?;
        if hdlr.get(8..12) != Some(b"soun") {
            continue;
        }
        let media_ts = timescale(&payload(&mut f, find(&mdia_kids, b"mdhd")?, 64)?)?;
        let edts = find(&kids, b"edts")?;
        let edts_kids = children(&mut f, edts.start, edts.end);
        let elst = payload(&mut f, find(&edts_kids, b"elst")?, 4096)?;
        let version = *elst.first()?;
        let count = be_u32(&elst, 4)?;
        let entry = if version == 1 { 20 } else { 12 };
        // Skip empty edits (media_time -1); use the first real one.
        for k in 0..count.min(64) as usize {
            let at = 8 + k * entry;
            let (dur, media_time) = if version == 1 {
                (be_u64(&elst, at)?, be_u64(&elst, at + 8)? as i64)
            } else {
                (
                    be_u32(&elst, at)?,
                    be_u32(&elst, at + 4)? as u32 as i32 as i64,
                )
            };
            if media_time < 0 {
                continue;
            }
            let rate = sample_rate as f64;
            let skip = (media_time as f64 * rate / media_ts as f64).round() as u64;
            let keep = (dur > 0).then(|| (dur as f64 * rate / movie_ts as f64).round() as u64);
            return Some(EditTrim { skip, keep });
        }
        return None;
    }
    None
}
