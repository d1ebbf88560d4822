//! One viewing's uplink: the whole policy of what may leave the device, in one place.
//!
//! With consent, each finished segment's quantized tension delta is randomized (ε per
//! record, at most the viewing's ε budget), appended to the durable queue, and what is
//! queued is delivered if there is an endpoint. Without consent nothing is written or
//! sent. The player only hands this stage the `SegmentSummary`s; it never decides what
//! is sent.

use std::path::PathBuf;
use std::time::Duration;

use livingfilm_core::{Film, SegmentSummary};

use crate::consent::{ConsentError, ConsentWatch};
use crate::ldp::RandomizedResponse;
use crate::queue::Queue;
use crate::sender::{deliver, Endpoint, SendPolicy};
use crate::{quantize, Delta, Record};

/// What the viewer and the device allow the uplink.
#[derive(Debug, Clone, PartialEq)]
pub struct UplinkSettings {
    /// The viewer agreed to send instructional metadata.
    pub consent: bool,
    /// Where it goes (`None`: it is only queued).
    pub url: Option<String>,
    /// A CA (PEM) to trust for an https endpoint instead of the public roots.
    pub ca: Option<PathBuf>,
    /// The viewer profile's data folder: consent and the queue live here.
    pub data_dir: PathBuf,
    /// Privacy parameter ε per record (randomized response).
    pub epsilon: f64,
    /// Most ε one viewing may spend (records beyond it are not made).
    pub epsilon_budget: f64,
    /// Most records the queue holds (the oldest are dropped beyond it).
    pub queue_capacity: usize,
}

impl Default for UplinkSettings {
    /// No consent, no endpoint, ε = 1 per record and 4 per viewing, 10 000 records
    /// queued at most, in the default data folder.
    fn default() -> Self {
        Self {
            consent: false,
            url: None,
            ca: None,
            data_dir: crate::consent::default_data_dir(),
            epsilon: 1.0,
            epsilon_budget: 4.0,
            queue_capacity: 10_000,
        }
    }
}

/// What the uplink did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct UplinkReport {
    /// The viewer's consent for this viewing.
    pub consent: bool,
    /// Endpoint delivered to, if any.
    pub endpoint: Option<String>,
    /// Segments with a confident enough delta.
    pub records: usize,
    /// ε spent per record (one-bit randomized response, see `ldp`).
    pub epsilon: f64,
    /// Records appended to the durable queue this viewing.
    pub queued: usize,
    /// Records not made because the viewing's privacy budget was spent.
    pub over_budget: usize,
    /// Records the collector accepted this viewing (this and earlier viewings' records).
    pub delivered: usize,
    /// Records still waiting in the queue.
    pub pending: usize,
    /// Records ever dropped because the queue was full.
    pub dropped: u64,
    /// Bytes of a torn queue tail cut on opening (a crash during a write).
    pub truncated_bytes: u64,
    /// The queue's folder (with consent only).
    pub queue: Option<String>,
    /// Consent was withdrawn during the viewing: from then on nothing was queued or
    /// sent, and the queue stays deleted.
    pub withdrawn: bool,
    /// The queue's state file was corrupt or missing, and the queue was rebuilt from its
    /// logs (why); records may be sent again, which the collector de-duplicates.
    pub queue_rebuilt: Option<String>,
    /// The last problem, if any.
    pub error: Option<String>,
}

/// Uniform in [0, 1) from the operating system's generator (privacy noise must not be
/// predictable, so never the film's seed).
fn os_uniform() -> f64 {
    let mut b = [0u8; 8];
    // Without OS randomness nothing is queued (see `uplink`), so 0 is never used.
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// A fresh random identifier (16 hex digits) that links nothing to the viewer: one per
/// viewing and one per record, so the collector can de-duplicate resent records.
fn random_id() -> Result<String, getrandom::Error> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id)?;
    Ok(data_encoding::HEXLOWER.encode(&id))
}

/// With consent: randomizes each segment's quantized delta (ε per record, within the
/// viewing's budget), appends the records to the durable queue, and delivers what is
/// queued to the endpoint if there is one. Without consent nothing is written or sent.
/// Consent is re-checked before every record and every request: a revoke during the
/// viewing (`livingfilm consent revoke`, any process) stops both, and the queue it
/// deleted is not made again.
///
/// `watch` is the consent store's revocation count noted as the viewing started (only
/// when consent may be in force; reading it writes nothing).
pub fn run(
    film: &Film,
    cfg: &UplinkSettings,
    summaries: impl IntoIterator<Item = SegmentSummary>,
    live: bool,
    watch: Option<Result<ConsentWatch, ConsentError>>,
) -> UplinkReport {
    let deltas: Vec<Delta> = summaries.into_iter().filter_map(|s| quantize(&s)).collect();
    // With live controls the director forwards only segments that ended under consent.
    let consent = cfg.consent || (live && !deltas.is_empty());
    let mut report = UplinkReport {
        consent,
        records: deltas.len(),
        epsilon: cfg.epsilon,
        ..UplinkReport::default()
    };
    if !consent {
        return report;
    }
    let watch = match watch {
        Some(Ok(w)) => w,
        Some(Err(e)) => {
            report.error = Some(e.to_string());
            return report;
        }
        None => return report,
    };
    let queue_dir = watch.store().queue_dir();
    report.queue = Some(queue_dir.display().to_string());
    let withdrawn = |report: &mut UplinkReport| {
        report.withdrawn = true;
        report.error = Some(
            "consent was withdrawn during the viewing: nothing more was queued or sent".into(),
        );
    };
    let opened = match watch.permit() {
        Some(_permit) => Queue::open(&queue_dir, cfg.queue_capacity),
        None => {
            withdrawn(&mut report);
            return report;
        }
    };
    let mut queue = match opened {
        Ok((q, rec)) => {
            report.truncated_bytes = rec.truncated_bytes;
            report.queue_rebuilt = rec.rebuilt.map(|why| why.to_string());
            q
        }
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let viewing = match random_id() {
        Ok(v) => v,
        Err(e) => {
            report.error = Some(format!("no OS randomness: {e}"));
            return report;
        }
    };
    let rr = RandomizedResponse {
        epsilon: cfg.epsilon,
    };
    let allowed = (cfg.epsilon_budget / cfg.epsilon + 1e-9).floor().max(0.0) as usize;
    report.over_budget = deltas.len().saturating_sub(allowed);
    for d in deltas.into_iter().take(allowed) {
        let Ok(record) = random_id() else { break };
        let r = Record {
            film_id: film.info.id.clone(),
            film_version: film.version(),
            segment: d.segment,
            tension_delta_pct: rr.report(d.tension_delta_pct, os_uniform),
            epsilon: cfg.epsilon,
            viewing: viewing.clone(),
            record,
        };
        let Some(_permit) = watch.permit() else {
            withdrawn(&mut report);
            return report;
        };
        match queue.push(&serde_json::to_vec(&r).unwrap_or_default()) {
            Ok(()) => report.queued += 1,
            Err(e) => report.error = Some(e.to_string()),
        }
    }
    if let Some(url) = cfg.url.as_deref() {
        report.endpoint = Some(url.to_owned());
        let endpoint = match Endpoint::parse(url) {
            Ok(e) => e,
            Err(e) => {
                report.error = Some(e.to_string());
                report.pending = queue.len();
                return report;
            }
        };
        let ca_pem = match cfg.ca.as_ref().map(std::fs::read).transpose() {
            Ok(pem) => pem,
            Err(e) => {
                report.error = Some(format!("uplink CA: {e}"));
                report.pending = queue.len();
                return report;
            }
        };
        let policy = SendPolicy {
            ca_pem,
            max_attempts: 3,
            timeout: Duration::from_secs(5),
            ..Default::default()
        };
        let sent = deliver(
            &mut queue,
            &endpoint,
            &policy,
            || watch.permit(),
            std::thread::sleep,
            os_uniform,
        );
        match sent {
            Ok(s) if s.withdrawn => {
                report.delivered = s.delivered;
                withdrawn(&mut report);
                return report;
            }
            Ok(s) => {
                report.delivered = s.delivered;
                if s.last_error.is_some() {
                    report.error = s.last_error;
                }
            }
            Err(e) => report.error = Some(e.to_string()),
        }
    }
    report.pending = queue.len();
    report.dropped = queue.dropped();
    report
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::consent::ConsentStore;

    fn demo() -> Film {
        Film::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo")).unwrap()
    }

    /// `n` confident segments whose viewer read 0.3 tenser than the target.
    fn summaries(n: usize) -> Vec<SegmentSummary> {
        (0..n)
            .map(|i| SegmentSummary {
                segment: i,
                segment_id: format!("s{i}"),
                variant_id: "v".into(),
                target: 0.4,
                mean_tension: Some(0.7),
                confidence: 0.9,
            })
            .collect()
    }

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lf-uplink-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_viewing_spends_at_most_its_epsilon_budget() {
        let film = demo();
        // (ε per record, budget, segments, records allowed = ⌊budget / ε⌋ at most)
        for (epsilon, budget, n, queued) in [
            (1.0, 4.0, 6, 4),
            (1.0, 2.5, 6, 2),
            (0.5, 4.0, 6, 6),
            (2.0, 1.0, 3, 0),
            (1.0, 4.0, 3, 3),
        ] {
            let dir = fresh_dir("budget");
            let store = ConsentStore::new(&dir);
            store.grant().unwrap();
            let settings = UplinkSettings {
                consent: true,
                data_dir: dir.clone(),
                epsilon,
                epsilon_budget: budget,
                ..Default::default()
            };
            let r = run(&film, &settings, summaries(n), false, Some(store.watch()));
            let case = format!("ε {epsilon}, budget {budget}, {n} segments: {r:?}");
            assert_eq!(r.records, n, "{case}");
            assert_eq!(r.queued, queued, "{case}");
            assert_eq!(r.over_budget, n - queued, "{case}");
            assert_eq!(r.pending, queued, "{case}");
            assert_eq!(r.epsilon, epsilon, "{case}");
            let (queue, _) = Queue::open(&store.queue_dir(), 100).unwrap();
            assert_eq!(queue.len(), queued, "{case}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn without_consent_nothing_is_written() {
        let film = demo();
        let dir = fresh_dir("no-consent");
        let store = ConsentStore::new(&dir);
        let settings = UplinkSettings {
            data_dir: dir.clone(),
            ..Default::default()
        };
        let r = run(&film, &settings, summaries(4), false, Some(store.watch()));
        assert!(!r.consent && r.queued == 0 && r.queue.is_none(), "{r:?}");
        assert!(!store.queue_dir().exists());
    }
}
