//! The uplink's durability and delivery under stress, on real files and loopback
//! sockets: `kill -9` in the middle of writes, a long time offline, hostile collectors,
//! and the privacy/accuracy trade-off of randomized response at 10 000 viewers.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use livingfilm_cli::collector::{population, serve, Collector};
use livingfilm_uplink::ldp::RandomizedResponse;
use livingfilm_uplink::queue::Queue;
use livingfilm_uplink::sender::{deliver, Endpoint, SendError, SendPolicy, SendReport};
use livingfilm_uplink::Record;

/// Delivers to `url` with consent never withdrawn.
fn send(
    q: &mut Queue,
    url: &str,
    policy: &SendPolicy,
    sleep: impl FnMut(Duration),
    uniform: impl FnMut() -> f64,
) -> Result<SendReport, SendError> {
    let endpoint = Endpoint::parse(url)?;
    deliver(q, &endpoint, policy, || Some(()), sleep, uniform)
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lf-uq-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn record(k: u64, segment: &str, delta: i32, epsilon: f64) -> Vec<u8> {
    serde_json::to_vec(&Record {
        film_id: "night-walk".into(),
        film_version: "0123456789abcdef".into(),
        segment: segment.into(),
        tension_delta_pct: delta,
        epsilon,
        viewing: format!("{:016x}", k / 4),
        record: format!("{k:016x}"),
    })
    .unwrap()
}

/// The writer run in a child process by the kill test; ignored in a normal run (it is
/// no test of its own), started with `--ignored` by the kill test.
#[test]
#[ignore = "run as a child process by the kill test"]
fn child_writer() {
    let d = std::env::var("LF_QUEUE_CHILD").expect("LF_QUEUE_CHILD: run by the kill test");
    let start = std::env::var("LF_QUEUE_START").expect("LF_QUEUE_START: run by the kill test");
    let start: u64 = start.parse().unwrap();
    let (mut q, _) = Queue::open(Path::new(&d), 1_000_000).unwrap();
    let pad = "x".repeat(2000);
    let mut out = std::io::stdout().lock();
    for i in start.. {
        q.push(format!("{i} {pad}").as_bytes()).unwrap();
        writeln!(out, "@@p {i}").unwrap();
        out.flush().unwrap();
        if i % 10 == 9 {
            q.ack(3).unwrap();
            writeln!(out, "@@a 3").unwrap();
            out.flush().unwrap();
        }
    }
}

fn contents(q: &mut Queue) -> VecDeque<u64> {
    q.peek(usize::MAX)
        .unwrap()
        .iter()
        .map(|r| {
            let s = String::from_utf8_lossy(r);
            s.split(' ').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn kill_9_mid_write_loses_and_duplicates_nothing() {
    let d = dir("kill");
    let exe = std::env::current_exe().unwrap();
    let mut rng = SplitMix(11);
    // What the queue must hold: pushes and acks the child confirmed.
    let mut expected: VecDeque<u64> = VecDeque::new();
    let mut next = 0u64;
    let mut truncated_total = 0;
    for round in 0..16 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_writer",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("LF_QUEUE_CHILD", &d)
            .env("LF_QUEUE_START", next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let stop_after = 5 + (rng.next() * 80.0) as usize;
        let mut seen = 0;
        // One confirmation line of the child: a push (counted) or an ack.
        let confirm = |line: &str, expected: &mut VecDeque<u64>| {
            // libtest may print its own text before ours on the first line.
            let Some(at) = line.find("@@") else { return 0 };
            match line[at + 2..].split_once(' ') {
                Some(("p", i)) => {
                    expected.push_back(i.parse().unwrap());
                    1
                }
                Some(("a", n)) => {
                    for _ in 0..n.parse::<usize>().unwrap() {
                        expected.pop_front();
                    }
                    0
                }
                _ => 0,
            }
        };
        while seen < stop_after {
            let Some(Ok(line)) = lines.next() else { break };
            seen += confirm(&line, &mut expected);
        }
        // SIGKILL, wherever it is: mid-append, mid-fsync, mid-compaction.
        child.kill().unwrap();
        child.wait().unwrap();
        // What the child confirmed before it died and the pipe still holds counts too:
        // the order of events decides, not how soon the kill landed.
        for line in lines.map_while(Result::ok) {
            confirm(&line, &mut expected);
        }
        let (mut q, rec) = Queue::open(&d, 1_000_000).unwrap();
        truncated_total += rec.truncated_bytes;
        let got = contents(&mut q);
        // What may differ: one push the child made but had not reported, and one ack
        // (of 3) it made but had not reported. Nothing else.
        let last = expected.back().copied().unwrap_or(next.saturating_sub(1));
        let mut model = expected.clone();
        if got.back().is_some_and(|&g| g == last + 1)
            || (expected.is_empty() && got.back() == Some(&next))
        {
            model.push_back(got.back().copied().unwrap());
        }
        if got.len() + 3 == model.len() {
            model.drain(..3);
        }
        assert_eq!(
            got, model,
            "round {round}: queue differs from what the writer confirmed"
        );
        let distinct: std::collections::HashSet<_> = got.iter().collect();
        assert_eq!(distinct.len(), got.len(), "duplicates");
        expected = got;
        next = expected.back().map_or(next, |&l| l + 1).max(next);
        if expected.is_empty() {
            next = next.max(last + 2);
        }
    }
    eprintln!("16 kills; torn tails cut: {truncated_total} bytes in all");
    std::fs::remove_dir_all(&d).ok();
}

/// A real collector on a loopback port.
fn spawn_collector(d: &Path) -> (String, Arc<AtomicBool>, std::thread::JoinHandle<Collector>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/instructional", listener.local_addr().unwrap());
    let c = Collector::open(d).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let h =
        std::thread::spawn(move || serve(listener, c, || flag.load(Ordering::Relaxed)).unwrap());
    (url, stop, h)
}

fn closed_port_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/v1/instructional")
}

fn quick() -> SendPolicy {
    SendPolicy {
        ca_pem: None,
        max_attempts: 3,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        timeout: Duration::from_secs(1),
        batch: 200,
    }
}

#[test]
fn a_long_time_offline_then_everything_in_bound_is_delivered_once() {
    let d = dir("offline");
    let (mut q, _) = Queue::open(&d.join("queue"), 5_000).unwrap();
    // Weeks of viewings with the collector unreachable.
    let mut slept = Duration::ZERO;
    for k in 0..3_000u64 {
        q.push(&record(k, "escape", 10, 1.0)).unwrap();
        if k % 500 == 499 {
            let r = send(&mut q, &closed_port_url(), &quick(), |d| slept += d, || 0.5).unwrap();
            assert_eq!((r.delivered, r.failures), (0, 3));
        }
    }
    assert!(
        slept < Duration::from_secs(1),
        "backoff is bounded: {slept:?}"
    );
    assert_eq!(q.len(), 3_000);
    // A restart of the player in between: the queue is as it was.
    drop(q);
    let (mut q, rec) = Queue::open(&d.join("queue"), 5_000).unwrap();
    assert_eq!((q.len(), rec.truncated_bytes), (3_000, 0));
    let (url, stop, server) = spawn_collector(&d.join("collector"));
    let r = send(&mut q, &url, &quick(), |_| {}, || 0.5).unwrap();
    assert_eq!((r.delivered, r.pending, r.failures), (3_000, 0, 0));
    // Sending a batch again (a crash before the ack) is de-duplicated by the collector.
    for k in 0..200 {
        q.push(&record(k, "escape", 10, 1.0)).unwrap();
    }
    let r = send(&mut q, &url, &quick(), |_| {}, || 0.5).unwrap();
    assert_eq!(r.delivered, 200);
    stop.store(true, Ordering::Relaxed);
    let c = server.join().unwrap();
    assert_eq!(c.records().len(), 3_000);

    // Beyond the bound, the oldest go and are counted; the rest arrive.
    let (mut small, _) = Queue::open(&d.join("small"), 1_000).unwrap();
    for k in 10_000..13_000u64 {
        small.push(&record(k, "coda", 0, 1.0)).unwrap();
    }
    assert_eq!((small.len(), small.dropped()), (1_000, 2_000));
    let (url, stop, server) = spawn_collector(&d.join("collector2"));
    let r = send(&mut small, &url, &quick(), |_| {}, || 0.5).unwrap();
    assert_eq!(r.delivered, 1_000);
    stop.store(true, Ordering::Relaxed);
    let c = server.join().unwrap();
    assert_eq!(
        c.records().first().unwrap().record,
        format!("{:016x}", 12_000)
    );
    std::fs::remove_dir_all(&d).ok();
}

/// A collector that misbehaves in one way, for every connection.
fn hostile(kind: &'static str) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let scheme = if kind == "tls" { "https" } else { "http" };
    let url = format!("{scheme}://{addr}/v1/instructional");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            let Ok((mut s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = s.set_nonblocking(false);
            let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            match kind {
                "500" => {
                    let _ = s.write_all(
                        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
                    );
                }
                "slow" => std::thread::sleep(Duration::from_secs(3)),
                "garbage" => {
                    let _ = s.write_all(b"\x00\x01lol not http at all\r\n\r\n");
                }
                "huge" => {
                    // A 503 promising a gigabyte, then streaming it while anyone reads.
                    let _ = s.write_all(b"HTTP/1.1 503 Busy\r\nContent-Length: 1073741824\r\n\r\n");
                    let chunk = vec![b'z'; 1 << 16];
                    let _ = s.set_write_timeout(Some(Duration::from_millis(200)));
                    for _ in 0..16384 {
                        if s.write_all(&chunk).is_err() {
                            break;
                        }
                    }
                }
                _ => {
                    // "tls": a plain-text answer to a TLS handshake.
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                }
            }
        }
    });
    (url, stop)
}

#[test]
fn hostile_collectors_cost_bounded_time_and_lose_nothing() {
    let d = dir("hostile");
    for kind in ["500", "slow", "garbage", "huge", "tls"] {
        let (mut q, _) = Queue::open(&d.join(kind), 1_000).unwrap();
        for k in 0..50 {
            q.push(&record(k, "escape", 20, 1.0)).unwrap();
        }
        let (url, stop) = hostile(kind);
        let started = Instant::now();
        let mut slept = Duration::ZERO;
        let r = send(&mut q, &url, &quick(), |d| slept += d, || 0.9).unwrap();
        let took = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        assert_eq!(r.delivered, 0, "{kind}: {r:?}");
        assert_eq!(r.failures, 3, "{kind}: bounded retries");
        assert_eq!(q.len(), 50, "{kind}: nothing lost");
        assert!(took < Duration::from_secs(8), "{kind}: took {took:?}");
        assert!(r.last_error.is_some(), "{kind}");
        eprintln!(
            "{kind:>8}: {} in {took:.2?} ({})",
            r.failures,
            r.last_error.unwrap_or_default()
        );
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn ten_thousand_viewers_de_bias_within_the_bound_epsilon_predicts() {
    // True deltas per segment: a population tenser than intended in one segment,
    // calmer in another, on target in a third.
    let segments = [("encounter", 25.0), ("escape", -35.0), ("coda", 0.0)];
    let mut rng = SplitMix(2026);
    println!("| ε | p(keep) | n | segment | true mean | estimate | |error| | predicted SE | 95 % half-width |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for epsilon in [0.5, 1.0, 2.0, 4.0] {
        let rr = RandomizedResponse { epsilon };
        let mut records = Vec::new();
        let mut truth = Vec::new();
        for (si, (segment, centre)) in segments.iter().enumerate() {
            let mut sum = 0.0;
            for v in 0..10_000u64 {
                // Each viewer's own delta: centre ± 30 points, quantized to 10s.
                let own = ((centre + (rng.next() - 0.5) * 60.0) / 10.0).round() as i32 * 10;
                let own = own.clamp(-100, 100);
                sum += own as f64;
                let reported = rr.report(own, || rng.next());
                records.push(Record {
                    film_id: "f".into(),
                    film_version: "v".into(),
                    segment: segment.to_string(),
                    tension_delta_pct: reported,
                    epsilon,
                    viewing: format!("{v:016x}"),
                    record: format!("{si}-{v}"),
                });
            }
            truth.push(sum / 10_000.0);
        }
        let curves = population(&records);
        for (c, t) in curves.iter().zip(&truth) {
            let err = (c.estimate.mean_pct - t).abs();
            let predicted = rr.predicted_std_error(c.estimate.n);
            println!(
                "| {epsilon} | {:.3} | {} | {} | {t:+.1} | {:+.1} | {err:.1} | {predicted:.1} | {:.1} |",
                rr.p(),
                c.estimate.n,
                c.segment,
                c.estimate.mean_pct,
                1.96 * c.estimate.std_error_pct
            );
            // Within 4 predicted standard errors (a false alarm once in ~16 000 runs).
            assert!(
                err < 4.0 * predicted,
                "ε {epsilon} {}: error {err} vs SE {predicted}",
                c.segment
            );
            assert!(c.estimate.std_error_pct <= predicted * 1.001);
        }
    }
}

/// A one-connection-at-a-time https collector with a certificate from a private CA;
/// returns the URL, the CA (PEM), and the received bodies.
fn https_collector() -> (
    String,
    Vec<u8>,
    Arc<AtomicBool>,
    std::thread::JoinHandle<Vec<String>>,
) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://{}/v1/instructional",
        listener.local_addr().unwrap()
    );
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        while !flag.load(Ordering::Relaxed) {
            let Ok((tcp, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = tcp.set_nonblocking(false);
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut reader = BufReader::new(&mut tls);
            let mut len = 0usize;
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            if reader.read_exact(&mut body).is_ok() {
                bodies.push(String::from_utf8_lossy(&body).into_owned());
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
        bodies
    });
    (url, ca.pem().into_bytes(), stop, handle)
}

#[test]
fn https_delivery_succeeds_to_a_trusted_collector_and_refuses_an_untrusted_one() {
    let d = dir("https");
    let (mut q, _) = Queue::open(&d, 1_000).unwrap();
    for k in 0..20 {
        q.push(&record(k, "escape", 40, 1.0)).unwrap();
    }
    let (url, ca, stop, server) = https_collector();
    // With the public roots only, the private certificate is not trusted: nothing sent.
    let r = send(&mut q, &url, &quick(), |_| {}, || 0.5).unwrap();
    assert_eq!((r.delivered, q.len()), (0, 20), "{r:?}");
    assert!(r
        .last_error
        .unwrap_or_default()
        .to_lowercase()
        .contains("cert"));
    // Trusting the film maker's CA: delivered over TLS, acknowledged, queue empty.
    let policy = SendPolicy {
        ca_pem: Some(ca),
        ..quick()
    };
    let r = send(&mut q, &url, &policy, |_| {}, || 0.5).unwrap();
    assert_eq!((r.delivered, r.pending), (20, 0), "{r:?}");
    stop.store(true, Ordering::Relaxed);
    let bodies = server.join().unwrap();
    let batch: serde_json::Value = serde_json::from_str(bodies.last().unwrap()).unwrap();
    assert_eq!(batch["records"].as_array().unwrap().len(), 20);
    // A CA file that is not PEM is refused up front, naming the problem.
    let bad = SendPolicy {
        ca_pem: Some(b"not a certificate".to_vec()),
        ..quick()
    };
    q.push(&record(99, "escape", 40, 1.0)).unwrap();
    assert!(send(&mut q, &url, &bad, |_| {}, || 0.5).is_err());
    std::fs::remove_dir_all(&d).ok();
}
