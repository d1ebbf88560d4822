//! Delivering queued records: batches over HTTPS (HTTP only to loopback), retried with
//! exponential backoff and full jitter, bounded in attempts, time and memory.
//!
//! A batch is acknowledged (and leaves the queue) only on a 2xx answer. Anything else —
//! refused connection, TLS failure, timeout, 5xx, a 4xx, garbage — leaves it queued for
//! the next attempt or the next viewing. Response bodies are never read, so a hostile
//! collector cannot make the player buffer anything.

use std::time::Duration;

use super::queue::{Queue, QueueError};
use super::SCHEMA;

/// How hard to try, and whom to trust.
#[derive(Debug, Clone, PartialEq)]
pub struct SendPolicy {
    /// Trust only this CA (PEM) for https instead of the public web roots: a film
    /// maker's private collector.
    pub ca_pem: Option<Vec<u8>>,
    /// Attempts that may fail before giving up for now.
    pub max_attempts: u32,
    /// First backoff; doubles per failure up to `max_backoff` (full jitter).
    pub base_backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
    /// Whole-request timeout (connect, send, first response byte).
    pub timeout: Duration,
    /// Records per batch.
    pub batch: usize,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            ca_pem: None,
            max_attempts: 5,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            timeout: Duration::from_secs(10),
            batch: 200,
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SendReport {
    /// Records the collector accepted.
    pub delivered: usize,
    /// Requests made.
    pub requests: u32,
    /// Requests that failed.
    pub failures: u32,
    /// Records still queued afterwards.
    pub pending: usize,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

/// Why delivery could not even start.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The endpoint is not an https URL (or http to loopback).
    #[error("uplink endpoint `{0}`: only https://, or http:// to this machine (127.0.0.1, ::1, localhost), is allowed")]
    Insecure(String),
    /// The queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The CA given to trust is not PEM certificates.
    #[error("uplink CA: {0}")]
    Ca(String),
}

fn tls_roots(pem: &[u8]) -> Result<ureq::tls::RootCerts, SendError> {
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(SendError::Ca(e.to_string()))),
        })
        .collect::<Result<_, _>>()?;
    if certs.is_empty() {
        return Err(SendError::Ca("no certificate in the file".into()));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

/// Checks that `url` may carry records: https anywhere, plain http only on loopback.
pub fn check_endpoint(url: &str) -> Result<(), SendError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return Err(SendError::Insecure(url.into()));
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(SendError::Insecure(url.into()))
    }
}

/// Sends everything queued to `url` in batches, within `policy`; `sleep` waits out the
/// backoff and `uniform` draws its jitter (values in [0, 1)).
pub fn deliver(
    queue: &mut Queue,
    url: &str,
    policy: &SendPolicy,
    mut sleep: impl FnMut(Duration),
    mut uniform: impl FnMut() -> f64,
) -> Result<SendReport, SendError> {
    check_endpoint(url)?;
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = &policy.ca_pem {
        tls = tls.root_certs(tls_roots(pem)?);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_global(Some(policy.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut report = SendReport::default();
    while !queue.is_empty() && report.failures < policy.max_attempts {
        let records = queue.peek(policy.batch.max(1))?;
        let mut body = format!("{{\"schema\":\"{SCHEMA}\",\"records\":[").into_bytes();
        for (k, r) in records.iter().enumerate() {
            if k > 0 {
                body.push(b',');
            }
            body.extend_from_slice(r);
        }
        body.extend_from_slice(b"]}");
        report.requests += 1;
        let outcome = agent
            .post(url)
            .header("content-type", "application/json")
            .send(&body[..]);
        match outcome {
            Ok(resp) if resp.status().is_success() => {
                queue.ack(records.len())?;
                report.delivered += records.len();
            }
            other => {
                report.failures += 1;
                report.last_error = Some(match other {
                    Ok(resp) => format!("collector answered {}", resp.status()),
                    Err(e) => e.to_string(),
                });
                if report.failures < policy.max_attempts {
                    let cap = policy
                        .base_backoff
                        .saturating_mul(1 << (report.failures - 1).min(16))
                        .min(policy.max_backoff);
                    sleep(cap.mul_f64(uniform()));
                }
            }
        }
    }
    report.pending = queue.len();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_may_carry_records() {
        for ok in [
            "https://collector.example/v1",
            "http://127.0.0.1:8080/ingest",
            "http://localhost/x",
            "http://[::1]:9/",
        ] {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://collector.example/v1",
            "http://10.0.0.1/",
            "ftp://127.0.0.1/",
            "127.0.0.1:80",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }
}
