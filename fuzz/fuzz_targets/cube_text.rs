//! Any text as a `.cube` LUT: a table whose lookups are finite, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_render::grade::{parse_cube, Interp};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(lut) = parse_cube(text, std::path::Path::new("fuzz.cube")) {
            for interp in [Interp::Trilinear, Interp::Tetrahedral] {
                let out = lut.apply([0.3, 0.6, 0.9], interp);
                assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
            }
        }
    }
});
