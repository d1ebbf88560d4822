//! Audio stage throughput, with peers measured in the same run:
//! - mixer: 8 stereo 48 kHz stems (streamed by the real feeder), curves, a cue change
//!   every 2 s and a stinger every 4 s, as a multiple of real time on one core, and the
//!   worst 512-frame block against its 10.7 ms period;
//! - callback: the device callback's body for 512-frame callbacks, worst case against
//!   the 10.7 ms period;
//! - decode: every file in tests/data/audio through the streaming decoder, against
//!   `ffmpeg -benchmark` decoding the same file (its `rtime`), best of 5 each.
//!
//! `cargo bench --bench audio -- --bench` (scripts/bench_audio.sh); under `cargo test`
//! a short smoke pass runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use livingfilm_audio::feeder::Feeder;
use livingfilm_audio::sink::fill_from_ring;
use livingfilm_audio::{MixCommand, Mixer, StingerSound, StreamDecoder};
use livingfilm_director::score::{
    DuckingSpec, MusicSpec, Quantize, StemRole, StemSpec, TempoSection, TransitionSpec,
};

const RATE: u32 = 48_000;
const BLOCK: usize = 512;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mixer_bench(seconds: usize) {
    let files = ["assets/demo/audio/pad.wav", "assets/demo/audio/pulse.wav"];
    let stems: Vec<StemSpec> = (0..8)
        .map(|k| StemSpec {
            id: format!("s{k}"),
            file: root().join(files[k % 2]),
            gain: [1.0, 1.0],
            curve: vec![[0.0, -30.0], [0.5, -12.0], [1.0, -6.0]],
            cue: (k >= 4).then(|| if k % 2 == 0 { "a" } else { "b" }.to_string()),
            role: StemRole::Music,
            looping: true,
        })
        .collect();
    let music = MusicSpec {
        intensity: [0.0, 1.0],
        stems,
        tempo: vec![TempoSection {
            at_s: 0.0,
            bpm: 120.0,
            beats_per_bar: 4,
        }],
        transition: TransitionSpec {
            quantize: Quantize::Bar,
            crossfade_s: 1.0,
        },
        ramp_s: 0.5,
        ducking: DuckingSpec::default(),
        stingers: vec![],
    };
    let specs = livingfilm_audio::score::feed_specs(&music);
    let (_feeder, inputs) = Feeder::start(&specs, RATE, RATE as usize).expect("stems");
    let hit = StingerSound {
        samples: vec![0.1; 2 * RATE as usize / 2],
        gain: 1.0,
        quantize: Quantize::Beat,
    };
    let mut mixer = Mixer::new(&music, RATE, inputs, vec![hit], 0.5, Some(0));
    let mut block = vec![0f32; BLOCK * 2];
    let mut busy = Duration::ZERO;
    let mut times = Vec::new();
    let blocks = seconds * RATE as usize / BLOCK;
    let mut checksum = 0f64;
    for k in 0..blocks {
        let at = (k * BLOCK) as u64;
        mixer.wait_for_input(BLOCK);
        let start = Instant::now();
        if at % (RATE as u64 / 2) < BLOCK as u64 {
            let beat = at / (RATE as u64 / 2);
            mixer.schedule(MixCommand {
                at_frame: at + 7,
                intensity: ((beat as f32) * 0.61).sin().abs(),
                cue: Some(((beat / 4) % 2) as u16),
                stinger: beat.is_multiple_of(8).then_some(0),
            });
        }
        mixer.process(&mut block);
        let took = start.elapsed();
        busy += took;
        times.push(took);
        checksum += block[0] as f64;
    }
    let audio_s = (blocks * BLOCK) as f64 / RATE as f64;
    println!(
        "mixer: 8 stereo stems at 48 kHz, {audio_s:.0} s mixed in {:.3} s on one core -> {:.0}x real time",
        busy.as_secs_f64(),
        audio_s / busy.as_secs_f64()
    );
    // The first second warms caches and the feeder; a budget is about steady state.
    let mut steady = times.split_off((RATE as usize / BLOCK).min(times.len()));
    steady.sort();
    let period = BLOCK as f64 / RATE as f64;
    let at = |q: f64| steady[((steady.len() - 1) as f64 * q) as usize].as_secs_f64();
    println!(
        "mixer: {BLOCK}-frame block ({:.0} us period): median {:.1} us, p99.9 {:.1} us, worst {:.1} us ({:.2} % of the period) [checksum {checksum:.3}]",
        period * 1e6,
        at(0.5) * 1e6,
        at(0.999) * 1e6,
        at(1.0) * 1e6,
        at(1.0) / period * 100.0
    );
}

/// The device callback's whole body ([`fill_from_ring`]) for 512-frame callbacks, with
/// the ring refilled between calls as the mixer thread would.
fn callback_bench(calls: usize) {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<f32>::new(RATE as usize);
    let mut out = vec![0f32; BLOCK * 2];
    let mut times = Vec::with_capacity(calls);
    for k in 0..calls {
        if let Ok(mut chunk) = producer.write_chunk((BLOCK * 2).min(producer.slots())) {
            let (a, b) = chunk.as_mut_slices();
            a.fill(k as f32 * 1e-6);
            b.fill(0.0);
            chunk.commit_all();
        }
        let start = Instant::now();
        std::hint::black_box(fill_from_ring(&mut consumer, &mut out));
        times.push(start.elapsed());
    }
    times.sort();
    let period = BLOCK as f64 / RATE as f64;
    let worst = times[times.len() - 1].as_secs_f64();
    println!(
        "callback: {BLOCK}-frame callback body: median {:.2} us, worst {:.2} us of its {:.0} us period ({:.3} %)",
        times[times.len() / 2].as_secs_f64() * 1e6,
        worst * 1e6,
        period * 1e6,
        worst / period * 100.0
    );
}

fn decode_once(path: &Path) -> (Duration, u64) {
    let start = Instant::now();
    let mut dec = StreamDecoder::open(path).expect("decodable");
    let mut samples = 0u64;
    while let Some(b) = dec.next_block().expect("decode") {
        samples += b.len() as u64;
    }
    (start.elapsed(), samples / dec.info().channels as u64)
}

fn ffmpeg_once(path: &Path) -> Option<Duration> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-benchmark", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-f", "null", "-"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let rtime = text.split("rtime=").nth(1)?.split('s').next()?.trim();
    rtime.parse::<f64>().ok().map(Duration::from_secs_f64)
}

fn decode_bench(reps: usize) {
    let dir = root().join("tests/data/audio");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/audio")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "json"))
        .collect();
    files.sort();
    println!(
        "{:<36} {:>9} {:>12} {:>12} {:>8}",
        "decode (best of N)", "frames", "livingfilm", "ffmpeg", "ratio"
    );
    for f in files {
        let (mut ours, mut frames) = (Duration::MAX, 0);
        for _ in 0..reps {
            let (t, n) = decode_once(&f);
            ours = ours.min(t);
            frames = n;
        }
        let theirs = (0..reps).filter_map(|_| ffmpeg_once(&f)).min();
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        let rate = StreamDecoder::open(&f)
            .map(|d| d.info().sample_rate)
            .unwrap_or(1);
        let xrt = frames as f64 / rate as f64 / ours.as_secs_f64();
        match theirs {
            Some(t) => println!(
                "{name:<36} {frames:>9} {:>9.2} ms {:>9.2} ms {:>7.2}x   ({xrt:.0}x real time)",
                ours.as_secs_f64() * 1e3,
                t.as_secs_f64() * 1e3,
                t.as_secs_f64() / ours.as_secs_f64()
            ),
            None => println!(
                "{name:<36} {frames:>9} {:>9.2} ms {:>12} {:>8}   ({xrt:.0}x real time)",
                ours.as_secs_f64() * 1e3,
                "no ffmpeg",
                "-"
            ),
        }
    }
    println!("ratio = ffmpeg time / livingfilm time (above 1: livingfilm is faster)");
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    mixer_bench(if full { 120 } else { 2 });
    callback_bench(if full { 100_000 } else { 100 });
    decode_bench(if full { 5 } else { 1 });
}
