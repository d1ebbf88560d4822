//! The small vector maths and the integer hash the renderers share (grid and splat CPU
//! references, cameras, scene validation, the grade), written once. Each function is
//! the same expression, in the same order, as its WGSL twin, so the CPU reference stays
//! bit-exact where the shaders are; `shaders/hash.wgsl` holds the WGSL `hash3`.

/// `a · b`.
#[inline]
pub fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// `a × b`.
#[inline]
pub fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// `a − b`.
#[inline]
pub fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `|a|`.
#[inline]
pub fn length(a: [f32; 3]) -> f32 {
    dot(a, a).sqrt()
}

/// `v / |v|`, with zero-length vectors left finite.
#[inline]
pub fn normalize(v: [f32; 3]) -> [f32; 3] {
    let l = length(v).max(1e-12);
    [v[0] / l, v[1] / l, v[2] / l]
}

/// WGSL's `mix`: `a·(1 − t) + b·t` per component.
#[inline]
pub fn mix3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    std::array::from_fn(|i| a[i] * (1.0 - t) + b[i] * t)
}

/// The shaders' integer hash (PCG-style) to 0..1, wrapping like WGSL's u32: film grain,
/// rain and snow, on the CPU and the GPU alike.
#[inline]
pub fn hash3(x: u32, y: u32, z: u32) -> f32 {
    let mut h = x
        .wrapping_mul(747_796_405)
        .wrapping_add(y.wrapping_mul(2_891_336_453))
        .wrapping_add(z.wrapping_mul(277_803_737));
    h = ((h >> ((h >> 28) + 4)) ^ h).wrapping_mul(277_803_737);
    h ^= h >> 22;
    h as f32 / 4_294_967_295.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_pcg_hash_of_the_shaders() {
        // Worked by hand from the WGSL: h = 0·747796405 + 0 + 0 = 0 → 0.
        assert_eq!(hash3(0, 0, 0), 0.0);
        // x = 1: h = 747796405; (h >> (h >> 28) + 4) = h >> 6 = 11684318;
        // (11684318 ^ 747796405) · 277803737 mod 2³² then h ^= h >> 22.
        let mut h: u32 = 747_796_405;
        h = ((h >> 6) ^ h).wrapping_mul(277_803_737);
        h ^= h >> 22;
        assert_eq!(hash3(1, 0, 0), h as f32 / 4_294_967_295.0);
        assert_ne!(hash3(1, 0, 0), hash3(0, 1, 0));
    }

    #[test]
    fn vectors() {
        assert_eq!(cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]), [0.0, 0.0, 1.0]);
        assert_eq!(dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]), 32.0);
        assert_eq!(normalize([3.0, 0.0, 4.0]), [0.6, 0.0, 0.8]);
        assert_eq!(normalize([0.0; 3]), [0.0; 3]);
        assert_eq!(length(sub([4.0, 6.0, 3.0], [1.0, 2.0, 3.0])), 5.0);
        assert_eq!(mix3([0.0; 3], [2.0, 4.0, 8.0], 0.25), [0.5, 1.0, 2.0]);
    }
}
