//! Bounded, seeded mutation fuzzing of every parser that reads untrusted bytes: each
//! must return a typed error, never panic. (Coverage-guided fuzzing is future work;
//! these run in every `cargo test`.)

use std::path::Path;

use livingfilm_biometrics::parse_replay;
use livingfilm_director::CutId;
use livingfilm_inference::npy::{NpyArray, NpyData};
use livingfilm_render::grade::{parse_cube, Interp};
use livingfilm_render::{Scene, Storage};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Applies 1–4 random edits: bit flips, interesting bytes, truncation, duplication, deletion.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len());
        match rng.below(6) {
            0 if !b.is_empty() => b[at] ^= 1 << rng.below(8),
            1 if !b.is_empty() => {
                b[at] = [0u8, 0xff, 0x7f, 0x80, b'-', b'9', b'\n', b',', b'.'][rng.below(9)]
            }
            2 => b.truncate(at),
            3 => {
                let end = (at + 1 + rng.below(16)).min(b.len());
                let chunk = b[at..end].to_vec();
                b.splice(at..at, chunk);
            }
            4 if !b.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at..end);
            }
            _ => b.insert(at.min(b.len()), rng.next() as u8),
        }
    }
    b
}

fn fuzz(name: &str, seed: &[u8], iterations: usize, parse: impl Fn(&[u8])) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    for i in 0..iterations {
        let input = mutate(seed, &mut rng);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&input)));
        assert!(
            r.is_ok(),
            "{name}: panic on iteration {i}, input {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn replay_parser_survives_mutations() {
    let seed = std::fs::read(root().join("assets/demo/viewers/calm.csv")).unwrap();
    let seed = &seed[..seed.len().min(600)];
    fuzz("replay", seed, 5000, |b| {
        let _ = parse_replay(&String::from_utf8_lossy(b), Path::new("f.csv"));
    });
}

#[test]
fn cube_parser_survives_mutations() {
    let mut seed = String::from("TITLE \"t\"\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n");
    for i in 0..8 {
        seed += &format!("{} {} {}\n", i & 1, (i >> 1) & 1, (i >> 2) & 1);
    }
    fuzz("cube", seed.as_bytes(), 5000, |b| {
        if let Ok(lut) = parse_cube(&String::from_utf8_lossy(b), Path::new("f.cube")) {
            // A LUT that parses must also be safe to sample.
            let _ = lut.apply([0.5, -1.0, 2.0], Interp::Tetrahedral);
            let _ = lut.apply([f32::NAN, 0.5, 9.0], Interp::Trilinear);
        }
    });
}

#[test]
fn scene_parser_survives_mutations() {
    // A real demo scene at 8³ (header with slots and a camera path), in both storages.
    let (_, scene) = livingfilm_cli::bake::demo_scenes(8).remove(0);
    for storage in [Storage::U8, Storage::F16] {
        let bytes = scene.to_bytes(storage);
        assert!(Scene::from_bytes(&bytes).is_ok());
        fuzz("lfscene", &bytes, 3000, |b| {
            if let Ok(s) = Scene::from_bytes(b) {
                // What loads must be safe to use.
                let _ = s.halved();
                let _ = s.occupancy.empty_share();
            }
        });
    }
}

#[test]
fn npy_parser_survives_mutations() {
    let seed = NpyArray {
        shape: vec![2, 3],
        data: NpyData::F32(vec![1.0; 6]),
    }
    .to_bytes();
    fuzz("npy", &seed, 5000, |b| {
        let _ = NpyArray::from_bytes(b);
    });
}

#[test]
fn manifest_parser_survives_mutations() {
    let seed = std::fs::read(root().join("assets/demo/film.toml")).unwrap();
    let dir = std::env::temp_dir().join("livingfilm-fuzz-manifest");
    std::fs::create_dir_all(&dir).unwrap();
    // Assets resolve relative to the manifest: point them back at the demo film, which
    // the manifest names as its asset root (assets stay inside it).
    let text = String::from_utf8(seed).unwrap();
    let demo = root().join("assets/demo");
    let text = ["luts/", "audio/", "scenes/", "signs/"]
        .iter()
        .fold(text, |t, d| {
            t.replace(&format!("\"{d}"), &format!("\"{}/{d}", demo.display()))
        })
        .replacen(
            "[film]\n",
            &format!("[film]\nasset_root = {:?}\n", demo.display().to_string()),
            1,
        );
    let path = dir.join("film.toml");
    // The seed itself loads, so the mutations start from a film that plays.
    std::fs::write(&path, &text).unwrap();
    if let Err(e) = livingfilm_director::Film::load(&path) {
        panic!("the seed manifest does not load: {e}");
    }
    fuzz("manifest", text.as_bytes(), 400, |b| {
        std::fs::write(&path, b).unwrap();
        let _ = livingfilm_director::Film::load(&path);
    });
}

#[test]
fn cut_id_parser_survives_mutations() {
    let id = CutId::new(&[3; 32], 9, vec![1, 0, 2]).to_string();
    fuzz("cut id", id.as_bytes(), 5000, |b| {
        let _ = CutId::parse(&String::from_utf8_lossy(b));
    });
}

#[test]
fn ble_heart_rate_parser_survives_mutations() {
    // 16-bit HR, contact detected, energy, three RR intervals.
    let seed = [
        0x1F, 0x48, 0x00, 0x10, 0x00, 0x00, 0x03, 0x10, 0x03, 0xF0, 0x02,
    ];
    fuzz("ble", &seed, 5000, |b| {
        if let Ok(m) = livingfilm_biometrics::ble::parse_heart_rate(b) {
            let _ = m.samples(3.0);
        }
    });
}

#[test]
fn companion_and_recording_parsers_survive_mutations() {
    let seed = b"{\"t\": 1.5, \"hr\": 72, \"rr\": [800, 810], \"pupil_mm\": 3.2}\n{\"rr\": 900}\n";
    fuzz("companion", seed, 5000, |b| {
        let mut clock = livingfilm_biometrics::companion::StreamClock::default();
        for line in String::from_utf8_lossy(b).lines() {
            let _ = livingfilm_biometrics::companion::parse_line(line, 1.0, &mut clock);
        }
        let _ = parse_replay(&String::from_utf8_lossy(b), Path::new("f.jsonl"));
    });
    // Raw RR files through the `hrv` loader and analysis, bad values and all.
    let dir = std::env::temp_dir().join("livingfilm-fuzz-rr");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rr.txt");
    let seed: String = (0..40)
        .map(|k| format!("{}\n", 780 + (k * 37) % 90))
        .collect();
    fuzz("rr", seed.as_bytes(), 300, |b| {
        use livingfilm_biometrics::recording::{analyse, load_recording, Format};
        std::fs::write(&path, b).unwrap();
        if let Ok(rec) = load_recording(&path, Format::Rr, None) {
            let _ = analyse(&rec, &path, Format::Rr, 10.0);
        }
    });
}

#[test]
fn audio_decoder_survives_mutations() {
    use livingfilm_audio::StreamDecoder;
    for name in [
        "rodio_audacity16bit.wav",
        "rodio_audacity24bit_level5.flac",
        "rodio_beep3.ogg",
        "rodio_music.mp3",
        "gen_audacity_aac.m4a",
    ] {
        let path = root().join("tests/data/audio").join(name);
        let bytes = std::fs::read(&path).unwrap();
        // The headers and first packets are where parsers go wrong; keep inputs small.
        let seed = &bytes[..bytes.len().min(24_000)];
        fuzz(name, seed, 150, |input| {
            if let Ok(mut dec) = StreamDecoder::from_bytes(input.to_vec(), &path) {
                let mut blocks = 0;
                while let Ok(Some(b)) = dec.next_block() {
                    assert!(b.iter().all(|s| s.is_finite()));
                    blocks += 1;
                    if blocks > 200 {
                        break;
                    }
                }
            }
        });
    }
}

#[test]
fn uplink_queue_and_collector_survive_mutations() {
    use livingfilm_cli::collector::Collector;
    use livingfilm_uplink::queue::Queue;
    let dir = std::env::temp_dir().join(format!("lf-fuzz-queue-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut q, _) = Queue::open(&dir, 100).unwrap();
    for k in 0..20 {
        q.push(format!("{{\"record\":\"{k}\"}}").as_bytes())
            .unwrap();
    }
    q.ack(5).unwrap();
    drop(q);
    let log = std::fs::read(dir.join("queue.0.log")).unwrap();
    let state = std::fs::read(dir.join("queue.state")).unwrap();
    fuzz("queue log", &log, 300, |bytes| {
        std::fs::write(dir.join("queue.0.log"), bytes).unwrap();
        std::fs::write(dir.join("queue.state"), &state).unwrap();
        let (mut q, _) = Queue::open(&dir, 100).unwrap();
        let n = q.len();
        assert_eq!(q.peek(1000).unwrap().len(), n);
    });
    fuzz("queue state", &state, 200, |bytes| {
        std::fs::write(dir.join("queue.0.log"), &log).unwrap();
        std::fs::write(dir.join("queue.state"), bytes).unwrap();
        let _ = Queue::open(&dir, 100).map(|(mut q, _)| q.peek(1000).unwrap());
    });
    let batch = br#"{"schema":"livingfilm.instructional-metadata/2","records":[{"film_id":"f","film_version":"v","segment":"s","tension_delta_pct":100,"epsilon":1.0,"viewing":"0000000000000001","record":"0000000000000001"}]}"#;
    let cdir = dir.join("collector");
    let c = std::cell::RefCell::new(Collector::open(&cdir).unwrap());
    fuzz("collector batch", batch, 500, |bytes| {
        let _ = c.borrow_mut().ingest(bytes);
    });
    let _ = c.borrow().population();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn host_config_parser_survives_mutations() {
    let film = root().join("assets/demo");
    let film = film.to_str().unwrap();
    let seed = br#"{"render": "cpu", "audio": "pull", "width": 48, "height": 27, "seed": 7, "providers": "xnnpack,cpu", "directors_cut": false, "out_dir": "x"}"#;
    fuzz("host config", seed, 300, |b| {
        let _ = livingfilm_player::host::HostSettings::from_json(film, &String::from_utf8_lossy(b));
    });
    for (json, field) in [
        (r#"{"render": "vulkan"}"#, "render"),
        (r#"{"audio": "speakers"}"#, "audio"),
        (r#"{"widht": 3}"#, "widht"),
        (r#"{"width": 0}"#, "frame size"),
        (r#"{"width": -4}"#, "config JSON"),
    ] {
        let e = livingfilm_player::host::HostSettings::from_json(film, json)
            .err()
            .unwrap_or_else(|| panic!("{json} accepted"))
            .to_string();
        assert!(e.contains(field), "{json}: {e}");
    }
}

#[test]
fn uplink_endpoints_survive_mutations_and_plain_http_never_leaves_the_machine() {
    use livingfilm_uplink::sender::Endpoint;
    for seed in [
        &b"http://127.0.0.1:8787/v1/instructional"[..],
        b"http://[::1]@192.0.2.2:18902/v6",
        b"http://127.0.0.1:1@192.0.2.2/ingest",
        b"https://collector.example/v1",
    ] {
        fuzz("uplink url", seed, 3000, |b| {
            let text = String::from_utf8_lossy(b);
            let Ok(e) = Endpoint::parse(&text) else {
                return;
            };
            let authority = e.uri().authority().expect("a host");
            assert!(!authority.as_str().contains('@'), "user-info: {text}");
            if !e
                .uri()
                .scheme_str()
                .unwrap_or("")
                .eq_ignore_ascii_case("https")
            {
                let host = authority
                    .host()
                    .trim_start_matches('[')
                    .trim_end_matches(']');
                let loopback = host.eq_ignore_ascii_case("localhost")
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.to_canonical().is_loopback());
                assert!(loopback, "plain http off this machine: {text}");
            }
        });
    }
}
