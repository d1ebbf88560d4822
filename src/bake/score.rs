//! The demo score: three seamlessly looping 8-second stems (120 bpm, 4 bars of 4/4)
//! and a one-shot stinger. The shimmer is mono at 24 kHz so the demo also exercises
//! the player's resampling and up-mix.

const LOOP_S: f64 = 8.0;

fn note(hz: f64) -> f64 {
    // Round to whole cycles per loop so the loop point is seamless.
    (hz * LOOP_S).round() / LOOP_S
}

fn wav_bytes<const C: usize>(rate: u32, frames: &[[f32; C]]) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec {
        channels: C as u16,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    if let Ok(mut w) = hound::WavWriter::new(&mut cursor, spec) {
        for f in frames {
            for s in f {
                let _ = w.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16);
            }
        }
        let _ = w.finalize();
    }
    cursor.into_inner()
}

fn pad(rate: u32) -> Vec<[f32; 2]> {
    let n = (LOOP_S * rate as f64) as usize;
    // Am9 voicing, two chords per loop; slow tremolo at 0.25 Hz.
    let chords = [
        [220.0, 261.63, 329.63, 493.88],
        [174.61, 261.63, 349.23, 440.0],
    ];
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let half = if t < LOOP_S / 2.0 { 0 } else { 1 };
            let x = (t / (LOOP_S / 2.0)).fract();
            let env = (std::f64::consts::PI * x).sin().powf(0.5);
            let mut l = 0.0;
            let mut r = 0.0;
            for (k, &f) in chords[half].iter().enumerate() {
                let ph = std::f64::consts::TAU * note(f) * t;
                let v = ph.sin() + 0.3 * (2.0 * ph).sin();
                if k % 2 == 0 {
                    l += v
                } else {
                    r += v
                }
                l += 0.3 * v;
                r += 0.3 * v;
            }
            let trem = 0.85 + 0.15 * (std::f64::consts::TAU * 0.25 * t).sin();
            let g = 0.06 * env * trem;
            [(l * g) as f32, (r * g) as f32]
        })
        .collect()
}

fn pulse(rate: u32) -> Vec<[f32; 2]> {
    let n = (LOOP_S * rate as f64) as usize;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let beat = (t * 2.0).fract();
            let eighth = (t * 4.0).fract();
            let bass_env = (-beat * 6.0).exp();
            let ph = note(55.0) * t;
            let saw = 2.0 * ph.fract() - 1.0;
            let sub = (std::f64::consts::TAU * note(55.0) * t).sin();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((seed >> 33) as f64 / (1u64 << 31) as f64) - 1.0;
            let tick = noise * (-eighth * 40.0).exp();
            let v = 0.22 * bass_env * (0.6 * saw + 0.8 * sub) + 0.08 * tick;
            let pan = if ((t * 4.0) as u64).is_multiple_of(2) {
                0.8
            } else {
                1.0
            };
            [(v * pan) as f32, (v * (1.8 - pan)) as f32]
        })
        .collect()
}

/// A high, slow arpeggio (A minor pentatonic, eighth notes at 120 bpm) with soft
/// attacks: the calm cue's colour.
fn shimmer(rate: u32) -> Vec<[f32; 1]> {
    let n = (LOOP_S * rate as f64) as usize;
    let notes = [
        880.0, 1046.5, 1174.66, 1318.51, 1567.98, 1318.51, 1174.66, 1046.5,
    ];
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let step = (t * 4.0) as usize;
            let local = t * 4.0 - step as f64;
            let f = note(notes[step % notes.len()]);
            let env = (1.0 - (-local * 40.0).exp()) * (-local * 3.0).exp();
            let ph = std::f64::consts::TAU * f * t;
            let v = 0.07 * env * (ph.sin() + 0.2 * (2.0 * ph).sin());
            [v as f32]
        })
        .collect()
}

/// A low drum hit with a noise burst: the stinger on the cut into the escape.
fn hit(rate: u32) -> Vec<[f32; 1]> {
    let n = (1.5 * rate as f64) as usize;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            // Pitch falls from 120 Hz to 45 Hz; phase is the integral of the frequency.
            let ph = std::f64::consts::TAU * (45.0 * t + 75.0 * (1.0 - (-t * 12.0).exp()) / 12.0);
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            let v = 0.5 * ph.sin() * (-t * 3.5).exp() + 0.15 * noise * (-t * 30.0).exp();
            [v as f32]
        })
        .collect()
}

/// The stems and the stinger as WAV files (16-bit; pad and pulse stereo at `rate`,
/// shimmer mono at `rate / 2`, the hit mono at `rate`).
pub fn demo_stems(rate: u32) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("pad", wav_bytes(rate, &pad(rate))),
        ("pulse", wav_bytes(rate, &pulse(rate))),
        ("shimmer", wav_bytes(rate / 2, &shimmer(rate / 2))),
        ("hit", wav_bytes(rate, &hit(rate))),
    ]
}
