//! AVX2 kernel for the most common grade: a tetrahedral 3D LUT blended by strength,
//! eight pixels at a time. Same operations in the same order as the scalar path
//! (no FMA contraction), so results are bit-identical; `tests` check that.

use super::cube::PreparedLut3d;

/// Grades `rgb` (interleaved, length a multiple of 3) in place if this CPU has AVX2;
/// returns the number of pixels done (a multiple of 8; the caller finishes the tail).
pub fn tetrahedral_blend(lut: &PreparedLut3d, strength: f32, rgb: &mut [f32]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present (checked above).
            return unsafe { x86::tetrahedral_blend_avx2(lut, strength, rgb) };
        }
    }
    let _ = (lut, strength, rgb);
    0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::PreparedLut3d;

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tetrahedral_blend_avx2(
        lut: &PreparedLut3d,
        strength: f32,
        rgb: &mut [f32],
    ) -> usize {
        let (n, lo, scale, last, table) = lut.parts();
        let pixels = rgb.len() / 3;
        let blocks = pixels / 8;
        if n < 2 || table.len() < n * n * n {
            return 0;
        }
        let flat = table.as_ptr() as *const f32;
        let (sr, sg, sb) = (1i32, n as i32, (n * n) as i32);
        let stride3 = _mm256_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21);
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
        let three = _mm256_set1_epi32(3);
        let s = _mm256_set1_ps(strength);
        let all_ones = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
        let inv_s = _mm256_set1_ps(1.0 - strength);
        let ptr = rgb.as_mut_ptr();
        for blk in 0..blocks {
            // SAFETY (all pointer arithmetic below): pixel indices stay below `blocks * 8`
            // <= `pixels`, and LUT indices below `n³` because each base is clamped to
            // `n - 2` per axis and offsets add at most one step per axis.
            let p = ptr.add(blk * 24);
            let c_in = [
                _mm256_i32gather_ps::<4>(p as *const f32, stride3),
                _mm256_i32gather_ps::<4>(p.add(1) as *const f32, stride3),
                _mm256_i32gather_ps::<4>(p.add(2) as *const f32, stride3),
            ];
            let mut idx = [_mm256_setzero_si256(); 3];
            let mut frac = [zero; 3];
            for c in 0..3 {
                let x = _mm256_mul_ps(
                    _mm256_sub_ps(c_in[c], _mm256_set1_ps(lo[c])),
                    _mm256_set1_ps(scale[c]),
                );
                // max(x, 0) returns 0 for NaN, as the scalar path does.
                let x = _mm256_min_ps(_mm256_max_ps(x, zero), lastv);
                let i = _mm256_min_epi32(_mm256_cvttps_epi32(x), max_base);
                idx[c] = i;
                frac[c] = _mm256_sub_ps(x, _mm256_cvtepi32_ps(i));
            }
            let [fr, fg, fb] = frac;
            let base = _mm256_add_epi32(
                idx[0],
                _mm256_mullo_epi32(nv, _mm256_add_epi32(idx[1], _mm256_mullo_epi32(nv, idx[2]))),
            );
            // Axis of the largest fraction (ties: r, then g) and of the smallest (ties: b, then g).
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
            let fmax = _mm256_blendv_ps(_mm256_blendv_ps(fb, fg, g_max), fr, r_max);
            let fmin = _mm256_blendv_ps(_mm256_blendv_ps(fr, fg, g_min), fb, b_min);
            // The middle axis is neither the largest nor the smallest.
            let mid_is_r = _mm256_andnot_ps(r_max, _mm256_or_ps(b_min, g_min));
            let mid_is_g = _mm256_andnot_ps(_mm256_or_ps(g_max, g_min), all_ones);
            let fmid = _mm256_blendv_ps(_mm256_blendv_ps(fb, fg, mid_is_g), fr, mid_is_r);
            let off_a = _mm256_castps_si256(_mm256_blendv_ps(
                _mm256_blendv_ps(_mm256_castsi256_ps(vsb), _mm256_castsi256_ps(vsg), g_max),
                _mm256_castsi256_ps(vsr),
                r_max,
            ));
            let off_min = _mm256_castps_si256(_mm256_blendv_ps(
                _mm256_blendv_ps(_mm256_castsi256_ps(vsr), _mm256_castsi256_ps(vsg), g_min),
                _mm256_castsi256_ps(vsb),
                b_min,
            ));
            let off_b = _mm256_sub_epi32(vsum, off_min);
            let w0 = _mm256_sub_ps(one, fmax);
            let w1 = _mm256_sub_ps(fmax, fmid);
            let w2 = _mm256_sub_ps(fmid, fmin);
            let w3 = fmin;
            let v0 = _mm256_mullo_epi32(base, three);
            let va = _mm256_mullo_epi32(_mm256_add_epi32(base, off_a), three);
            let vb = _mm256_mullo_epi32(_mm256_add_epi32(base, off_b), three);
            let v3 = _mm256_mullo_epi32(_mm256_add_epi32(base, vsum), three);
            let mut out = [[0f32; 8]; 3];
            for c in 0..3 {
                let t = flat.add(c);
                let looked = _mm256_add_ps(
                    _mm256_add_ps(
                        _mm256_add_ps(
                            _mm256_mul_ps(w0, _mm256_i32gather_ps::<4>(t, v0)),
                            _mm256_mul_ps(w1, _mm256_i32gather_ps::<4>(t, va)),
                        ),
                        _mm256_mul_ps(w2, _mm256_i32gather_ps::<4>(t, vb)),
                    ),
                    _mm256_mul_ps(w3, _mm256_i32gather_ps::<4>(t, v3)),
                );
                let mixed = _mm256_add_ps(_mm256_mul_ps(looked, s), _mm256_mul_ps(c_in[c], inv_s));
                _mm256_storeu_ps(out[c].as_mut_ptr(), mixed);
            }
            let block = std::slice::from_raw_parts_mut(p, 24);
            for (k, px) in block.chunks_exact_mut(3).enumerate() {
                px.copy_from_slice(&[out[0][k], out[1][k], out[2][k]]);
            }
        }
        blocks * 8
    }
}
