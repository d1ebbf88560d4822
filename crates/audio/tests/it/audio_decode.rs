//! Streaming decode against ffmpeg's decode of the same files (tests/data/audio/ref):
//! lossless formats sample-exact (frame count, first samples, RMS to 1e-9 relative,
//! peak exact); lossy within 0.1 dB RMS per channel and 1e-3 on the first samples.

use std::path::PathBuf;

use livingfilm_audio::inspect::analyze;
use livingfilm_audio::{decode_file, StreamDecoder};

fn data(name: &str) -> PathBuf {
    crate::root().join("tests/data/audio").join(name)
}

fn reference(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(data(&format!("ref/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Checks one file; returns the worst RMS difference in dB for the record.
fn check(name: &str, codec: &str, bits: Option<u32>, lossless: bool) -> f64 {
    let r = reference(name);
    let s = analyze(&data(name)).unwrap();
    assert_eq!(s.codec, codec, "{name}");
    assert_eq!(s.bits_per_sample, bits, "{name}");
    assert_eq!(s.sample_rate_hz as u64, r["sample_rate"].as_u64().unwrap());
    assert_eq!(s.channels as u64, r["channels"].as_u64().unwrap());
    assert_eq!(
        s.frames,
        r["frame_count"].as_u64().unwrap(),
        "{name}: frames"
    );
    assert_eq!(s.skipped_packets, 0, "{name}");
    let first = floats(&r["first_32_samples_interleaved"]);
    assert_eq!(s.first_samples.len(), first.len().min(32));
    let mut worst_db = 0f64;
    for (c, (&ours, &theirs)) in s.rms.iter().zip(&floats(&r["rms_per_channel"])).enumerate() {
        let db = 20.0 * (ours / theirs).log10();
        worst_db = worst_db.max(db.abs());
        if lossless {
            assert!(
                ((ours - theirs) / theirs).abs() < 1e-9,
                "{name} ch{c}: rms {ours} vs ffmpeg {theirs}"
            );
        } else {
            assert!(db.abs() < 0.1, "{name} ch{c}: rms off by {db:.4} dB");
        }
    }
    for (c, (&ours, &theirs)) in s
        .peak
        .iter()
        .zip(&floats(&r["peak_abs_per_channel"]))
        .enumerate()
    {
        if lossless {
            assert_eq!(ours as f32, theirs as f32, "{name} ch{c}: peak");
        }
    }
    for (k, (&ours, &theirs)) in s.first_samples.iter().zip(&first).enumerate() {
        if lossless {
            // ffmpeg's f32 output, written as decimal and read back, is exact in f32.
            assert_eq!(ours, theirs as f32, "{name}: sample {k}");
        } else {
            assert!((ours as f64 - theirs).abs() < 1e-3, "{name}: sample {k}");
        }
    }
    worst_db
}

#[test]
fn wav_16_24_and_float_are_sample_exact() {
    check("rodio_audacity16bit.wav", "pcm_s16le", Some(16), true);
    check("gen_audacity24bit.wav", "pcm_s24le", Some(24), true);
    check("rodio_audacity32bit.wav", "pcm_f32le", Some(32), true);
}

#[test]
fn flac_16_and_24_bit_are_sample_exact() {
    check("rodio_music.flac", "flac", Some(16), true);
    check("rodio_audacity16bit_level5.flac", "flac", Some(24), true);
    check("rodio_audacity24bit_level5.flac", "flac", Some(24), true);
}

#[test]
fn lossy_codecs_match_ffmpeg_within_a_tenth_of_a_db() {
    for (name, codec) in [
        ("rodio_beep3.ogg", "vorbis"),
        ("rodio_music.mp3", "mp3"),
        ("gen_audacity_aac.m4a", "aac"),
        ("gen_music_aac.m4a", "aac"),
    ] {
        let db = check(name, codec, None, false);
        eprintln!("{name}: worst RMS difference {db:.5} dB");
    }
}

#[test]
fn streaming_and_whole_file_decodes_agree() {
    let whole = decode_file(&data("rodio_music.mp3"), 3600.0).unwrap();
    let mut dec = StreamDecoder::open(&data("rodio_music.mp3")).unwrap();
    let mut streamed = Vec::new();
    let mut blocks = 0;
    while let Some(b) = dec.next_block().unwrap() {
        // One packet at a time: an MP3 frame is 1152 samples per channel.
        assert!(b.len() <= 1152 * 2);
        streamed.extend_from_slice(b);
        blocks += 1;
    }
    assert!(blocks > 300);
    assert_eq!(streamed, whole.samples);
}

#[test]
fn bad_files_are_errors_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("lf-audio-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read(data("rodio_music.flac")).unwrap();
    // Not audio at all.
    let junk = dir.join("junk.wav");
    std::fs::write(&junk, b"this is not a RIFF file at all").unwrap();
    let e = analyze(&junk).unwrap_err().to_string();
    assert!(e.contains("junk.wav"), "{e}");
    // Zero-length file.
    let empty = dir.join("empty.flac");
    std::fs::write(&empty, b"").unwrap();
    let e = analyze(&empty).unwrap_err().to_string();
    assert!(e.contains("empty.flac"), "{e}");
    // Missing file.
    let e = analyze(&dir.join("missing.ogg")).unwrap_err().to_string();
    assert!(e.contains("missing.ogg"), "{e}");
    // Truncated in the middle of a frame: decodes what is there, no panic.
    let cut = dir.join("cut.flac");
    std::fs::write(&cut, &good[..good.len() / 3 + 17]).unwrap();
    let s = analyze(&cut).unwrap();
    assert!(s.frames > 100_000 && s.frames < 447_720, "{}", s.frames);
    // Every prefix and byte-flipped copy: an answer or an error, never a panic.
    for k in 0..40 {
        let mut bytes = good[..(good.len() * (k + 1) / 41)].to_vec();
        if k % 2 == 1 {
            let at = (k * 7919) % bytes.len();
            bytes[at] ^= 0x5a;
        }
        let p = dir.join(format!("fuzz{k}.flac"));
        std::fs::write(&p, &bytes).unwrap();
        let _ = analyze(&p);
    }
    std::fs::remove_dir_all(&dir).ok();
}
