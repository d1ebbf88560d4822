//! Any text as companion-stream lines: samples in time order, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_biometrics::companion::{parse_line, StreamClock};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut clock = StreamClock::default();
    let mut last = f64::NEG_INFINITY;
    for (k, line) in text.lines().enumerate() {
        if let Ok(samples) = parse_line(line, k as f64, &mut clock) {
            for s in samples {
                assert!(s.t.is_finite());
                assert!(
                    s.t >= last - 1e5,
                    "beats may step back within a record only"
                );
                last = last.max(s.t);
            }
        }
    }
});
