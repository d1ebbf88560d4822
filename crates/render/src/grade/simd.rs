//! AVX2 kernels for the most common grade: a 3D LUT (tetrahedral or trilinear) blended
//! by strength. Same operations in the same order as the scalar path (no FMA
//! contraction), so results are bit-identical; `tests` in `ops.rs` check that.
//!
//! Two passes over each group of 128 pixels: a vector pass (eight pixels per register)
//! de-interleaves RGB, locates the cell and computes weights and corner offsets into a
//! small L1 scratch; a per-pixel pass then fetches each corner as one 16-byte load and
//! combines them in 128-bit lanes. No gathers: they are microcoded and slow on current
//! x86 cores, and the corner loads keep the load ports busy instead of the shuffle port.

use super::cube::{Interp, PreparedLut3d};

/// Grades `rgb` (interleaved, length a multiple of 3) in place if this CPU has AVX2;
/// returns the number of pixels done (a multiple of 8, always leaving at least the last
/// pixel; the caller finishes the tail).
pub fn lut3d_blend(lut: &PreparedLut3d, interp: Interp, strength: f32, rgb: &mut [f32]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            use x86::lut3d_avx2 as k;
            let tetra = interp == Interp::Tetrahedral;
            // SAFETY: AVX2 is present (checked above).
            return unsafe {
                match (tetra, strength == 1.0) {
                    (true, true) => k::<true, false>(lut, strength, rgb),
                    (true, false) => k::<true, true>(lut, strength, rgb),
                    (false, true) => k::<false, false>(lut, strength, rgb),
                    (false, false) => k::<false, true>(lut, strength, rgb),
                }
            };
        }
    }
    let _ = (lut, interp, strength, rgb);
    0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::PreparedLut3d;

    /// Blocks of eight pixels per pass (scratch for 128 pixels: 4 KiB, in L1).
    const GROUP: usize = 16;

    /// What the vector pass leaves for the per-pixel pass, per block of eight pixels:
    /// tetrahedral weights (or the three trilinear fractions) and float offsets of the
    /// corners (trilinear needs only the cell's first corner).
    #[derive(Clone, Copy)]
    struct Scratch {
        w: [[f32; 8]; 4],
        at: [[i32; 8]; 4],
    }

    /// `TETRA` picks the interpolation, `BLEND` whether `strength` < 1 mixes the input in.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn lut3d_avx2<const TETRA: bool, const BLEND: bool>(
        lut: &PreparedLut3d,
        strength: f32,
        rgb: &mut [f32],
    ) -> usize {
        let (n, lo, scale, last, table) = lut.parts();
        let pixels = rgb.len() / 3;
        // Each block reads one float past its last pixel (a 16-byte load of pixel 7), so
        // the final pixel of the slice is always left to the caller's scalar tail.
        let blocks = pixels.saturating_sub(1) / 8;
        if n < 2 || table.len() < n * n * n {
            return 0;
        }
        let flat = table.as_ptr() as *const f32;
        // Strides between neighbouring entries, in entries and in floats.
        let (sr, sg, sb) = (1i32, n as i32, (n * n) as i32);
        let (fr3, fg3, fb3) = (3 * sr as isize, 3 * sg as isize, 3 * sb as isize);
        let zero = _mm256_setzero_ps();
        let one = _mm256_set1_ps(1.0);
        let lastv = _mm256_set1_ps(last);
        let max_base = _mm256_set1_epi32(n as i32 - 2);
        let nv = _mm256_set1_epi32(n as i32);
        let (vsr, vsg, vsb) = (
            _mm256_set1_epi32(sr),
            _mm256_set1_epi32(sg),
            _mm256_set1_epi32(sb),
        );
        let vsum = _mm256_set1_epi32(sr + sg + sb);
        let lo_v = lo.map(|v| _mm256_set1_ps(v));
        let scale_v = scale.map(|v| _mm256_set1_ps(v));
        let s = _mm_set1_ps(strength);
        let inv_s = _mm_set1_ps(1.0 - strength);
        let ptr = rgb.as_mut_ptr();
        let triple = |v: __m256i| _mm256_add_epi32(_mm256_add_epi32(v, v), v);
        // The vector pass fills a group's scratch, the per-pixel pass reads it back, so
        // neither waits on the other's latest stores.
        let mut scratch = [Scratch {
            w: [[0.0; 8]; 4],
            at: [[0; 8]; 4],
        }; GROUP];
        for g0 in (0..blocks).step_by(GROUP) {
            let group = g0..(g0 + GROUP).min(blocks);
            for (blk, sc) in group.clone().zip(scratch.iter_mut()) {
                // SAFETY (all pointer arithmetic in both passes): a block touches floats
                // `blk*24 .. blk*24 + 25`, inside the slice because `blocks * 8 < pixels`;
                // table reads stay inside `n³` entries because each base index is
                // clamped to `n - 2` per axis and the corners add at most one step per
                // axis (the far corner is read one float early so its 16-byte load ends
                // on its own entry).
                let p = ptr.add(blk * 24);
                // Eight RGB pixels to planes: r, g, b.
                let m03 = _mm256_insertf128_ps::<1>(
                    _mm256_castps128_ps256(_mm_loadu_ps(p)),
                    _mm_loadu_ps(p.add(12)),
                );
                let m14 = _mm256_insertf128_ps::<1>(
                    _mm256_castps128_ps256(_mm_loadu_ps(p.add(4))),
                    _mm_loadu_ps(p.add(16)),
                );
                let m25 = _mm256_insertf128_ps::<1>(
                    _mm256_castps128_ps256(_mm_loadu_ps(p.add(8))),
                    _mm_loadu_ps(p.add(20)),
                );
                let xy = _mm256_shuffle_ps::<0b10_01_11_10>(m14, m25);
                let yz = _mm256_shuffle_ps::<0b01_00_10_01>(m03, m14);
                let c_in = [
                    _mm256_shuffle_ps::<0b10_00_11_00>(m03, xy),
                    _mm256_shuffle_ps::<0b11_01_10_00>(yz, xy),
                    _mm256_shuffle_ps::<0b11_00_11_01>(yz, m25),
                ];
                let mut idx = [_mm256_setzero_si256(); 3];
                let mut frac = [zero; 3];
                for c in 0..3 {
                    let x = _mm256_mul_ps(_mm256_sub_ps(c_in[c], lo_v[c]), scale_v[c]);
                    // max(x, 0) returns 0 for NaN, as the scalar path does.
                    let x = _mm256_min_ps(_mm256_max_ps(x, zero), lastv);
                    let i = _mm256_min_epi32(_mm256_cvttps_epi32(x), max_base);
                    idx[c] = i;
                    frac[c] = _mm256_sub_ps(x, _mm256_cvtepi32_ps(i));
                }
                let [fr, fg, fb] = frac;
                let base = _mm256_add_epi32(
                    idx[0],
                    _mm256_mullo_epi32(
                        nv,
                        _mm256_add_epi32(idx[1], _mm256_mullo_epi32(nv, idx[2])),
                    ),
                );
                if !TETRA {
                    for (dst, f) in sc.w.iter_mut().zip(frac) {
                        _mm256_storeu_ps(dst.as_mut_ptr(), f);
                    }
                    _mm256_storeu_si256(sc.at[0].as_mut_ptr() as *mut __m256i, triple(base));
                    continue;
                }
                // Axis of the largest fraction (ties: r, then g) and of the smallest
                // (ties: b, then g).
                let r_max = _mm256_and_ps(
                    _mm256_cmp_ps::<_CMP_GE_OQ>(fr, fg),
                    _mm256_cmp_ps::<_CMP_GE_OQ>(fr, fb),
                );
                let g_max = _mm256_andnot_ps(r_max, _mm256_cmp_ps::<_CMP_GE_OQ>(fg, fb));
                let b_min = _mm256_and_ps(
                    _mm256_cmp_ps::<_CMP_LE_OQ>(fb, fr),
                    _mm256_cmp_ps::<_CMP_LE_OQ>(fb, fg),
                );
                let g_min = _mm256_andnot_ps(b_min, _mm256_cmp_ps::<_CMP_LE_OQ>(fg, fr));
                // Sorted fractions by min/max: the same values the masks select.
                let (lo_rg, hi_rg) = (_mm256_min_ps(fr, fg), _mm256_max_ps(fr, fg));
                let fmax = _mm256_max_ps(hi_rg, fb);
                let fmin = _mm256_min_ps(lo_rg, fb);
                let fmid = _mm256_max_ps(lo_rg, _mm256_min_ps(hi_rg, fb));
                // Offsets by mask arithmetic (each pair of masks is exclusive): the
                // largest axis's stride, and the sum less the smallest axis's stride.
                let pick = |m: __m256, d: __m256i| _mm256_and_si256(_mm256_castps_si256(m), d);
                let off_a = _mm256_add_epi32(
                    _mm256_add_epi32(vsb, pick(g_max, _mm256_sub_epi32(vsg, vsb))),
                    pick(r_max, _mm256_sub_epi32(vsr, vsb)),
                );
                let off_min = _mm256_add_epi32(
                    _mm256_add_epi32(vsr, pick(g_min, _mm256_sub_epi32(vsg, vsr))),
                    pick(b_min, _mm256_sub_epi32(vsb, vsr)),
                );
                let off_b = _mm256_sub_epi32(vsum, off_min);
                let weights = [
                    _mm256_sub_ps(one, fmax),
                    _mm256_sub_ps(fmax, fmid),
                    _mm256_sub_ps(fmid, fmin),
                    fmin,
                ];
                for (dst, wv) in sc.w.iter_mut().zip(weights) {
                    _mm256_storeu_ps(dst.as_mut_ptr(), wv);
                }
                let corners = [
                    triple(base),
                    triple(_mm256_add_epi32(base, off_a)),
                    triple(_mm256_add_epi32(base, off_b)),
                    _mm256_sub_epi32(triple(_mm256_add_epi32(base, vsum)), _mm256_set1_epi32(1)),
                ];
                for (dst, cv) in sc.at.iter_mut().zip(corners) {
                    _mm256_storeu_si256(dst.as_mut_ptr() as *mut __m256i, cv);
                }
            }
            // Through memory on purpose: per-pixel scalar loads use the load ports, where
            // lane extracts and register broadcasts would all queue on one shuffle port.
            let scratch = std::hint::black_box(&scratch);
            for (blk, sc) in group.zip(scratch.iter()) {
                let p = ptr.add(blk * 24);
                // Every input is read before any output is written: the 16-byte stores
                // below spill one float into the next pixel.
                let ins: [__m128; 8] = std::array::from_fn(|k| _mm_loadu_ps(p.add(3 * k)));
                for (k, input) in ins.into_iter().enumerate() {
                    let weight = |j: usize| _mm_broadcast_ss(&sc.w[j][k]);
                    let looked = if TETRA {
                        let fetch = |j: usize| _mm_loadu_ps(flat.offset(sc.at[j][k] as isize));
                        // The far corner is read one float early: rotate
                        // [prev_b, r, g, b] to [r, g, b, prev_b].
                        let early = fetch(3);
                        let c3 = _mm_shuffle_ps::<0b00_11_10_01>(early, early);
                        _mm_add_ps(
                            _mm_add_ps(
                                _mm_add_ps(
                                    _mm_mul_ps(weight(0), fetch(0)),
                                    _mm_mul_ps(weight(1), fetch(1)),
                                ),
                                _mm_mul_ps(weight(2), fetch(2)),
                            ),
                            _mm_mul_ps(weight(3), c3),
                        )
                    } else {
                        let cell = flat.offset(sc.at[0][k] as isize);
                        let at = |o: isize| _mm_loadu_ps(cell.offset(o));
                        let early = at(fr3 + fg3 + fb3 - 1);
                        let c111 = _mm_shuffle_ps::<0b00_11_10_01>(early, early);
                        let (fr, fg, fb) = (weight(0), weight(1), weight(2));
                        let lerp = |f: __m128, a: __m128, b: __m128| {
                            _mm_add_ps(a, _mm_mul_ps(f, _mm_sub_ps(b, a)))
                        };
                        let x00 = lerp(fr, at(0), at(fr3));
                        let x10 = lerp(fr, at(fg3), at(fr3 + fg3));
                        let x01 = lerp(fr, at(fb3), at(fr3 + fb3));
                        let x11 = lerp(fr, at(fg3 + fb3), c111);
                        lerp(fb, lerp(fg, x00, x10), lerp(fg, x01, x11))
                    };
                    let mixed = if BLEND {
                        _mm_add_ps(_mm_mul_ps(looked, s), _mm_mul_ps(input, inv_s))
                    } else {
                        looked
                    };
                    if k < 7 {
                        _mm_storeu_ps(p.add(3 * k), mixed);
                    } else {
                        // The last pixel must not touch the next block's first float.
                        _mm_storel_epi64(p.add(3 * k) as *mut __m128i, _mm_castps_si128(mixed));
                        _mm_store_ss(p.add(3 * k + 2), _mm_movehl_ps(mixed, mixed));
                    }
                }
            }
        }
        blocks * 8
    }
}
