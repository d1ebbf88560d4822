//! The uplink on a real loopback socket: consent gating and what crosses the wire.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::*;
use livingfilm::play;

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

#[test]
fn with_consent_only_quantised_deltas_cross_the_wire() {
    let o = out_dir("uplink_consent");
    let (url, server) = collector();
    let mut cfg = config(None, &o);
    cfg.biometrics = Some(canary_replay(&o));
    cfg.consent = true;
    cfg.uplink_url = Some(url);
    let r = play(&cfg).unwrap();
    assert!(r.uplink.delivered, "{:?}", r.uplink.error);
    let body = server.join().unwrap().expect("collector received a batch");
    assert_no_canary("uplink body", &body);

    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["film_id", "film_version", "records", "schema", "viewing"]
    );
    assert_eq!(v["schema"], "livingfilm.instructional-metadata/1");
    let records = v["records"].as_array().unwrap();
    assert!(!records.is_empty());
    for rec in records {
        let mut k: Vec<&str> = rec
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        k.sort();
        assert_eq!(k, ["segment", "tension_delta_pct", "variant"]);
        let d = rec["tension_delta_pct"].as_i64().unwrap();
        assert!(d % 10 == 0 && (-100..=100).contains(&d), "delta {d}");
    }
    // The pseudonym is 64 random bits: a second viewing gets another one.
    assert_eq!(v["viewing"].as_str().unwrap().len(), 16);

    // Nothing written by default carries the raw values either (every text output).
    let mut checked = 0;
    for entry in std::fs::read_dir(&o).unwrap() {
        let path = entry.unwrap().path();
        if let Ok(text) = std::fs::read_to_string(&path) {
            if path.file_name().unwrap() != "canary.csv" {
                assert_no_canary(&path.display().to_string(), &text);
                checked += 1;
            }
        }
    }
    assert!(checked >= 1, "report.json was not checked");
}

#[test]
fn without_consent_nothing_is_sent() {
    let o = out_dir("uplink_no_consent");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut cfg = config(None, &o);
    cfg.biometrics = Some(canary_replay(&o));
    cfg.uplink_url = Some(format!(
        "http://{}/v1/instructional",
        listener.local_addr().unwrap()
    ));
    let r = play(&cfg).unwrap();
    assert!(!r.uplink.consent && !r.uplink.delivered && r.uplink.endpoint.is_none());
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the collector was contacted without consent: {other:?}"),
    }
}

#[test]
fn an_unreachable_collector_does_not_stop_the_film() {
    let o = out_dir("uplink_down");
    // Bind then drop: the port is closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = config(Some("calm"), &o);
    cfg.consent = true;
    cfg.uplink_url = Some(format!("http://127.0.0.1:{port}/v1/instructional"));
    let r = play(&cfg).unwrap();
    assert!(!r.uplink.delivered);
    assert!(
        r.uplink
            .error
            .as_deref()
            .unwrap_or("")
            .contains("127.0.0.1"),
        "{:?}",
        r.uplink.error
    );
    assert!(o.join("film.y4m").is_file());
}
