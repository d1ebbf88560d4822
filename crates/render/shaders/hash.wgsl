// Integer hash (PCG-style) to 0..1 for deterministic per-pixel noise (grain, rain,
// snow). Prepended to every module that uses it; `maths::hash3` is its Rust twin, the
// same expression wrapping the same way.
fn hash3(x: u32, y: u32, z: u32) -> f32 {
    var h = x * 747796405u + y * 2891336453u + z * 277803737u;
    h = ((h >> ((h >> 28u) + 4u)) ^ h) * 277803737u;
    h = (h >> 22u) ^ h;
    return f32(h) / 4294967295.0;
}
