//! Any bytes as a Heart Rate Measurement notification: a typed error or a measurement
//! whose re-encoding decodes to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_biometrics::ble::{encode_heart_rate, parse_heart_rate};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_heart_rate(data) {
        let _ = m.samples(1.0);
        let again = parse_heart_rate(&encode_heart_rate(&m)).expect("re-encoded packet parses");
        assert_eq!(again.bpm, m.bpm);
        assert_eq!(again.contact, m.contact);
        assert_eq!(again.energy_kj, m.energy_kj);
        assert_eq!(again.rr_ms, m.rr_ms, "1/1024 s units survive a round trip");
    }
});
