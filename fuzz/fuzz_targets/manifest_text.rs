//! Any text as a film manifest: a film whose director's cut ends and whose controller
//! runs to the end within its guardrails, or a typed error naming the field.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use livingfilm_director::{audit, Controller, DirectorEvent, Film};
use livingfilm_core::Estimate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(film) = Film::parse(text, std::path::Path::new("fuzz/film.toml")) else {
        return;
    };
    let film = Arc::new(film);
    let mut ctl = Controller::new(film.clone());
    // A viewer swinging between calm and tense; bounded viewing time.
    for k in 0..20_000u64 {
        let t = k as f64 * 0.25;
        let est = Estimate {
            t,
            tension: if (k / 40) % 2 == 0 { 0.1 } else { 0.9 },
            confidence: 1.0,
        };
        for e in ctl.tick(&est, 0.25).events {
            if let DirectorEvent::End { duration_s } = e {
                let broken = audit::violations(&film, ctl.decisions(), duration_s);
                assert!(broken.is_empty(), "{broken:?}");
                return;
            }
        }
    }
});
