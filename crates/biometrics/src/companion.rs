//! Companion stream: a phone or watch bridge sending JSON lines over UDP or TCP on a
//! local port (the bridge owns Bluetooth; the player only listens on loopback by default).
//!
//! Schema (one JSON object per line; one datagram may carry several lines), all fields
//! optional except that a line must carry at least one reading:
//!
//! ```json
//! {"t": 12.25, "hr": 72, "rr": [812, 798.5], "pupil_mm": 3.4}
//! ```
//!
//! - `t`: seconds on the sender's monotonic clock when the readings were taken. The
//!   first `t` seen is pinned to the receiver's viewing time; later ones keep their
//!   spacing. Without `t` the arrival time is used (never earlier than the stream's
//!   last record). A `t` earlier than the last one accepted from the same stream is
//!   rejected (counted), never reordered.
//! - `hr`: heart rate, bpm. `rr`: RR intervals in ms (a number or an array, oldest
//!   first; the last beat ends at `t`). `pupil_mm`: pupil diameter, mm (0 = blink).
//!
//! Bad lines are counted with the reason for the last one; the listener keeps going.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::source::{Inbox, SampleSource};
use super::{Reading, Sample};

/// Longest accepted line, bytes: a bridge sends small records; anything longer is hostile.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
const POLL: Duration = Duration::from_millis(100);

/// Why one companion line was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompanionError {
    /// Not a JSON object with the documented fields.
    #[error("not a companion record: {0}")]
    Json(String),
    /// A field is present but unusable.
    #[error("field `{field}`: {why}")]
    Field { field: &'static str, why: String },
    /// The record carries no reading at all.
    #[error("record has none of `hr`, `rr`, `pupil_mm`")]
    NoReading,
    /// Its time runs backwards relative to the stream.
    #[error("`t` = {t} is before the previous record's {previous}")]
    NonMonotonic { t: f64, previous: f64 },
    /// Longer than [`MAX_LINE_BYTES`].
    #[error("line longer than {MAX_LINE_BYTES} bytes")]
    TooLong,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    t: Option<f64>,
    hr: Option<f64>,
    #[serde(default, deserialize_with = "one_or_many")]
    rr: Vec<f64>,
    pupil_mm: Option<f64>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(f64),
        Many(Vec<f64>),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        OneOrMany::One(v) => vec![v],
        OneOrMany::Many(v) => v,
    })
}

/// Per-stream state: maps sender time to viewing time and enforces monotonic order.
#[derive(Debug, Default, Clone)]
pub struct StreamClock {
    offset: Option<f64>,
    last: Option<f64>,
}

impl StreamClock {
    /// A clock whose `t` values already are viewing time (replay files).
    pub fn absolute() -> Self {
        Self {
            offset: Some(0.0),
            last: None,
        }
    }
}

/// Parses one line into samples in viewing time; `now` is the receiver's viewing time.
pub fn parse_line(
    line: &str,
    now: f64,
    clock: &mut StreamClock,
) -> Result<Vec<Sample>, CompanionError> {
    if line.len() > MAX_LINE_BYTES {
        return Err(CompanionError::TooLong);
    }
    let r: Record = serde_json::from_str(line).map_err(|e| {
        CompanionError::Json(livingfilm_core::untrusted::shorten_quotes(&e.to_string()))
    })?;
    let finite = |field: &'static str, v: f64, lo: f64, hi: f64| {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(CompanionError::Field {
                field,
                why: format!("{v} is outside {lo}..={hi}"),
            })
        }
    };
    let t = match r.t {
        Some(ts) => {
            let ts = finite("t", ts, -1e9, 1e12)?;
            let t = ts + *clock.offset.get_or_insert(now - ts);
            if let Some(previous) = clock.last.filter(|&p| t < p) {
                return Err(CompanionError::NonMonotonic { t, previous });
            }
            t
        }
        // Arrival time, but never before what the stream already delivered.
        None => clock.last.map_or(now, |last| now.max(last)),
    };
    let mut out = Vec::new();
    if let Some(bpm) = r.hr {
        let bpm = finite(
            "hr",
            bpm,
            super::plausible::HR_RANGE_BPM.0,
            super::plausible::HR_RANGE_BPM.1,
        )?;
        out.push(Sample {
            t,
            reading: Reading::Hr { bpm },
        });
    }
    let (lo, hi) = super::plausible::RR_RANGE_MS;
    let rr: Vec<f64> =
        r.rr.iter()
            .map(|&ms| finite("rr", ms, lo, hi))
            .collect::<Result<_, _>>()?;
    let mut end = t - rr.iter().sum::<f64>() / 1000.0;
    for ms in rr {
        end += ms / 1000.0;
        out.push(Sample {
            t: end,
            reading: Reading::Rr { ms },
        });
    }
    if let Some(mm) = r.pupil_mm {
        let mm = finite("pupil_mm", mm, 0.0, 12.0)?;
        out.push(Sample {
            t,
            reading: Reading::Pupil { mm },
        });
    }
    if out.is_empty() {
        return Err(CompanionError::NoReading);
    }
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    clock.last = Some(t);
    Ok(out)
}

/// Counters a listener keeps; shared with its threads.
#[derive(Debug, Default)]
pub struct CompanionStats {
    /// Lines accepted.
    pub accepted: AtomicU64,
    /// Lines rejected.
    pub rejected: AtomicU64,
    /// The reason for the last rejection.
    pub last_error: Mutex<Option<String>>,
}

impl CompanionStats {
    fn reject(&self, why: String) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
    }
}

/// Listens for companion records on UDP and TCP; samples arrive through [`SampleSource`].
pub struct CompanionListener {
    /// Where the UDP socket listens.
    pub udp_addr: SocketAddr,
    /// Where the TCP listener accepts bridges.
    pub tcp_addr: SocketAddr,
    /// Accept/reject counts.
    pub stats: Arc<CompanionStats>,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

/// Viewing-time clock shared by the listener threads: seconds since the listener started,
/// plus where the viewing was then.
#[derive(Clone, Copy)]
struct Clock {
    started: Instant,
    at: f64,
}

impl Clock {
    fn now(&self) -> f64 {
        self.at + self.started.elapsed().as_secs_f64()
    }
}

impl CompanionListener {
    /// Binds UDP and TCP on `addr` (port 0 picks free ports) with the viewing at time
    /// `viewing_t` now.
    pub fn bind(addr: SocketAddr, viewing_t: f64) -> std::io::Result<Self> {
        let udp = UdpSocket::bind(addr)?;
        let tcp = TcpListener::bind(addr)?;
        udp.set_read_timeout(Some(POLL))?;
        tcp.set_nonblocking(true)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let stats = Arc::new(CompanionStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let clock = Clock {
            started: Instant::now(),
            at: viewing_t,
        };
        let (udp_addr, tcp_addr) = (udp.local_addr()?, tcp.local_addr()?);
        let feed = Feed {
            tx,
            stats: stats.clone(),
            stop: stop.clone(),
            clock,
        };
        let threads = vec![spawn_udp(udp, feed.clone()), spawn_tcp(tcp, feed)];
        Ok(Self {
            udp_addr,
            tcp_addr,
            stats,
            inbox: Inbox::new(rx),
            stop,
            threads,
        })
    }
}

impl Drop for CompanionListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl SampleSource for CompanionListener {
    fn poll(&mut self, t: f64, out: &mut Vec<Sample>) -> bool {
        self.inbox.drain_until(t, out);
        true // a live source may always speak again
    }

    fn describe(&self) -> String {
        let last = self
            .stats
            .last_error
            .lock()
            .map(|e| e.clone())
            .unwrap_or(None);
        format!(
            "companion stream (udp {}, tcp {}): {} record(s) accepted, {} rejected{}",
            self.udp_addr,
            self.tcp_addr,
            self.stats.accepted.load(Ordering::Relaxed),
            self.stats.rejected.load(Ordering::Relaxed),
            last.map(|e| format!(" (last: {e})")).unwrap_or_default()
        )
    }
}

/// What every listener thread shares: where samples go, the counters, the stop flag and
/// the viewing clock.
#[derive(Clone)]
struct Feed {
    tx: Sender<Sample>,
    stats: Arc<CompanionStats>,
    stop: Arc<AtomicBool>,
    clock: Clock,
}

impl Feed {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Parses every line of `text` from one stream and forwards its samples.
    fn deliver(&self, text: &str, clock: &mut StreamClock) {
        let now = self.clock.now();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match parse_line(line, now, clock) {
                Ok(samples) => {
                    self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                    samples.into_iter().for_each(|s| {
                        let _ = self.tx.send(s);
                    });
                }
                Err(e) => self.stats.reject(e.to_string()),
            }
        }
    }
}

fn spawn_udp(sock: UdpSocket, feed: Feed) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        // One stream clock per sender address.
        let mut clocks: Vec<(SocketAddr, StreamClock)> = Vec::new();
        while !feed.stopped() {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let idx = match clocks.iter().position(|(a, _)| *a == from) {
                Some(i) => i,
                None if clocks.len() < 64 => {
                    clocks.push((from, StreamClock::default()));
                    clocks.len() - 1
                }
                None => 0,
            };
            match std::str::from_utf8(&buf[..n]) {
                Ok(text) => feed.deliver(text, &mut clocks[idx].1),
                Err(_) => {
                    feed.stats
                        .reject(format!("datagram from {from} is not UTF-8"));
                }
            }
        }
    })
}

fn spawn_tcp(listener: TcpListener, feed: Feed) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut conns: Vec<JoinHandle<()>> = Vec::new();
        while !feed.stopped() {
            match listener.accept() {
                Ok((stream, _)) => {
                    let feed = feed.clone();
                    conns.push(std::thread::spawn(move || read_tcp(stream, &feed)));
                }
                Err(_) => std::thread::sleep(POLL / 4),
            }
            conns.retain(|c| !c.is_finished());
        }
        for c in conns {
            let _ = c.join();
        }
    })
}

fn read_tcp(stream: TcpStream, feed: &Feed) {
    if stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    let mut reader = BufReader::new(stream);
    let mut clock_state = StreamClock::default();
    let mut line = Vec::new();
    while !feed.stopped() {
        // Bounded read: a line longer than the limit is consumed and rejected.
        let limit = (MAX_LINE_BYTES + 1 - line.len().min(MAX_LINE_BYTES)) as u64;
        match (&mut reader).take(limit).read_until(b'\n', &mut line) {
            Ok(0) if line.is_empty() => return, // bridge closed the connection
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => return,
        }
        let complete = line.last() == Some(&b'\n');
        if !complete && line.len() <= MAX_LINE_BYTES {
            // A half-written line: wait for the rest (or the connection to close).
            if reader.buffer().is_empty() && matches!(reader.fill_buf(), Ok([])) {
                // Closed mid-line: the partial record is dropped and counted.
                feed.stats
                    .reject("connection closed in the middle of a line".into());
                return;
            }
            continue;
        }
        if line.len() > MAX_LINE_BYTES {
            feed.stats.reject(CompanionError::TooLong.to_string());
            // Skip to the end of the oversized line.
            let mut sink = Vec::new();
            let _ = (&mut reader).take(1 << 30).read_until(b'\n', &mut sink);
        } else {
            match std::str::from_utf8(&line) {
                Ok(text) => feed.deliver(text, &mut clock_state),
                Err(_) => {
                    feed.stats.reject("line is not UTF-8".into());
                }
            }
        }
        line.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_sender_clock_and_orders_beats() {
        let mut c = StreamClock::default();
        let s = parse_line(r#"{"t": 100.0, "rr": [800, 1000], "hr": 66}"#, 5.0, &mut c).unwrap();
        assert_eq!(s.len(), 3);
        assert!((s[0].t - 4.0).abs() < 1e-12 && s[0].reading == Reading::Rr { ms: 800.0 });
        assert_eq!(s[2].t, 5.0);
        let s = parse_line(r#"{"t": 101.5, "pupil_mm": 3.5}"#, 99.0, &mut c).unwrap();
        assert_eq!(s[0].t, 6.5, "sender spacing kept, not arrival time");
        assert!(matches!(
            parse_line(r#"{"t": 100.5, "hr": 70}"#, 7.0, &mut c),
            Err(CompanionError::NonMonotonic { .. })
        ));
    }

    #[test]
    fn rejects_bad_records_with_the_field() {
        let mut c = StreamClock::default();
        for (line, want) in [
            ("{}", "none of"),
            (r#"{"hr": 900}"#, "`hr`"),
            (r#"{"rr": [800, "x"]}"#, "not a companion record"),
            (r#"{"rr": 100}"#, "`rr`"),
            (r#"{"pupil_mm": -1}"#, "`pupil_mm`"),
            (r#"{"hr": 70, "name": "alice"}"#, "unknown field"),
            (r#"{"hr": 7"#, "not a companion record"),
        ] {
            let e = parse_line(line, 0.0, &mut c).unwrap_err().to_string();
            assert!(e.contains(want), "{line}: {e}");
        }
    }
}
