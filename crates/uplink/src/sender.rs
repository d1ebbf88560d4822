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
    /// Sending stopped because consent was withdrawn.
    pub withdrawn: bool,
}

/// Why delivery could not even start.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The endpoint is not an https URL (or http to loopback), or hides its host.
    #[error("uplink endpoint `{0}`: {1}")]
    Insecure(String, String),
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

/// An endpoint that may carry records, parsed once: the same parsed URI that passed the
/// checks is the one the request is made to, so what was decided is what is connected.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    uri: ureq::http::Uri,
}

impl Endpoint {
    /// Parses `url` and checks it: https anywhere, plain http only to a loopback address
    /// (`127.0.0.0/8`, `::1`, `localhost`); never with user-info (`user:pass@`), which
    /// would be sent as an `Authorization` header and has been used to hide the real
    /// host after a loopback-looking prefix.
    pub fn parse(url: &str) -> Result<Self, SendError> {
        let insecure = |why: &str| {
            SendError::Insecure(livingfilm_core::untrusted::excerpt(url), why.to_owned())
        };
        let uri: ureq::http::Uri = url
            .parse()
            .map_err(|e: ureq::http::uri::InvalidUri| insecure(&format!("not a URL ({e})")))?;
        let authority = uri.authority().ok_or_else(|| insecure("no host"))?.clone();
        if authority.as_str().contains('@') {
            return Err(insecure(
                "user-info (`name@` before the host) is not allowed",
            ));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(insecure("no host"));
        }
        match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("https") => Ok(Self { uri }),
            Some("http") if is_loopback(host) => Ok(Self { uri }),
            Some("http") => Err(insecure(
                "plain http is allowed only to this machine (127.0.0.1, ::1, localhost)",
            )),
            _ => Err(insecure(
                "only https:// (or http:// to this machine) is allowed",
            )),
        }
    }

    /// The URL as it will be requested.
    pub fn uri(&self) -> &ureq::http::Uri {
        &self.uri
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.uri.fmt(f)
    }
}

/// A host, as the URI parser gives it (IPv6 in brackets), that is this machine.
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Sends everything queued to `endpoint` in batches, within `policy`. Before each request
/// `permit` must give a permit, held until the batch is acknowledged (consent: a revoke
/// waits for it; `None` stops sending); `sleep` waits out the backoff and `uniform` draws
/// its jitter (values in [0, 1)).
pub fn deliver<P>(
    queue: &mut Queue,
    endpoint: &Endpoint,
    policy: &SendPolicy,
    mut permit: impl FnMut() -> Option<P>,
    mut sleep: impl FnMut(Duration),
    mut uniform: impl FnMut() -> f64,
) -> Result<SendReport, SendError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = &policy.ca_pem {
        tls = tls.root_certs(tls_roots(pem)?);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_global(Some(policy.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        // ureq reads ALL_PROXY/HTTPS_PROXY/HTTP_PROXY by default: a proxy would carry
        // plain-http records off this machine. Records go straight to the endpoint.
        .proxy(None)
        .build()
        .into();
    let mut report = SendReport::default();
    while !queue.is_empty() && report.failures < policy.max_attempts {
        let Some(_permit) = permit() else {
            report.withdrawn = true;
            break;
        };
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
            .post(endpoint.uri().clone())
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
                    drop(_permit);
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
            "HTTPS://collector.example/v1",
            "http://127.0.0.1:8080/ingest",
            "http://127.3.4.5/",
            "http://localhost/x",
            "http://LOCALHOST:9/x",
            "http://[::1]:9/",
            "http://[::ffff:127.0.0.1]:9/",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://collector.example/v1",
            "http://10.0.0.1/",
            "ftp://127.0.0.1/",
            "127.0.0.1:80",
            "http://127.0.0.1.example/",
            "http://localhost.example/",
            "http:///ingest",
            "http://0x7f000001/",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_info_cannot_hide_the_real_host() {
        // The adversarial pass's two URLs sent plain-text records to 192.0.2.2.
        for bad in [
            "http://[::1]@192.0.2.2:18902/v6",
            "http://127.0.0.1:1@192.0.2.2/ingest",
            "http://localhost@192.0.2.2/",
            "http://user:pw@127.0.0.1/",
            "https://user@collector.example/",
            "http://127.0.0.1%40192.0.2.2/",
        ] {
            let e = Endpoint::parse(bad).expect_err(bad);
            assert!(matches!(e, SendError::Insecure(..)), "{bad}: {e}");
        }
        let e = Endpoint::parse("http://127.0.0.1:1@192.0.2.2/ingest").unwrap_err();
        assert!(e.to_string().contains("user-info"), "{e}");
    }

    #[test]
    fn the_request_goes_to_the_host_that_was_checked() {
        let e = Endpoint::parse("http://127.0.0.1:8787/v1/instructional?x=1").unwrap();
        assert_eq!(e.uri().host(), Some("127.0.0.1"));
        assert_eq!(e.uri().port_u16(), Some(8787));
        assert_eq!(e.to_string(), "http://127.0.0.1:8787/v1/instructional?x=1");
    }
}
