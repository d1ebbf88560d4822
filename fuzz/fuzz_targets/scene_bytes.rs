//! Any bytes as an `.lfscene`: a scene whose grids are consistent, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_render::Scene;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = Scene::from_bytes(data) {
        let n: usize = s.dims.iter().map(|&d| d as usize).product();
        assert_eq!(s.density.len(), n);
        assert_eq!(s.sh.len(), n);
        assert!(s.density.iter().all(|d| (0.0..=1.0).contains(d)));
        let _ = s.halved();
    }
});
