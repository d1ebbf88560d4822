//! The master bus (issue 27, "the mix clips without a word"): a film whose stems sum over
//! full scale plays limited under -1 dBTP instead of clipping, says so in report.json
//! and on the terminal, and `check` warns about the headroom first. And the loudness
//! figures the report gives agree with ffmpeg's `ebur128` filter on the same files.

use crate::common;

use std::path::{Path, PathBuf};

use livingfilm_audio::limiter::CEILING_DBTP;
use livingfilm_audio::loudness::measure_file;

/// The demo film with its stems and stinger gained up by 6-12 dB: at full intensity they
/// sum to a peak of about 1.4 (today's main writes 604 full-scale samples into mix.wav).
fn hot_film(dir: &Path) -> PathBuf {
    let film = dir.join("film");
    common::copy_dir(&common::root().join("assets/demo"), &film);
    let mut manifest = std::fs::read_to_string(film.join("film.toml")).unwrap();
    for (from, to) in [
        ("gain = [1.0, 0.3]", "gain = [4.0, 1.5]"),
        (
            "curve = [[0.2, -96.0], [0.5, -12.0], [1.0, 0.0]]",
            "curve = [[0.2, -96.0], [0.5, 0.0], [1.0, 12.0]]",
        ),
        (
            "curve = [[0.0, -2.0], [0.6, -10.0], [1.0, -30.0]]",
            "curve = [[0.0, 12.0], [0.6, 4.0], [1.0, -16.0]]",
        ),
        ("gain_db = -3.0", "gain_db = 6.0"),
    ] {
        assert_eq!(manifest.matches(from).count(), 1, "{from}");
        manifest = manifest.replace(from, to);
    }
    std::fs::write(film.join("film.toml"), manifest).unwrap();
    film
}

fn play(film: &Path, out: &Path) -> (serde_json::Value, String) {
    let (ok, _, err) = common::livingfilm(&[
        "play",
        film.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--audio",
        "headless",
        "--width",
        "96",
        "--height",
        "54",
    ]);
    assert!(ok, "{err}");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    (serde_json::from_str(&report).unwrap(), err)
}

/// Samples of a 16-bit WAV at full scale (what the conversion clamps to).
fn full_scale_samples(wav: &Path) -> usize {
    let mut r = hound::WavReader::open(wav).unwrap();
    r.samples::<i16>()
        .map(|s| s.unwrap())
        .filter(|s| s.unsigned_abs() >= 32767)
        .count()
}

#[test]
fn hot_stems_are_limited_not_clipped_and_check_warns() {
    let dir = common::out_dir("loudness_hot");
    let film = hot_film(&dir);

    // `check` warns, and a warning is not a failure.
    let (ok, out, err) = common::livingfilm(&["check", film.to_str().unwrap()]);
    assert!(ok, "a warning must not fail check: {out}{err}");
    assert!(
        out.contains("warning: field `music.stems`: the stems can sum to a peak of +")
            && out.contains("ok, 1 warning(s)"),
        "{out}"
    );
    let (ok, json, _) = common::livingfilm(&["check", film.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        ok && json["problems"].as_array().unwrap().is_empty(),
        "{json}"
    );
    assert_eq!(json["warnings"][0]["field"], "music.stems", "{json}");

    // Played, the mix is held under the ceiling and the report says what happened.
    let (report, err) = play(&film, &dir.join("out"));
    let a = &report["audio"];
    let wav = dir.join("out/mix.wav");
    assert_eq!(full_scale_samples(&wav), 0, "mix.wav clips");
    assert!(
        a["clipped_samples_before_limiter"].as_u64().unwrap() > 100,
        "{a}"
    );
    assert_eq!(a["clipped_samples"], 0, "{a}");
    let tp = a["true_peak_dbtp"].as_f64().unwrap();
    assert!(tp <= CEILING_DBTP as f64 + 0.1, "true peak {tp} dBTP: {a}");
    assert!(
        a["peak_dbfs"].as_f64().unwrap() <= CEILING_DBTP as f64,
        "{a}"
    );
    assert!(a["limiter_max_reduction_db"].as_f64().unwrap() > 1.0, "{a}");
    let lufs = a["integrated_lufs"].as_f64().unwrap();
    assert!((-20.0..-8.0).contains(&lufs), "{a}");
    assert!(
        err.contains(&format!("audio {lufs:.1} LUFS (true peak {tp:.1} dBTP)"))
            && err.contains("samples would have clipped; the limiter held them"),
        "{err}"
    );
    // The report's figures are the meter's on what mix.wav holds (16-bit rounding apart).
    let (_, file) = measure_file(&wav).unwrap();
    assert!(
        (file.integrated_lufs.unwrap() - lufs).abs() < 0.01,
        "{file:?}"
    );
    assert!((file.true_peak_dbtp.unwrap() - tp).abs() < 0.01, "{file:?}");

    // Still byte-identical run to run.
    let (again, _) = play(&film, &dir.join("again"));
    assert_eq!(again["audio"]["sha256"], a["sha256"]);
    assert_eq!(
        std::fs::read(&wav).unwrap(),
        std::fs::read(dir.join("again/mix.wav")).unwrap()
    );
}

#[test]
fn the_demo_film_is_untouched_by_the_limiter() {
    // The demo peaks at 0.47: under the ceiling, the limiter passes it bit for bit and
    // `check` has nothing to say.
    let (ok, out, _) = common::livingfilm(&["check", "assets/demo"]);
    assert!(ok && out.trim_end().ends_with(": ok"), "{out}");
}

/// ffmpeg's figures (scripts/loudness_ref.py wrote them; its docstring has the commands).
#[derive(serde::Deserialize)]
struct Refs {
    ffmpeg: String,
    figures: Vec<FfmpegFigures>,
}

/// One file: the summary of
/// `ffmpeg -nostats -i FILE -filter_complex ebur128=peak=true+sample -f null -`
/// (0.1 steps) and, for the integrated loudness to 0.001, the last `lavfi.r128.I` of
/// `-af ebur128=metadata=1,ametadata=print:key=lavfi.r128.I`.
#[derive(serde::Deserialize)]
struct FfmpegFigures {
    file: String,
    integrated_lufs: f64,
    true_peak_dbtp: f64,
    sample_peak_dbfs: f64,
    loudness_range_lu: f64,
    /// Where the true peak is known exactly (a synthetic tone), that figure.
    true_peak_exact_dbtp: Option<f64>,
}

#[test]
fn loudness_figures_match_ffmpeg_ebur128() {
    let dir = common::root().join("tests/data/audio/loudness");
    let refs: Refs =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ffmpeg.json")).unwrap()).unwrap();
    assert!(refs.figures.len() >= 3 && refs.ffmpeg.starts_with("ffmpeg version"));
    for r in refs.figures {
        let path = common::root().join(&r.file);
        // The same meter the player fills report.json with.
        let (_, ours) = measure_file(&path).unwrap();
        let i = ours.integrated_lufs.unwrap();
        let tp = ours.true_peak_dbtp.unwrap();
        let sp = ours.peak_dbfs.unwrap();
        let name = &r.file;
        assert!(
            (i - r.integrated_lufs).abs() <= 0.1,
            "{name}: integrated {i:.3} LUFS, ffmpeg {}",
            r.integrated_lufs
        );
        // ffmpeg's true peak upsamples with swresample, ours with a windowed-sinc FIR.
        match r.true_peak_exact_dbtp {
            None => assert!(
                (tp - r.true_peak_dbtp).abs() <= 0.3,
                "{name}: true peak {tp:.2} dBTP, ffmpeg {}",
                r.true_peak_dbtp
            ),
            Some(exact) => {
                assert!(
                    (tp - exact).abs() <= 0.15 && r.true_peak_dbtp >= exact,
                    "{name}: true peak {tp:.2} dBTP, exactly {exact}, ffmpeg {}",
                    r.true_peak_dbtp
                );
                // And well above the sample peak: the between-samples case is seen.
                assert!(tp - sp > 2.5, "{name}: {tp} vs {sp}");
            }
        }
        assert!(
            (sp - r.sample_peak_dbfs).abs() <= 0.06,
            "{name}: sample peak {sp:.2} dBFS, ffmpeg {}",
            r.sample_peak_dbfs
        );
        // Short-term blocks every second (libebur128) against ten a second (ffmpeg);
        // under 3 s there is no range to speak of (ffmpeg prints 0).
        let lra = ours.loudness_range_lu.unwrap_or(0.0);
        assert!(
            (lra - r.loudness_range_lu).abs() <= 1.0,
            "{name}: LRA {lra:.2} LU, ffmpeg {}",
            r.loudness_range_lu
        );
        eprintln!(
            "{name}: I {i:.3} LUFS (ffmpeg {}), TP {tp:.2} dBTP ({}), SP {sp:.2} dBFS ({}), LRA {lra:.2} LU ({})",
            r.integrated_lufs, r.true_peak_dbtp, r.sample_peak_dbfs, r.loudness_range_lu
        );
    }
}
