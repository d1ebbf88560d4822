//! The adaptive mixer on real streamed files: bar-quantized equal-power cue changes,
//! intensity curves, stingers on the beat, ducking under dialogue, a stem that fails
//! mid-film, and resampled stems — each checked sample by sample.

use std::path::{Path, PathBuf};

use livingfilm_audio::feeder::{FeedSpec, Feeder};
use livingfilm_audio::{MixCommand, Mixer, StingerSound};
use livingfilm_core::score::{
    DuckingSpec, MusicSpec, Quantize, StemRole, StemSpec, TempoSection, TransitionSpec,
};

const RATE: u32 = 48_000;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lf-mix-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes a stereo float WAV of `frames` frames from `f(frame) -> [l, r]`.
fn wav(path: &Path, rate: u32, frames: usize, f: impl Fn(usize) -> [f32; 2]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..frames {
        for s in f(i) {
            w.write_sample(s).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn stem(id: &str, file: &Path, cue: Option<&str>) -> StemSpec {
    StemSpec {
        id: id.into(),
        file: file.to_owned(),
        gain: [1.0, 1.0],
        curve: vec![],
        cue: cue.map(Into::into),
        role: StemRole::Music,
        looping: true,
    }
}

fn music(stems: Vec<StemSpec>) -> MusicSpec {
    MusicSpec {
        intensity: [0.0, 1.0],
        stems,
        tempo: vec![TempoSection {
            at_s: 0.0,
            bpm: 120.0,
            beats_per_bar: 4,
        }],
        transition: TransitionSpec {
            quantize: Quantize::Bar,
            crossfade_s: 0.5,
        },
        ramp_s: 0.1,
        ducking: DuckingSpec::default(),
        stingers: vec![],
    }
}

fn mixer(m: &MusicSpec, stingers: Vec<StingerSound>, cue: Option<u16>) -> (Feeder, Mixer) {
    let specs = livingfilm_audio::score::feed_specs(m);
    let (feeder, inputs) = Feeder::start(&specs, RATE, RATE as usize / 2).unwrap();
    let mixer = Mixer::new(m, RATE, inputs, stingers, 0.5, cue);
    (feeder, mixer)
}

/// Mixes `frames` frames in device-sized blocks, waiting for the feeder like the
/// virtual-clock player does.
fn run(m: &mut Mixer, frames: usize) -> Vec<f32> {
    let mut out = vec![0f32; frames * 2];
    for block in out.chunks_mut(512 * 2) {
        m.wait_for_input(block.len() / 2);
        m.process(block);
    }
    out
}

fn cmd(at_frame: u64, intensity: f32, cue: Option<u16>, stinger: Option<u16>) -> MixCommand {
    MixCommand {
        at_frame,
        intensity,
        cue,
        stinger,
    }
}

#[test]
fn cue_change_waits_for_the_bar_and_crossfades_with_equal_power() {
    let d = dir("cue");
    // Cue A sounds only on the left at 0.5, cue B only on the right: the output is
    // each cue's gain, read directly.
    let (a, b) = (d.join("a.wav"), d.join("b.wav"));
    wav(&a, RATE, 2 * RATE as usize, |_| [0.5, 0.0]);
    wav(&b, RATE, 2 * RATE as usize, |_| [0.0, 0.5]);
    let m = music(vec![stem("a", &a, Some("a")), stem("b", &b, Some("b"))]);
    let (_feeder, mut mx) = mixer(&m, vec![], Some(0));
    // Asked at 0.7 s (mid-bar); bars are 2 s at 120 bpm 4/4: the fade starts at 2.0 s.
    mx.schedule(cmd(0, 0.5, None, None));
    mx.schedule(cmd((0.7 * RATE as f64) as u64, 0.5, Some(1), None));
    let out = run(&mut mx, 3 * RATE as usize);
    let bar = 2 * RATE as usize;
    let fade = RATE as usize / 2;
    let ga = |i: usize| out[2 * i] / 0.5;
    let gb = |i: usize| out[2 * i + 1] / 0.5;
    for i in 0..bar {
        assert_eq!(
            (ga(i), gb(i)),
            (1.0, 0.0),
            "frame {i}: cue B came in before the bar"
        );
    }
    assert!(gb(bar) > 0.0, "the crossfade starts on the bar line");
    let mut worst_power = 0f32;
    for i in bar..bar + fade {
        worst_power = worst_power.max((ga(i).powi(2) + gb(i).powi(2) - 1.0).abs());
    }
    // Equal power: gA² + gB² = 1 through the fade (slices ramp linearly: ≤ 1e-3 off).
    assert!(worst_power < 1e-3, "power dip {worst_power}");
    // Halfway, both at -3 dB.
    let mid = bar + fade / 2;
    assert!((ga(mid) - std::f32::consts::FRAC_1_SQRT_2).abs() < 2e-3);
    for i in bar + fade..3 * RATE as usize {
        assert!(
            (ga(i) - 0.0).abs() < 1e-6 && (gb(i) - 1.0).abs() < 1e-6,
            "frame {i}"
        );
    }
    assert_eq!(mx.stats().cue_changes, 1);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn gains_follow_the_authored_curve_after_the_ramp() {
    let d = dir("curve");
    let a = d.join("a.wav");
    wav(&a, RATE, RATE as usize, |_| [0.5, 0.5]);
    let mut s = stem("a", &a, None);
    s.curve = vec![[0.0, -96.0], [0.5, -12.0], [1.0, 0.0]];
    let m = music(vec![s.clone()]);
    let (_feeder, mut mx) = mixer(&m, vec![], None);
    mx.schedule(cmd(0, 0.25, None, None));
    mx.schedule(cmd(24_000, 0.75, None, None));
    let out = run(&mut mx, RATE as usize);
    // Opening level is set at once: -54 dB (halfway between -96 and -12 in dB).
    let expect0 = 0.5 * 10f32.powf(-54.0 / 20.0);
    assert!(
        (out[100] - expect0).abs() < 1e-6,
        "{} vs {expect0}",
        out[100]
    );
    // After the 0.1 s ramp from 0.25 to 0.75: -6 dB.
    let expect1 = 0.5 * 10f32.powf(-6.0 / 20.0);
    let after = 2 * (24_000 + 4_800 + 64);
    assert!(
        (out[after] - expect1).abs() < 1e-4,
        "{} vs {expect1}",
        out[after]
    );
    // The ramp is monotone: no zipper steps back.
    let ramp: Vec<f32> = (24_000..24_000 + 4_900).map(|i| out[2 * i]).collect();
    assert!(ramp.windows(2).all(|w| w[1] >= w[0] - 1e-7));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn stingers_land_on_the_next_beat() {
    let d = dir("stinger");
    let a = d.join("silence.wav");
    wav(&a, RATE, RATE as usize, |_| [0.0, 0.0]);
    let m = music(vec![stem("a", &a, None)]);
    let hit = StingerSound {
        samples: vec![0.25; 2 * 1000],
        gain: 1.0,
        quantize: Quantize::Beat,
    };
    let (_feeder, mut mx) = mixer(&m, vec![hit], None);
    // Cut at 1.1 s; beats every 0.5 s: the hit starts at 1.5 s exactly.
    mx.schedule(cmd(0, 0.5, None, None));
    mx.schedule(cmd((1.1 * RATE as f64) as u64, 0.5, None, Some(0)));
    let out = run(&mut mx, 2 * RATE as usize);
    let first = out.iter().position(|&s| s != 0.0).unwrap() / 2;
    assert_eq!(first, 72_000);
    let last = out.iter().rposition(|&s| s != 0.0).unwrap() / 2;
    assert_eq!(last, 72_000 + 999);
    assert_eq!(mx.stats().stingers, 1);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn music_ducks_under_dialogue_and_recovers() {
    let d = dir("duck");
    let (music_file, speech) = (d.join("m.wav"), d.join("d.wav"));
    wav(&music_file, RATE, 2 * RATE as usize, |_| [0.5, 0.0]);
    // Dialogue on the right only: speaks in the first second, silent in the second.
    wav(&speech, RATE, 2 * RATE as usize, |i| {
        let t = i as f32 / RATE as f32;
        let v = if t < 1.0 {
            0.3 * (std::f32::consts::TAU * 220.0 * t).sin()
        } else {
            0.0
        };
        [0.0, v]
    });
    let mut dia = stem("dialogue", &speech, None);
    dia.role = StemRole::Dialogue;
    let mut m = music(vec![stem("music", &music_file, None), dia]);
    m.ducking = DuckingSpec {
        depth_db: -12.0,
        threshold_db: -30.0,
        attack_s: 0.02,
        release_s: 0.2,
    };
    let (_feeder, mut mx) = mixer(&m, vec![], None);
    mx.schedule(cmd(0, 0.5, None, None));
    let out = run(&mut mx, 2 * RATE as usize);
    let music_gain = |t: f64| out[2 * (t * RATE as f64) as usize] / 0.5;
    let ducked = 10f32.powf(-12.0 / 20.0);
    // Within a few attack times the music sits at -12 dB while dialogue speaks …
    assert!(
        (music_gain(0.5) - ducked).abs() < 0.01,
        "{}",
        music_gain(0.5)
    );
    assert!(music_gain(0.15) < ducked + 0.01);
    // … and is back within a few release times after it stops.
    assert!(music_gain(1.1) < 0.95, "release is gradual");
    // Detector hold (~0.1 s) plus four release time constants.
    assert!(music_gain(1.99) > 0.98, "{}", music_gain(1.99));
    // Dialogue itself is never ducked.
    let t = 0.5 + 1.0 / 880.0; // a crest of the 220 Hz tone
    assert!((out[2 * (t * RATE as f64) as usize + 1] - 0.3).abs() < 0.01);
    assert!(mx.stats().ducked_frames > RATE as u64);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_stem_that_fails_mid_film_is_muted_and_reported_while_the_others_play_on() {
    let d = dir("fail");
    let (good, doomed) = (d.join("good.wav"), d.join("doomed.wav"));
    wav(&good, RATE, RATE as usize / 4, |_| [0.25, 0.25]);
    wav(&doomed, RATE, RATE as usize / 4, |_| [0.5, -0.5]);
    let m = music(vec![
        stem("good", &good, None),
        stem("doomed", &doomed, None),
    ]);
    let (feeder, mut mx) = mixer(&m, vec![], None);
    mx.schedule(cmd(0, 0.5, None, None));
    // The file disappears: the loop cannot reopen it.
    std::fs::remove_file(&doomed).unwrap();
    let out = run(&mut mx, 2 * RATE as usize);
    let failures = feeder.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].stem, 1);
    assert!(
        failures[0].message.contains("doomed.wav"),
        "{}",
        failures[0].message
    );
    assert!(mx.stats().failed[1]);
    assert_eq!(mx.stats().underruns, vec![0, 0]);
    // Before: both stems; after: the good stem alone, exactly, with no glitch.
    assert!((out[0] - 0.75).abs() < 1e-6 && (out[1] + 0.25).abs() < 1e-6);
    let tail = &out[2 * RATE as usize..];
    assert!(tail.iter().all(|&s| (s - 0.25).abs() < 1e-6));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_resampled_stem_stays_on_the_grid_loop_after_loop() {
    let d = dir("resample");
    // One bar (2 s) at 44.1 kHz with a click on its first frame.
    let f = d.join("click.wav");
    wav(&f, 44_100, 88_200, |i| {
        if i == 0 {
            [1.0, 1.0]
        } else {
            [0.0, 0.0]
        }
    });
    let m = music(vec![stem("click", &f, None)]);
    let (_feeder, mut mx) = mixer(&m, vec![], None);
    mx.schedule(cmd(0, 0.5, None, None));
    let out = run(&mut mx, 10 * RATE as usize);
    // The click's peak falls on every bar line at 48 kHz, five loops in a row.
    for bar in 0..5 {
        let at = bar * 2 * RATE as usize;
        let lo = at.saturating_sub(8);
        let peak = (lo..at + 8)
            .max_by(|&a, &b| out[2 * a].total_cmp(&out[2 * b]))
            .unwrap();
        assert_eq!(peak, at, "bar {bar}");
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn unusable_stems_are_refused_naming_the_file() {
    let d = dir("bad");
    let empty = d.join("empty.wav");
    wav(&empty, RATE, 0, |_| [0.0, 0.0]);
    let spec = [FeedSpec {
        path: empty.clone(),
        looping: true,
    }];
    let e = Feeder::start(&spec, RATE, 1024).err().unwrap().to_string();
    assert!(e.contains("empty.wav") && e.contains("zero-length"), "{e}");
    let junk = d.join("junk.flac");
    std::fs::write(&junk, b"fLaC but not really").unwrap();
    let spec = [FeedSpec {
        path: junk,
        looping: true,
    }];
    let e = Feeder::start(&spec, RATE, 1024).err().unwrap().to_string();
    assert!(e.contains("junk.flac"), "{e}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn the_master_limiter_holds_a_hot_sum_under_the_ceiling_without_moving_anything() {
    use livingfilm_audio::limiter::CEILING_DBTP;
    let d = dir("limiter");
    let a = d.join("a.wav");
    let tone = |i: usize| 0.3 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin();
    wav(&a, RATE, RATE as usize, |i| [tone(i), -tone(i)]);
    let mut s = stem("a", &a, None);
    s.gain = [1.0, 4.0];
    let m = music(vec![s]);
    let (_feeder, mut mx) = mixer(&m, vec![], None);
    // At unit gain until 0.5 s, then ramped to 4x (a 1.2 peak) over `ramp_s`.
    mx.schedule(cmd(0, 0.0, None, None));
    mx.schedule(cmd(24_000, 1.0, None, None));
    let out = run(&mut mx, RATE as usize);
    // Under the ceiling the limiter is transparent and adds no delay: the stem
    // comes out sample for sample where the mixer put it.
    for i in 0..24_000 {
        assert_eq!(
            (out[2 * i], out[2 * i + 1]),
            (tone(i), -tone(i)),
            "frame {i}"
        );
    }
    let ceiling = 10f32.powf(CEILING_DBTP / 20.0);
    let peak = out.iter().fold(0f32, |m, s| m.max(s.abs()));
    assert!(peak <= ceiling, "peak {peak} over the ceiling {ceiling}");
    // Held at the ceiling, not far under it (1 kHz: samples near the true peak).
    let late = out[2 * 40_000..].iter().fold(0f32, |m, s| m.max(s.abs()));
    assert!(late > ceiling * 0.97, "{late}");
    let st = mx.stats().limiter;
    assert!(st.clipped_in > 0 && st.clipped_out == 0, "{st:?}");
    assert!((st.max_reduction_db() - (20.0 * (1.2f32 / ceiling).log10())).abs() < 0.3);
    std::fs::remove_dir_all(&d).ok();
}
