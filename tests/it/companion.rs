//! The companion stream on real loopback sockets: UDP datagrams and a TCP bridge,
//! including garbage, a half-written line and an oversized one.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use livingfilm_biometrics::companion::{CompanionListener, MAX_LINE_BYTES};
use livingfilm_biometrics::{Reading, Sample, SampleSource};

fn collect(l: &mut CompanionListener, want: usize) -> Vec<Sample> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut out = Vec::new();
    while out.len() < want && Instant::now() < deadline {
        l.poll(f64::INFINITY, &mut out);
        std::thread::sleep(Duration::from_millis(20));
    }
    out
}

fn wait_for(deadline_s: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(deadline_s);
    while !ok() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn udp_datagrams_become_samples_and_garbage_is_counted() {
    let mut l = CompanionListener::bind("127.0.0.1:0".parse().unwrap(), 100.0).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.send_to(
        b"{\"t\": 5.0, \"rr\": [800, 810]}\n{\"t\": 5.5, \"pupil_mm\": 3.25}",
        l.udp_addr,
    )
    .unwrap();
    tx.send_to(b"\xff\xfe not utf8", l.udp_addr).unwrap();
    tx.send_to(b"{\"hr\": 9000}", l.udp_addr).unwrap();
    let got = collect(&mut l, 3);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[1].reading, Reading::Rr { ms: 810.0 });
    assert_eq!(got[2].reading, Reading::Pupil { mm: 3.25 });
    // Sender spacing is kept: the pupil sample is 0.5 s after the last beat.
    assert!((got[2].t - got[1].t - 0.5).abs() < 1e-9);
    // The first record was pinned near the listener's viewing time (100 s).
    assert!(got[1].t >= 100.0 && got[1].t < 110.0, "{}", got[1].t);
    wait_for(5, || l.stats.rejected.load(Ordering::Relaxed) == 2);
    assert_eq!(l.stats.accepted.load(Ordering::Relaxed), 2);
    assert_eq!(l.stats.rejected.load(Ordering::Relaxed), 2);
    assert!(l
        .stats
        .last_error
        .lock()
        .unwrap()
        .as_deref()
        .unwrap()
        .contains("`hr`"));
}

#[test]
fn tcp_bridge_survives_half_lines_oversize_and_reconnects() {
    let mut l = CompanionListener::bind("127.0.0.1:0".parse().unwrap(), 0.0).unwrap();
    {
        let mut c = TcpStream::connect(l.tcp_addr).unwrap();
        // A record split across two writes arrives whole.
        c.write_all(b"{\"t\": 1.0, \"hr\"").unwrap();
        c.flush().unwrap();
        std::thread::sleep(Duration::from_millis(250));
        c.write_all(b": 71}\n").unwrap();
        // An oversized line is rejected, and the next line still parses.
        let mut big = vec![b'x'; MAX_LINE_BYTES + 10];
        big.push(b'\n');
        c.write_all(&big).unwrap();
        c.write_all(b"{\"t\": 2.0, \"hr\": 72}\n{\"t\": 3.0, \"hr\"")
            .unwrap();
        // Dropped mid-line: the partial record is counted, not parsed.
    }
    let got = collect(&mut l, 2);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].reading, Reading::Hr { bpm: 71.0 });
    assert_eq!(got[1].reading, Reading::Hr { bpm: 72.0 });
    wait_for(5, || l.stats.rejected.load(Ordering::Relaxed) >= 2);
    assert_eq!(l.stats.rejected.load(Ordering::Relaxed), 2);
    // The bridge reconnects (new stream, new sender clock) and is heard again.
    let mut c = TcpStream::connect(l.tcp_addr).unwrap();
    c.write_all(b"{\"rr\": 900}\n").unwrap();
    let again = collect(&mut l, 1);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].reading, Reading::Rr { ms: 900.0 });
}

#[test]
fn listen_command_prints_features_from_a_bridge() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args(["listen", "--addr", "127.0.0.1:0", "--seconds", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    // "listening on udp 127.0.0.1:PORT and tcp 127.0.0.1:PORT"
    let udp: std::net::SocketAddr = first.split_whitespace().nth(3).unwrap().parse().unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Ten beats at 800 ms (75 bpm), sent as they would arrive from a watch bridge.
    let beats: Vec<String> = (1..=10)
        .map(|k| format!("{{\"t\": {}, \"rr\": 800}}", k as f64 * 0.8))
        .collect();
    tx.send_to(beats.join("\n").as_bytes(), udp).unwrap();
    tx.send_to(b"{\"hr\": \"fast\"}", udp).unwrap();
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(out.contains("HR bpm"), "{out}");
    assert!(
        out.lines().any(|l| l.contains(" 75.0 ")),
        "75 bpm expected:\n{out}"
    );
    assert!(rest.contains("10 record(s) accepted, 1 rejected"), "{rest}");
}
