//! The CPU reference splat rasteriser: the 3DGS reference renderer's forward pass
//! (EWA projection of each Gaussian to a 2D conic with the 0.3 px low-pass, view-dependent
//! colour from SH degree 0..3, a global sort by view depth, front-to-back alpha blending
//! with alpha capped at 0.99, skipped under 1/255, stopping at transmittance 1e-4).
//! The GPU path is tested against it.

use super::Splats;
use crate::render::CameraPose;

const SH_C0: f32 = 0.282_094_8;
const SH_C1: f32 = 0.488_602_5;
const SH_C2: [f32; 5] = [
    1.092_548_4,
    -1.092_548_4,
    0.315_391_57,
    -1.092_548_4,
    0.546_274_2,
];
const SH_C3: [f32; 7] = [
    -0.590_043_6,
    2.890_611_4,
    -0.457_045_8,
    0.373_176_33,
    -0.457_045_8,
    1.445_305_7,
    -0.590_043_6,
];
/// Nearest view depth drawn, scene units.
pub const NEAR: f32 = 0.2;

/// One Gaussian projected for a view: pixel centre, inverse 2D covariance, extent.
#[derive(Debug, Clone, Copy)]
pub struct Projected {
    /// Index into the splats.
    pub index: u32,
    /// View depth.
    pub depth: f32,
    /// Centre in pixels (x right, y down).
    pub centre: [f32; 2],
    /// Conic (a, b, c) of `a·dx² + 2b·dx·dy + c·dy²`.
    pub conic: [f32; 3],
    /// 3σ radius in pixels.
    pub radius: f32,
    /// Colour toward the camera.
    pub rgb: [f32; 3],
    /// Opacity 0..1.
    pub opacity: f32,
}

/// SH of `degree` (coefficients `c[0..(degree+1)²]`) toward `d`, + 0.5, clamped at 0.
pub fn sh_colour(c: &[f32], degree: u32, d: [f32; 3]) -> f32 {
    let [x, y, z] = d;
    let mut r = SH_C0 * c[0];
    if degree > 0 {
        r += -SH_C1 * y * c[1] + SH_C1 * z * c[2] - SH_C1 * x * c[3];
    }
    if degree > 1 {
        let (xx, yy, zz, xy, yz, xz) = (x * x, y * y, z * z, x * y, y * z, x * z);
        r += SH_C2[0] * xy * c[4]
            + SH_C2[1] * yz * c[5]
            + SH_C2[2] * (2.0 * zz - xx - yy) * c[6]
            + SH_C2[3] * xz * c[7]
            + SH_C2[4] * (xx - yy) * c[8];
        if degree > 2 {
            r += SH_C3[0] * y * (3.0 * xx - yy) * c[9]
                + SH_C3[1] * xy * z * c[10]
                + SH_C3[2] * y * (4.0 * zz - xx - yy) * c[11]
                + SH_C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy) * c[12]
                + SH_C3[4] * x * (4.0 * zz - xx - yy) * c[13]
                + SH_C3[5] * z * (xx - yy) * c[14]
                + SH_C3[6] * x * (xx - 3.0 * yy) * c[15];
        }
    }
    (r + 0.5).max(0.0)
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Rotation matrix (rows) of a unit quaternion (w, x, y, z).
fn rotation(q: [f32; 4]) -> [[f32; 3]; 3] {
    let [w, x, y, z] = q;
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

/// Projects every visible splat for `pose` at `width`×`height`, sorted near to far.
pub fn project(s: &Splats, pose: &CameraPose, width: u32, height: u32) -> Vec<Projected> {
    let tan_half = (0.5 * pose.fov_y).tan();
    let aspect = width as f32 / height as f32;
    let fy = 0.5 * height as f32 / tan_half;
    let fx = 0.5 * width as f32 / (tan_half * aspect);
    let per = ((s.sh_degree + 1) * (s.sh_degree + 1)) as usize;
    let mut out = Vec::new();
    for i in 0..s.len() {
        let p = s.positions[i];
        let rel = [p[0] - pose.eye[0], p[1] - pose.eye[1], p[2] - pose.eye[2]];
        let (vx, vy, vz) = (
            dot(rel, pose.right),
            dot(rel, pose.up),
            dot(rel, pose.forward),
        );
        if vz < NEAR {
            continue;
        }
        // Σ = R S Sᵀ Rᵀ in scene space, then in view space (rows right, up, forward).
        let r = rotation(s.rotations[i]);
        let sc = s.scales[i];
        let m: [[f32; 3]; 3] = std::array::from_fn(|a| std::array::from_fn(|b| r[a][b] * sc[b]));
        let sigma: [[f32; 3]; 3] = std::array::from_fn(|a| {
            std::array::from_fn(|b| (0..3).map(|k| m[a][k] * m[b][k]).sum())
        });
        let view = [pose.right, pose.up, pose.forward];
        let vs: [[f32; 3]; 3] = std::array::from_fn(|a| {
            std::array::from_fn(|b| {
                (0..3)
                    .map(|k| {
                        (0..3)
                            .map(|l| view[a][k] * sigma[k][l] * view[b][l])
                            .sum::<f32>()
                    })
                    .sum()
            })
        });
        // Jacobian of (x, y, z) → pixels (y down), at the centre.
        let j = [
            [fx / vz, 0.0, -fx * vx / (vz * vz)],
            [0.0, -fy / vz, fy * vy / (vz * vz)],
        ];
        let cov = |a: usize, b: usize| -> f32 {
            (0..3)
                .map(|k| (0..3).map(|l| j[a][k] * vs[k][l] * j[b][l]).sum::<f32>())
                .sum()
        };
        let (a, b, c) = (cov(0, 0) + 0.3, cov(0, 1), cov(1, 1) + 0.3);
        let det = a * c - b * b;
        if !(det > 0.0) {
            continue;
        }
        let mid = 0.5 * (a + c);
        let lambda = mid + (mid * mid - det).max(0.1).sqrt();
        let radius = (3.0 * lambda.sqrt()).ceil();
        let centre = [
            0.5 * width as f32 + fx * vx / vz,
            0.5 * height as f32 - fy * vy / vz,
        ];
        if centre[0] + radius < 0.0
            || centre[1] + radius < 0.0
            || centre[0] - radius > width as f32
            || centre[1] - radius > height as f32
        {
            continue;
        }
        let len = dot(rel, rel).sqrt().max(1e-12);
        let d = rel.map(|v| v / len);
        let sh = &s.sh[3 * per * i..3 * per * (i + 1)];
        out.push(Projected {
            index: i as u32,
            depth: vz,
            centre,
            conic: [c / det, -b / det, a / det],
            radius,
            rgb: std::array::from_fn(|ch| sh_colour(&sh[ch * per..], s.sh_degree, d)),
            opacity: s.opacities[i],
        });
    }
    out.sort_by(|p, q| p.depth.total_cmp(&q.depth).then(p.index.cmp(&q.index)));
    out
}

/// Blends `splats` (sorted near to far) over `background` into linear RGB per pixel;
/// returns the colour and the final transmittance of each pixel, row by row.
pub fn rasterize(
    splats: &[Projected],
    width: u32,
    height: u32,
    background: [f32; 3],
) -> Vec<([f32; 3], f32)> {
    let (w, h) = (width as usize, height as usize);
    let mut out = vec![([0f32; 3], 1f32); w * h];
    for (i, px) in out.iter_mut().enumerate() {
        let p = [(i % w) as f32 + 0.5, (i / w) as f32 + 0.5];
        let (rgb, t) = px;
        for g in splats {
            let (dx, dy) = (g.centre[0] - p[0], g.centre[1] - p[1]);
            if dx.abs() > g.radius || dy.abs() > g.radius {
                continue;
            }
            let power = -0.5 * (g.conic[0] * dx * dx + g.conic[2] * dy * dy) - g.conic[1] * dx * dy;
            if power > 0.0 {
                continue;
            }
            let alpha = (g.opacity * power.exp()).min(0.99);
            if alpha < 1.0 / 255.0 {
                continue;
            }
            let next = *t * (1.0 - alpha);
            if next < 1e-4 {
                break;
            }
            for c in 0..3 {
                rgb[c] += g.rgb[c] * alpha * *t;
            }
            *t = next;
        }
        for c in 0..3 {
            rgb[c] += *t * background[c];
        }
    }
    let _ = h;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_splat_in_front_of_the_camera_lands_in_the_middle() {
        let s = Splats {
            positions: vec![[0.0, 0.0, -3.0]],
            scales: vec![[0.1; 3]],
            rotations: vec![[1.0, 0.0, 0.0, 0.0]],
            opacities: vec![0.9],
            sh_degree: 0,
            sh: vec![1.0, 0.0, -1.0],
        };
        let pose = CameraPose {
            eye: [0.0; 3],
            forward: [0.0, 0.0, -1.0],
            right: [1.0, 0.0, 0.0],
            up: [0.0, 1.0, 0.0],
            fov_y: 60f32.to_radians(),
        };
        let p = project(&s, &pose, 64, 64);
        assert_eq!(p.len(), 1);
        assert!((p[0].centre[0] - 32.0).abs() < 1e-4 && (p[0].centre[1] - 32.0).abs() < 1e-4);
        assert!((p[0].conic[0] - p[0].conic[2]).abs() < 1e-4 && p[0].conic[1].abs() < 1e-6);
        assert!((p[0].rgb[0] - (SH_C0 + 0.5)).abs() < 1e-6 && p[0].rgb[2] == (0.5 - SH_C0));
        let img = rasterize(&p, 64, 64, [0.0; 3]);
        let centre = img[32 * 64 + 32];
        let corner = img[0];
        assert!(centre.1 < 0.2 && corner.1 == 1.0);
    }
}
