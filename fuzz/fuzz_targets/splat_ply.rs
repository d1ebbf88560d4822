//! Any bytes as a 3DGS `.ply`: splats whose attributes are finite and consistent, turned
//! to the player's axes, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_render::splat::{Sidecar, SplatScene, Splats};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = Splats::from_bytes(data) {
        let per = ((s.sh_degree + 1) * (s.sh_degree + 1)) as usize;
        assert_eq!(s.sh.len(), 3 * per * s.len());
        assert!(s.opacities.iter().all(|o| (0.0..=1.0).contains(o)));
        assert!(s.scales.iter().flatten().all(|v| v.is_finite() && *v >= 0.0));
        let _ = SplatScene::new(s, Sidecar::default());
    }
});
