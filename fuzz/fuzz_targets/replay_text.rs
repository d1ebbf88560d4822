//! Any text as a biometric replay file (CSV or JSON lines): samples or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_biometrics::parse_replay;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(samples) = parse_replay(text, std::path::Path::new("fuzz.csv")) {
            assert!(samples.iter().all(|s| s.t.is_finite()));
        }
    }
});
