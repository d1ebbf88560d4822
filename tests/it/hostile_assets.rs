//! Small files that used to exhaust memory, hang or leak (issue: the adversarial pass),
//! each refused quickly, from its header where it has one, by `check` and `play` alike.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use livingfilm_audio::{decode_file, DecodeError, StreamDecoder};
use livingfilm_cli::check::check_film;
use livingfilm_director::Film;

/// A copy of the demo film to break, in a fresh folder.
fn demo_copy(name: &str) -> PathBuf {
    let dir = out_dir(name);
    let film = dir.join("film");
    copy_dir(&root().join("assets/demo"), &film);
    film
}

/// Replaces the first `from` in the film's manifest with `to`.
fn edit_manifest(film: &Path, from: &str, to: &str) {
    let path = film.join("film.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "the demo manifest has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// An error and its sources, as `anyhow`'s `{:#}` prints them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out += &format!(": {s}");
        next = s.source();
    }
    out
}

/// Every message `check` gives for the film, one string.
fn check_messages(film: &Path) -> String {
    check_film(film).unwrap().lines().join("\n")
}

fn crc16_flac(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn crc8_flac(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// FLAC's UTF-8-style coding of a frame number.
fn utf8_number(n: u32) -> Vec<u8> {
    match n {
        0..=0x7f => vec![n as u8],
        0x80..=0x7ff => vec![0xc0 | (n >> 6) as u8, 0x80 | (n & 0x3f) as u8],
        0x800..=0xffff => vec![
            0xe0 | (n >> 12) as u8,
            0x80 | ((n >> 6) & 0x3f) as u8,
            0x80 | (n & 0x3f) as u8,
        ],
        _ => vec![
            0xf0 | (n >> 18) as u8,
            0x80 | ((n >> 12) & 0x3f) as u8,
            0x80 | ((n >> 6) & 0x3f) as u8,
            0x80 | (n & 0x3f) as u8,
        ],
    }
}

/// A real FLAC stream of `seconds` of stereo digital silence at 48 kHz: constant
/// subframes, so an hour is about 170 KB. `declare` writes the length in STREAMINFO
/// (else 0, "unknown", as a streamed encoder leaves it).
fn silent_flac(seconds: u64, declare: bool) -> Vec<u8> {
    const RATE: u64 = 48_000;
    const BLOCK: u64 = 16_384;
    let total = seconds * RATE;
    let mut out = b"fLaC".to_vec();
    out.extend_from_slice(&[0x80, 0, 0, 34]); // last metadata block: STREAMINFO, 34 bytes
    out.extend_from_slice(&(BLOCK as u16).to_be_bytes());
    out.extend_from_slice(&(BLOCK as u16).to_be_bytes());
    out.extend_from_slice(&[0; 6]); // frame sizes unknown
    let packed: u64 = (RATE << 44) | (1 << 41) | (15 << 36) | if declare { total } else { 0 };
    out.extend_from_slice(&packed.to_be_bytes());
    out.extend_from_slice(&[0; 16]); // MD5 unknown
    let frames = total.div_ceil(BLOCK);
    for n in 0..frames {
        let len = BLOCK.min(total - n * BLOCK);
        let start = out.len();
        // Sync and fixed blocking; block size from the end of the header, rate from
        // STREAMINFO; two independent channels of 16 bits.
        out.extend_from_slice(&[0xff, 0xf8, 0x70, 0x18]);
        out.extend(utf8_number(n as u32));
        out.extend_from_slice(&((len - 1) as u16).to_be_bytes());
        let crc = crc8_flac(&out[start..]);
        out.push(crc);
        // Per channel: a CONSTANT subframe of value 0.
        out.extend_from_slice(&[0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
        let crc = crc16_flac(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

/// A PCM WAV header declaring `rate` Hz, mono 16-bit, with `frames` frames of silence.
fn wav_at(rate: u32, frames: u32) -> Vec<u8> {
    let data = frames * 2;
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(36 + data).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate.wrapping_mul(2)).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data.to_le_bytes());
    w.resize(w.len() + data as usize, 0);
    w
}

#[test]
fn an_hour_long_stinger_is_refused_before_it_is_decoded_whole() {
    let dir = out_dir("hostile_stinger");
    // The adversarial pass's 82 KB FLAC of an hour's silence decoded to 1.36 GB.
    for declare in [true, false] {
        let path = dir.join(format!("hour-{declare}.flac"));
        let bytes = silent_flac(3600, declare);
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
        std::fs::write(&path, bytes).unwrap();
        let info = StreamDecoder::open(&path).unwrap().info().clone();
        assert_eq!(info.declared_frames, declare.then_some(3600 * 48_000));
        match decode_file(&path, 10.0) {
            Err(DecodeError::TooLong { max_s, .. }) => assert_eq!(max_s, 10.0),
            other => panic!("declared {declare}: {other:?}"),
        }
        // A short one of the same make decodes: the refusal is about length.
        let short = dir.join(format!("short-{declare}.flac"));
        std::fs::write(&short, silent_flac(2, declare)).unwrap();
        assert_eq!(decode_file(&short, 10.0).unwrap().frames(), 96_000);
    }
    // In a film: check reports it and play refuses it, both by the same rule.
    let film = demo_copy("hostile_stinger_film");
    std::fs::write(film.join("audio/hit.wav"), silent_flac(3600, false)).unwrap();
    let msgs = check_messages(&film);
    assert!(msgs.contains("longer than 10 s"), "{msgs}");
    let out = out_dir("hostile_stinger_play");
    let mut cfg = config(None, &out);
    cfg.film = film;
    let e = livingfilm_player::play(&cfg).unwrap_err().to_string();
    assert!(e.contains("longer than 10 s"), "{e}");
}

#[test]
fn stems_at_rates_no_stream_has_are_refused_from_the_header() {
    let dir = out_dir("hostile_rates");
    // 444 bytes at 1 Hz asked the resampler for 1.6 GB; 268 MHz ran for minutes.
    for rate in [1u32, 7_999, 384_001, 268_435_455] {
        let path = dir.join(format!("stem-{rate}.wav"));
        std::fs::write(&path, wav_at(rate, 200)).unwrap();
        let e = StreamDecoder::open(&path)
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains(&format!("declares {rate} Hz")), "{e}");
    }
    let ok = dir.join("stem-44100.wav");
    std::fs::write(&ok, wav_at(44_100, 200)).unwrap();
    assert!(StreamDecoder::open(&ok).is_ok());
    // A film with such a stem: check names it, play refuses to start.
    let film = demo_copy("hostile_rates_film");
    std::fs::write(film.join("audio/pad.wav"), wav_at(1, 444 / 2)).unwrap();
    let msgs = check_messages(&film);
    assert!(msgs.contains("declares 1 Hz"), "{msgs}");
    let out = out_dir("hostile_rates_play");
    let mut cfg = config(None, &out);
    cfg.film = film;
    match livingfilm_player::play(&cfg) {
        Err(e) => assert!(e.to_string().contains("declares 1 Hz"), "{e}"),
        Ok(r) => assert!(
            r.audio.stems.iter().any(|s| s
                .failed
                .as_deref()
                .is_some_and(|e| e.contains("declares 1 Hz"))),
            "the stem played: {:?}",
            r.audio.stems
        ),
    }
}

#[test]
fn assets_outside_the_film_folder_devices_and_fifos_are_refused_by_check_and_play() {
    let film = demo_copy("hostile_paths");
    let lut = "lut = \"luts/tension.cube\"";
    std::os::unix::fs::symlink("/etc/passwd", film.join("luts/evil.cube")).unwrap();
    let fifo = film.join("luts/fifo.cube");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for (asset, why) in [
        ("../../../../../../etc/passwd", "outside the film folder"),
        ("/etc/passwd", "outside the film folder"),
        ("luts/evil.cube", "outside the film folder"),
        ("/dev/zero", "outside the film folder"),
        ("luts/fifo.cube", "not a regular file"),
    ] {
        edit_manifest(&film, lut, &format!("lut = {asset:?}"));
        let t0 = std::time::Instant::now();
        let load = Film::load(&film).err().map(|e| chain(&e));
        let load = load.unwrap_or_else(|| panic!("{asset} was accepted"));
        assert!(load.contains(why), "{asset}: {load}");
        let msgs = check_messages(&film);
        assert!(msgs.contains(why), "{asset}: {msgs}");
        for text in [&load, &msgs] {
            assert!(
                !text.contains("root:"),
                "{asset}: a file's contents leaked: {text}"
            );
        }
        assert!(
            t0.elapsed().as_secs() < 30,
            "{asset} took {:?}",
            t0.elapsed()
        );
        edit_manifest(&film, &format!("lut = {asset:?}"), lut);
    }
    // A studio's shared folder, named by the manifest, is allowed; only it.
    let shared = film.parent().unwrap().join("studio-luts");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::copy(film.join("luts/tension.cube"), shared.join("t.cube")).unwrap();
    let with_root = |root: &Path| {
        edit_manifest(
            &film,
            "[film]\n",
            &format!("[film]\nasset_root = {:?}\n", root.display().to_string()),
        );
    };
    with_root(&shared);
    edit_manifest(
        &film,
        lut,
        &format!("lut = {:?}", shared.join("t.cube").display().to_string()),
    );
    assert!(Film::load(&film).is_ok());
    assert!(
        check_messages(&film).is_empty(),
        "{}",
        check_messages(&film)
    );
}

#[test]
fn a_parse_error_quotes_an_excerpt_never_the_file() {
    let film = demo_copy("hostile_excerpt");
    // A LUT inside the folder that is someone's password file (copied, not linked).
    let secret = "root:$6$saltsaltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP:19000:0:99999:7:::\n\
                  daemon:*:19000:0:99999:7:::\n";
    std::fs::write(film.join("luts/tension.cube"), secret).unwrap();
    let msgs = check_messages(&film);
    assert!(msgs.contains("tension.cube:1"), "{msgs}");
    assert!(
        !msgs.contains("ABCDEFGH") && !msgs.contains("daemon"),
        "{msgs}"
    );
}

#[test]
fn oversized_manifests_are_refused_before_they_are_parsed() {
    let dir = out_dir("hostile_manifest");
    let demo = std::fs::read_to_string(root().join("assets/demo/film.toml")).unwrap();
    // A million segments was 6.9 GB; anything over 1 MiB is refused unread.
    let big = dir.join("big");
    std::fs::create_dir_all(&big).unwrap();
    let mut text = demo.clone();
    while text.len() <= 1 << 20 {
        text += "\n# padding padding padding padding padding padding padding padding\n";
    }
    std::fs::write(big.join("film.toml"), &text).unwrap();
    let e = chain(&Film::load(&big).unwrap_err());
    assert!(e.contains("allowed"), "{e}");
    assert!(check_film(&big).is_err());
    // Thousands of segments under the size bound: refused by count, before the pairwise
    // checks and before any asset is read.
    let many = demo_copy("hostile_manifest_many");
    let first = demo.find("[[segments]]").unwrap();
    let one = "[[segments]]\nid=\"s{}\"\ntarget_tension=0.5\n[[segments.variants]]\nid=\"v\"\n\
               scene=\"scenes/garden.lfscene\"\nduration_s=1\nintensity=0.5\n\
               camera={radius=2,height=1,from_deg=0,to_deg=1,fov_deg=50}\nfog=[0,0]\nexposure=1\nlight=[1,1,1]\n";
    let mut text = demo[..first].to_string();
    for k in 0..4200 {
        text += &one.replace("{}", &k.to_string());
    }
    assert!(text.len() < 1 << 20);
    std::fs::write(many.join("film.toml"), &text).unwrap();
    let t0 = std::time::Instant::now();
    let e = Film::load(&many).unwrap_err().to_string();
    assert!(e.contains("at most 4096"), "{e}");
    let msgs = check_messages(&many);
    assert!(msgs.contains("at most 4096"), "{msgs}");
    assert!(t0.elapsed().as_secs() < 30, "{:?}", t0.elapsed());
}

/// A PNG whose header says `w`×`h` (its data is one empty IDAT: the size alone must
/// be refused).
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[16, 2, 0, 0, 0]); // 16-bit RGB
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn a_picture_larger_than_the_bound_is_refused_from_its_header() {
    let dir = out_dir("hostile_png");
    // 11000×11000 took 3.79 GB in `grade`.
    let input = dir.join("huge.png");
    std::fs::write(&input, png_header_only(11_000, 11_000)).unwrap();
    let e = livingfilm_render::media::still::Still::load(&input)
        .unwrap_err()
        .to_string();
    assert!(e.contains("121000000 pixels"), "{e}");
    let out = Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args(["grade"])
        .arg(&input)
        .arg("-o")
        .arg(dir.join("graded.png"))
        .args(["--temperature", "0.1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pixels"), "{stderr}");
}
