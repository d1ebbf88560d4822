//! Posting batches as JSON over HTTP.

use std::time::Duration;

use super::Batch;

/// Why a batch was not delivered.
#[derive(Debug, thiserror::Error)]
#[error("uplink to {url} failed: {reason}")]
pub struct UplinkError {
    url: String,
    reason: String,
}

/// Posts one batch; bounded by a 5 s timeout, never retried here.
pub fn post_batch(url: &str, batch: &Batch) -> Result<(), UplinkError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    agent
        .post(url)
        .send_json(batch)
        .map(|_| ())
        .map_err(|e| UplinkError {
            url: url.to_owned(),
            reason: e.to_string(),
        })
}
