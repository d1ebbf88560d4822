//! The uplink on a real loopback socket: consent gating and what crosses the wire.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::*;
use livingfilm_player::play;

/// Distinctive raw values planted in the replay: none may appear upstream or on disk.
const CANARY_RR: [&str; 2] = ["871.3", "902.9"];
/// Their mean heart rate, 60000 / 887.1 bpm, at the precisions a leak would use.
const CANARY_HR: [&str; 2] = ["67.6", "67.64"];

fn canary_replay(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("canary.csv");
    let mut s = String::from("t_s,rr_ms\n");
    let mut t = 0.0;
    for i in 0..40 {
        let rr = if i % 2 == 0 { 871.3 } else { 902.9 };
        t += rr / 1000.0;
        s += &format!("{t:.3},{rr}\n");
    }
    std::fs::write(&path, s).unwrap();
    path
}

/// A one-request HTTP collector; returns the body it received.
fn collector() -> (String, std::thread::JoinHandle<Option<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/instructional", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).ok()?;
        let (stream, _) = listener.accept().ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        let mut reader = BufReader::new(stream.try_clone().ok()?);
        let mut len = 0usize;
        let mut request_line = String::new();
        reader.read_line(&mut request_line).ok()?;
        assert!(
            request_line.starts_with("POST /v1/instructional "),
            "{request_line}"
        );
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).ok()?;
            let l = line.trim_end().to_ascii_lowercase();
            if l.is_empty() {
                break;
            }
            if let Some(v) = l.strip_prefix("content-length:") {
                len = v.trim().parse().ok()?;
            }
        }
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).ok()?;
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .ok()?;
        String::from_utf8(body).ok()
    });
    (url, handle)
}

fn assert_no_canary(what: &str, text: &str) {
    for c in CANARY_RR.iter().chain(&CANARY_HR) {
        assert!(!text.contains(c), "{what} contains raw biometric value {c}");
    }
}

/// Every file under `dir`, recursively, as bytes.
fn files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

/// The parts of a file that could carry text: all of it, except the sample payload of
/// the rendered video and the mix, where a four-byte canary like `67.6` turns up by
/// chance in random pixels or samples (once in twenty runs over a 20 MB Y4M); their
/// headers are still scanned.
fn textual_part<'a>(path: &Path, bytes: &'a [u8]) -> &'a [u8] {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let until = |needle: &[u8], extra: usize| {
        bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .map_or(bytes.len(), |i| (i + extra).min(bytes.len()))
    };
    match ext {
        "y4m" => &bytes[..until(b"\n", 1)],
        "wav" => &bytes[..until(b"data", 8)],
        _ => bytes,
    }
}

fn assert_no_canary_bytes(path: &Path, bytes: &[u8]) {
    let bytes = textual_part(path, bytes);
    for c in CANARY_RR.iter().chain(&CANARY_HR) {
        assert!(
            !bytes.windows(c.len()).any(|w| w == c.as_bytes()),
            "{} contains raw biometric value {c}",
            path.display()
        );
    }
}

#[test]
fn with_consent_only_randomized_deltas_cross_the_wire() {
    let o = out_dir("uplink_consent");
    let (url, server) = collector();
    let mut cfg = config(None, &o);
    cfg.viewer.biometrics = Some(canary_replay(&o));
    cfg.uplink.consent = true;
    cfg.uplink.url = Some(url);
    let r = play(&cfg).unwrap();
    assert!(r.uplink.delivered > 0, "{:?}", r.uplink);
    assert_eq!(r.uplink.pending, 0);
    let body = server.join().unwrap().expect("collector received a batch");
    assert_no_canary("uplink body", &body);

    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["records", "schema"]);
    assert_eq!(v["schema"], "livingfilm.instructional-metadata/2");
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), r.uplink.delivered);
    let mut viewings = std::collections::HashSet::new();
    for rec in records {
        let mut k: Vec<&str> = rec
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        k.sort();
        // Exactly these fields, and no time of day anywhere.
        assert_eq!(
            k,
            [
                "epsilon",
                "film_id",
                "film_version",
                "record",
                "segment",
                "tension_delta_pct",
                "viewing"
            ]
        );
        let d = rec["tension_delta_pct"].as_i64().unwrap();
        // Randomized response sends one bit: a raw quantized delta would show here.
        assert!(d == 100 || d == -100, "delta {d}");
        assert_eq!(rec["epsilon"], 1.0);
        assert_eq!(rec["record"].as_str().unwrap().len(), 16);
        viewings.insert(rec["viewing"].as_str().unwrap().to_owned());
    }
    // One pseudonym per viewing, 64 random bits.
    assert_eq!(viewings.len(), 1);
    assert_eq!(viewings.iter().next().unwrap().len(), 16);

    // Nothing written (outputs, the queue, its state) carries a raw value or a device id.
    let written = files(&o);
    assert!(written.iter().any(|(p, _)| p.ends_with("report.json")));
    assert!(written
        .iter()
        .any(|(p, _)| p.to_string_lossy().contains("uplink-queue")));
    // The machine's identifiers: machine-id (systemd or D-Bus), the host name and the
    // kernel's boot id, where this machine has them; the boot id always exists on Linux,
    // so the check never passes for want of something to look for.
    let device_ids: Vec<String> = [
        "/etc/machine-id",
        "/var/lib/dbus/machine-id",
        "/etc/hostname",
        "/proc/sys/kernel/random/boot_id",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(p).ok())
    .map(|id| id.trim().to_owned())
    .filter(|id| id.len() >= 4)
    .collect();
    assert!(
        !device_ids.is_empty(),
        "no device identifier found to look for"
    );
    for (path, bytes) in &written {
        if !path.ends_with("canary.csv") {
            assert_no_canary_bytes(path, bytes);
            let text = String::from_utf8_lossy(bytes);
            for id in &device_ids {
                assert!(!text.contains(id.as_str()), "{}", path.display());
            }
        }
    }
}

#[test]
fn without_consent_nothing_is_sent() {
    let o = out_dir("uplink_no_consent");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut cfg = config(None, &o);
    cfg.viewer.biometrics = Some(canary_replay(&o));
    cfg.uplink.url = Some(format!(
        "http://{}/v1/instructional",
        listener.local_addr().unwrap()
    ));
    let r = play(&cfg).unwrap();
    assert!(!r.uplink.consent && r.uplink.delivered == 0 && r.uplink.endpoint.is_none());
    assert_eq!(r.uplink.queued, 0);
    // Not even a queue on disk.
    assert!(
        !cfg.uplink.data_dir.exists(),
        "{} was created",
        cfg.uplink.data_dir.display()
    );
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the collector was contacted without consent: {other:?}"),
    }
}

#[test]
fn a_revoke_during_the_viewing_wins_nothing_is_queued_or_sent_after_it() {
    use livingfilm_player::host::host_samples;
    use livingfilm_player::{HostIo, PlayerEvent};
    use livingfilm_uplink::consent::ConsentStore;
    let o = out_dir("uplink_revoke");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut cfg = config(None, &o);
    cfg.uplink.consent = true;
    cfg.uplink.url = Some(format!(
        "http://{}/v1/instructional",
        listener.local_addr().unwrap()
    ));
    let store = ConsentStore::new(&cfg.uplink.data_dir);
    store.grant().unwrap();
    // Records from an earlier viewing wait in the queue: the revoke must delete them.
    std::fs::create_dir_all(store.queue_dir()).unwrap();
    let (source, pusher) = host_samples();
    let (started_tx, started_rx) = crossbeam_channel::bounded(1);
    let host = HostIo {
        samples: Some(Box::new(source)),
        events: Some(std::sync::Arc::new(move |e| {
            if matches!(e, PlayerEvent::Decision(_)) {
                let _ = started_tx.try_send(());
            }
        })),
        ..HostIo::default()
    };
    let viewing = {
        let cfg = cfg.clone();
        std::thread::spawn(move || livingfilm_player::play_with(&cfg, host))
    };
    // The viewing is under way (its first decision is made) and waits for samples.
    let beat = |t: f64| livingfilm_biometrics::Sample {
        t,
        reading: livingfilm_biometrics::Reading::Rr { ms: 800.0 },
    };
    let mut t = 0.0;
    while t < 6.0 {
        t += 0.8;
        assert!(pusher.push(beat(t)));
    }
    started_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the viewing started");
    store.revoke().unwrap();
    // The viewer's samples go on to the end of the film.
    while t < 120.0 {
        t += 0.8;
        if !pusher.push(beat(t)) {
            break;
        }
    }
    drop(pusher);
    let r = viewing.join().unwrap().unwrap();
    assert!(r.uplink.withdrawn, "{:?}", r.uplink);
    assert_eq!(
        (r.uplink.queued, r.uplink.delivered),
        (0, 0),
        "{:?}",
        r.uplink
    );
    assert!(!store.load().unwrap().granted);
    assert!(
        !store.queue_dir().exists(),
        "the queue was made again after the revoke"
    );
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the collector was contacted after the revoke: {other:?}"),
    }
}

#[test]
fn an_unreachable_collector_keeps_the_records_for_the_next_viewing() {
    let o = out_dir("uplink_down");
    // Bind then drop: the port is closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = config(Some("tense"), &o);
    cfg.uplink.consent = true;
    cfg.uplink.url = Some(format!("http://127.0.0.1:{port}/v1/instructional"));
    let r = play(&cfg).unwrap();
    assert_eq!(r.uplink.delivered, 0);
    assert!(
        r.uplink.queued > 0 && r.uplink.pending == r.uplink.queued,
        "{:?}",
        r.uplink
    );
    assert!(
        r.uplink
            .error
            .as_deref()
            .unwrap_or("")
            .contains("127.0.0.1")
            || r.uplink
                .error
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains("connect"),
        "{:?}",
        r.uplink.error
    );
    assert!(o.join("film.y4m").is_file());
    // The collector comes up: the next viewing delivers both viewings' records.
    let (url, stop, server) = spawn_collector(&o.join("collected"));
    cfg.uplink.url = Some(url);
    cfg.out_dir = o.join("second");
    let r2 = play(&cfg).unwrap();
    assert_eq!(r2.uplink.pending, 0, "{:?}", r2.uplink);
    assert_eq!(r2.uplink.delivered, r.uplink.queued + r2.uplink.queued);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let c = server.join().unwrap();
    assert_eq!(c.records().len(), r2.uplink.delivered);
    assert!(o.join("collected/population.png").is_file());
}

/// A real collector (`livingfilm collect`'s server) on a loopback port.
fn spawn_collector(
    dir: &Path,
) -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    std::thread::JoinHandle<livingfilm_cli::collector::Collector>,
) {
    use livingfilm_cli::collector::{serve, Collector};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/instructional", listener.local_addr().unwrap());
    let collector = Collector::open(dir).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        serve(listener, collector, || {
            flag.load(std::sync::atomic::Ordering::Relaxed)
        })
        .unwrap()
    });
    (url, stop, handle)
}

#[test]
fn stored_consent_queues_and_revoking_deletes_the_queue() {
    let o = out_dir("uplink_cli_consent");
    let data = o.join("profile");
    let data_s = data.to_str().unwrap();
    // The disclosure is there to read before anything is agreed.
    let (ok, out, _) = livingfilm(&["consent", "show", "--data-dir", data_s]);
    assert!(
        ok && out.contains("emotion recognition") && out.contains("nothing is sent"),
        "{out}"
    );
    assert!(!data.exists(), "showing the disclosure stores nothing");
    let (ok, _, err) = livingfilm(&["consent", "grant", "--data-dir", data_s]);
    assert!(ok, "{err}");
    // A viewing with stored consent and no endpoint yet: records wait in the queue.
    let replay = canary_replay(&o);
    let view = o.join("view");
    let play_args = [
        "play",
        "assets/demo",
        "-b",
        replay.to_str().unwrap(),
        "--audio",
        "null",
        "--width",
        "32",
        "--height",
        "18",
        "-q",
        "--data-dir",
        data_s,
        "-o",
        view.to_str().unwrap(),
    ];
    let (ok, _, err) = livingfilm(&play_args);
    assert!(ok, "{err}");
    assert!(
        err.contains("estimates how tense you feel"),
        "the viewer is told: {err}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("view/report.json")).unwrap()).unwrap();
    assert_eq!(report["uplink"]["consent"], true);
    let queued = report["uplink"]["queued"].as_u64().unwrap();
    assert!(queued > 0 && report["uplink"]["pending"].as_u64() == Some(queued));
    assert!(data.join("uplink-queue").is_dir());
    for (path, bytes) in files(&data) {
        assert_no_canary_bytes(&path, &bytes);
    }
    // Withdrawn: the queue and everything in it are gone, and the next viewing sends nothing.
    let (ok, out, _) = livingfilm(&["consent", "revoke", "--data-dir", data_s]);
    assert!(ok && out.contains("deleted"), "{out}");
    assert!(!data.join("uplink-queue").exists());
    let (ok, _, err) = livingfilm(&play_args);
    assert!(ok, "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("view/report.json")).unwrap()).unwrap();
    assert_eq!(report["uplink"]["consent"], false);
    assert!(!data.join("uplink-queue").exists());
}

#[test]
fn the_collector_command_summarises_what_it_holds() {
    use livingfilm_cli::collector::Collector;
    let o = out_dir("uplink_collect_cli");
    let dir = o.join("collected");
    let mut c = Collector::open(&dir).unwrap();
    let mut body =
        String::from("{\"schema\":\"livingfilm.instructional-metadata/2\",\"records\":[");
    for k in 0..400 {
        if k > 0 {
            body.push(',');
        }
        let d = if k % 4 == 0 { -100 } else { 100 };
        body += &format!(
            "{{\"film_id\":\"night-walk\",\"film_version\":\"v1\",\"segment\":\"escape\",\"tension_delta_pct\":{d},\"epsilon\":1.0,\"viewing\":\"{k:016x}\",\"record\":\"{k:016x}\"}}"
        );
    }
    body += "]}";
    assert_eq!(c.ingest(body.as_bytes()).unwrap(), (400, 0));
    // The same batch again (a retry after a lost ack): all duplicates.
    assert_eq!(c.ingest(body.as_bytes()).unwrap(), (0, 400));
    // Hostile input is refused with a reason, nothing stored.
    assert!(c.ingest(b"{\"schema\":\"x\",\"records\":[]}").is_err());
    assert!(c.ingest(b"\xff\xfe garbage").is_err());
    drop(c);
    let (ok, out, err) = livingfilm(&["collect", "--dir", dir.to_str().unwrap(), "--summary"]);
    assert!(ok, "{err}");
    // 75 % "tenser" reports at ε = 1: mean report +50, de-biased 50 / 0.462 = +108 →
    // the estimate is printed with its interval.
    assert!(out.contains("escape") && out.contains("400"), "{out}");
    let curves: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("population.json")).unwrap()).unwrap();
    let mean = curves[0]["estimate"]["mean_pct"].as_f64().unwrap();
    assert!((mean - 50.0 / (2.0 * (1f64.exp() / (1.0 + 1f64.exp())) - 1.0)).abs() < 1e-9);
    let png = image::open(dir.join("population.png")).unwrap().to_rgb8();
    // A red bar (tenser than intended) is drawn above the zero line.
    assert!(png.pixels().any(|p| p.0 == [200, 70, 60]));
}
