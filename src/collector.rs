//! The collector a film's makers run: receives batches over HTTP, keeps each record
//! once (delivery is at least once), and shows the population's tension against the
//! director's intent per segment, de-biased from the randomized reports (JSON and PNG).
//!
//! The HTTP side is deliberately small (one request per connection, bounded headers
//! and body, read timeouts); put it behind a TLS-terminating proxy to serve https.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use livingfilm_uplink::ldp::{Estimate, RandomizedResponse};
use livingfilm_uplink::{Batch, Record, SCHEMA};

/// Largest request body accepted, bytes.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// Why the collector could not work; names the path.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// Storage failed.
    #[error("collector storage {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A batch was refused.
    #[error("bad batch: {0}")]
    Bad(String),
}

/// The population curve for one segment of one film version.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentCurve {
    /// Film id.
    pub film_id: String,
    /// Film version.
    pub film_version: String,
    /// Segment id.
    pub segment: String,
    /// De-biased mean tension delta (population tension minus the director's target).
    pub estimate: Estimate,
    /// 95 % confidence interval, percentage points.
    pub ci95_pct: [f64; 2],
}

/// Stored records and what has been seen.
pub struct Collector {
    dir: PathBuf,
    log: File,
    seen: HashSet<String>,
    records: Vec<Record>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CollectError + '_ {
    move |source| CollectError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Collector {
    /// Opens (or creates) the collector's folder, loading the records kept so far.
    pub fn open(dir: &Path) -> Result<Self, CollectError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join("records.jsonl");
        let mut records = Vec::new();
        let mut seen = HashSet::new();
        if let Ok(f) = File::open(&path) {
            for line in BufReader::new(f).lines().map_while(Result::ok) {
                // A torn last line (crash mid-write) is skipped, not fatal.
                if let Ok(r) = serde_json::from_str::<Record>(&line) {
                    if seen.insert(r.record.clone()) {
                        records.push(r);
                    }
                }
            }
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        Ok(Self {
            dir: dir.to_owned(),
            log,
            seen,
            records,
        })
    }

    /// Records kept.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes one batch body; returns (new records, duplicates).
    pub fn ingest(&mut self, body: &[u8]) -> Result<(usize, usize), CollectError> {
        let batch: Batch = serde_json::from_slice(body).map_err(|e| {
            CollectError::Bad(livingfilm_core::untrusted::shorten_quotes(&e.to_string()))
        })?;
        if batch.schema != SCHEMA {
            return Err(CollectError::Bad(format!(
                "schema `{}`, expected `{SCHEMA}`",
                batch.schema
            )));
        }
        for r in &batch.records {
            if r.tension_delta_pct % 10 != 0
                || !(-100..=100).contains(&r.tension_delta_pct)
                || !(r.epsilon > 0.0 && r.epsilon <= 10.0)
            {
                return Err(CollectError::Bad(format!(
                    "record {}: delta {} or epsilon {} out of range",
                    r.record, r.tension_delta_pct, r.epsilon
                )));
            }
        }
        let (mut new, mut dup) = (0, 0);
        let mut lines = Vec::new();
        for r in batch.records {
            if self.seen.insert(r.record.clone()) {
                lines.extend(serde_json::to_vec(&r).unwrap_or_default());
                lines.push(b'\n');
                self.records.push(r);
                new += 1;
            } else {
                dup += 1;
            }
        }
        let path = self.dir.join("records.jsonl");
        self.log.write_all(&lines).map_err(io(&path))?;
        self.log.sync_data().map_err(io(&path))?;
        Ok((new, dup))
    }

    /// The de-biased population curve, per film version and segment (first-seen order).
    pub fn population(&self) -> Vec<SegmentCurve> {
        population(&self.records)
    }

    /// Writes `population.json` and `population.png` into the collector's folder.
    pub fn write_outputs(&self) -> Result<Vec<SegmentCurve>, CollectError> {
        let curves = self.population();
        let json = self.dir.join("population.json");
        std::fs::write(
            &json,
            serde_json::to_vec_pretty(&curves).unwrap_or_default(),
        )
        .map_err(io(&json))?;
        let png = self.dir.join("population.png");
        plot(&curves)
            .save(&png)
            .map_err(|e| io(&png)(std::io::Error::other(e.to_string())))?;
        Ok(curves)
    }
}

/// De-biased means per (film, version, segment); records randomized with different ε
/// are estimated separately and combined by inverse variance.
pub fn population(records: &[Record]) -> Vec<SegmentCurve> {
    let mut order: Vec<(String, String, String)> = Vec::new();
    let mut groups: HashMap<(String, String, String), HashMap<u64, Vec<i32>>> = HashMap::new();
    for r in records {
        let key = (r.film_id.clone(), r.film_version.clone(), r.segment.clone());
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups
            .entry(key)
            .or_default()
            .entry(r.epsilon.to_bits())
            .or_default()
            .push(r.tension_delta_pct);
    }
    order
        .into_iter()
        .map(|key| {
            let by_eps = &groups[&key];
            let (mut wsum, mut wmean, mut n) = (0.0, 0.0, 0);
            for (bits, reports) in by_eps {
                let e = RandomizedResponse {
                    epsilon: f64::from_bits(*bits),
                }
                .estimate(reports);
                let w = 1.0 / e.std_error_pct.powi(2).max(1e-9);
                wsum += w;
                wmean += w * e.mean_pct;
                n += e.n;
            }
            let estimate = Estimate {
                n,
                mean_pct: wmean / wsum,
                std_error_pct: (1.0 / wsum).sqrt(),
            };
            let half = 1.96 * estimate.std_error_pct;
            SegmentCurve {
                film_id: key.0,
                film_version: key.1,
                segment: key.2,
                ci95_pct: [estimate.mean_pct - half, estimate.mean_pct + half],
                estimate,
            }
        })
        .collect()
}

/// A bar per segment (up: tenser than intended, down: calmer), 95 % whiskers, a zero
/// line and ±50 % guides.
pub fn plot(curves: &[SegmentCurve]) -> image::RgbImage {
    let (w, h) = (640u32, 360u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([250, 250, 250]));
    let y_of = |pct: f64| (h as f64 / 2.0 - pct.clamp(-100.0, 100.0) * 1.6) as i64;
    let mut hline = |y: i64, colour: [u8; 3]| {
        if (0..h as i64).contains(&y) {
            for x in 20..w - 20 {
                img.put_pixel(x, y as u32, image::Rgb(colour));
            }
        }
    };
    hline(y_of(0.0), [40, 40, 40]);
    hline(y_of(50.0), [200, 200, 200]);
    hline(y_of(-50.0), [200, 200, 200]);
    let n = curves.len().max(1) as u32;
    let slot = (w - 40) / n;
    for (k, c) in curves.iter().enumerate() {
        let x0 = 20 + k as u32 * slot + slot / 4;
        let x1 = 20 + (k as u32 + 1) * slot - slot / 4;
        let (ya, yb) = (y_of(0.0), y_of(c.estimate.mean_pct));
        let colour = if c.estimate.mean_pct >= 0.0 {
            [200, 70, 60]
        } else {
            [60, 110, 200]
        };
        for y in ya.min(yb)..=ya.max(yb) {
            for x in x0..x1 {
                if (0..h as i64).contains(&y) {
                    img.put_pixel(x, y as u32, image::Rgb(colour));
                }
            }
        }
        let xm = (x0 + x1) / 2;
        let (lo, hi) = (y_of(c.ci95_pct[1]), y_of(c.ci95_pct[0]));
        for y in lo..=hi {
            if (0..h as i64).contains(&y) {
                img.put_pixel(xm, y as u32, image::Rgb([20, 20, 20]));
            }
        }
        for y in [lo, hi] {
            if (0..h as i64).contains(&y) {
                for x in xm.saturating_sub(6)..=xm + 6 {
                    img.put_pixel(x.min(w - 1), y as u32, image::Rgb([20, 20, 20]));
                }
            }
        }
    }
    img
}

/// Reads one HTTP/1.1 request (bounded); returns (method, path, body).
fn read_request(stream: &TcpStream) -> Result<(String, String, Vec<u8>), (u16, &'static str)> {
    let mut reader = BufReader::new(stream.take(MAX_BODY as u64 + 64 * 1024));
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|_| (400, "unreadable request"))?;
    let mut parts = line.split_whitespace();
    let (method, path) = match (parts.next(), parts.next()) {
        (Some(m), Some(p)) => (m.to_owned(), p.to_owned()),
        _ => return Err((400, "bad request line")),
    };
    let mut len = 0usize;
    let mut header_bytes = 0;
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h).map_err(|_| (400, "bad headers"))?;
        header_bytes += n;
        if n == 0 || header_bytes > 16 * 1024 {
            return Err((431, "headers too large or cut short"));
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().map_err(|_| (400, "bad content-length"))?;
            }
        }
    }
    if len > MAX_BODY {
        return Err((413, "body too large"));
    }
    let mut body = vec![0u8; len];
    reader
        .read_exact(&mut body)
        .map_err(|_| (400, "body cut short"))?;
    Ok((method, path, body))
}

fn respond(mut stream: &TcpStream, status: u16, reason: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Handles one connection: `POST` a batch, or `GET /population` for the curve.
pub fn handle(stream: TcpStream, collector: &mut Collector) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    match read_request(&stream) {
        Err((code, why)) => respond(
            &stream,
            code,
            "Bad Request",
            &format!("{{\"error\":\"{why}\"}}"),
        ),
        Ok((m, _, body)) if m == "POST" => match collector.ingest(&body) {
            Ok((new, dup)) => respond(
                &stream,
                200,
                "OK",
                &format!("{{\"accepted\":{new},\"duplicates\":{dup}}}"),
            ),
            Err(e) => respond(
                &stream,
                400,
                "Bad Request",
                &serde_json::json!({ "error": e.to_string() }).to_string(),
            ),
        },
        Ok((m, p, _)) if m == "GET" && p.starts_with("/population") => {
            let body = serde_json::to_string(&collector.population()).unwrap_or_default();
            respond(&stream, 200, "OK", &body);
        }
        Ok(_) => respond(&stream, 405, "Method Not Allowed", "{}"),
    }
}

/// Serves until `stop()` says so (checked between connections), writing the outputs
/// after every batch; returns the collector.
pub fn serve(
    listener: TcpListener,
    mut collector: Collector,
    stop: impl Fn() -> bool,
) -> Result<Collector, CollectError> {
    listener
        .set_nonblocking(true)
        .map_err(io(&collector.dir.clone()))?;
    while !stop() {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let before = collector.records.len();
                handle(stream, &mut collector);
                if collector.records.len() != before {
                    collector.write_outputs()?;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    Ok(collector)
}
