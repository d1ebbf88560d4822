//! Analytic scenes (signed distance functions) baked into `.lfscene` radiance fields:
//! density from the distance, colour as degree-1 spherical harmonics (a diffuse term
//! plus a view-dependent rim), with each scene's sign slots, camera paths and sky.

use livingfilm_render::maths::{length as len, sub};
use livingfilm_render::{CameraKey, CameraPath, Occupancy, Scene, SignSlot, Sky, SH_C0, SH_C1};

type V3 = [f32; 3];

fn sphere(p: V3, c: V3, r: f32) -> f32 {
    len(sub(p, c)) - r
}
fn boxed(p: V3, c: V3, half: V3) -> f32 {
    let q: V3 = std::array::from_fn(|i| (p[i] - c[i]).abs() - half[i]);
    let outside = len([q[0].max(0.0), q[1].max(0.0), q[2].max(0.0)]);
    outside + q[0].max(q[1]).max(q[2]).min(0.0)
}

/// A surface: distance plus albedo and emission at a point.
struct Hit {
    d: f32,
    albedo: V3,
    emit: V3,
}

/// How much brighter a surface looks at grazing angles than head-on (0..1).
fn rim_of(h: &Hit) -> f32 {
    if h.emit.iter().any(|&e| e > 0.0) {
        0.15
    } else {
        0.3
    }
}

fn pick(a: Hit, b: Hit) -> Hit {
    if a.d <= b.d {
        a
    } else {
        b
    }
}

fn ground(p: V3) -> Hit {
    let checker = ((p[0] * 2.0).floor() + (p[2] * 2.0).floor()).rem_euclid(2.0);
    Hit {
        d: p[1] + 0.8,
        albedo: if checker < 1.0 {
            [0.32, 0.3, 0.28]
        } else {
            [0.22, 0.21, 0.2]
        },
        emit: [0.0; 3],
    }
}

fn plaza(p: V3) -> Hit {
    let mut h = ground(p);
    for (i, x) in [-0.6f32, 0.6].into_iter().enumerate() {
        for z in [-0.6f32, 0.6] {
            let tint = if i == 0 {
                [0.7, 0.55, 0.4]
            } else {
                [0.45, 0.5, 0.62]
            };
            h = pick(
                h,
                Hit {
                    d: boxed(p, [x, -0.35, z], [0.09, 0.45, 0.09]),
                    albedo: tint,
                    emit: [0.0; 3],
                },
            );
        }
    }
    pick(
        h,
        Hit {
            d: sphere(p, [0.0, -0.45, 0.0], 0.22),
            albedo: [0.9, 0.7, 0.4],
            emit: [0.9, 0.55, 0.2],
        },
    )
}

fn garden(p: V3) -> Hit {
    let mut h = ground(p);
    let spots = [
        [-0.5, -0.6, -0.3, 0.2],
        [0.45, -0.55, -0.45, 0.26],
        [0.1, -0.62, 0.5, 0.18],
        [-0.3, -0.2, 0.3, 0.15],
    ];
    for (k, s) in spots.into_iter().enumerate() {
        let albedo = [
            [0.35, 0.7, 0.4],
            [0.3, 0.6, 0.55],
            [0.55, 0.75, 0.35],
            [0.8, 0.85, 0.6],
        ][k];
        h = pick(
            h,
            Hit {
                d: sphere(p, [s[0], s[1], s[2]], s[3]),
                albedo,
                emit: [0.0; 3],
            },
        );
    }
    pick(
        h,
        Hit {
            d: sphere(p, [0.0, 0.45, 0.0], 0.1),
            albedo: [1.0; 3],
            emit: [0.8, 0.9, 0.7],
        },
    )
}

fn storm(p: V3) -> Hit {
    let mut h = ground(p);
    for k in 0..7 {
        let a = k as f32 * std::f32::consts::TAU / 7.0;
        let (x, z) = (0.55 * a.cos(), 0.55 * a.sin());
        // Tapered spikes: a box whose half-width shrinks with height.
        let taper = (0.1 * (0.4 - p[1]).clamp(0.05, 1.2)).max(0.015);
        let d = boxed(p, [x, -0.2, z], [taper, 0.6, taper]);
        h = pick(
            h,
            Hit {
                d,
                albedo: [0.45, 0.12, 0.1],
                emit: [0.0; 3],
            },
        );
    }
    pick(
        h,
        Hit {
            d: sphere(p, [0.0, -0.5, 0.0], 0.16),
            albedo: [1.0, 0.2, 0.1],
            emit: [1.0, 0.15, 0.05],
        },
    )
}

fn round_f16(v: f32) -> f32 {
    half::f16::from_f32(v).to_f32()
}

/// The authoring hooks baked with a scene.
struct Hooks {
    sky: Sky,
    slots: Vec<SignSlot>,
    cameras: Vec<CameraPath>,
}

fn bake(sdf: fn(V3) -> Hit, n: u32, hooks: Hooks) -> Scene {
    let (lo, hi) = ([-1.0f32; 3], [1.0f32; 3]);
    let voxel = 2.0 / n as f32;
    let light = {
        let l = [0.4f32, 0.8, 0.3];
        let m = len(l);
        [l[0] / m, l[1] / m, l[2] / m]
    };
    let count = (n * n * n) as usize;
    let mut density = Vec::with_capacity(count);
    let mut sh = Vec::with_capacity(count);
    for z in 0..n {
        for y in 0..n {
            for x in 0..n {
                let p: V3 = std::array::from_fn(|i| lo[i] + ([x, y, z][i] as f32 + 0.5) * voxel);
                let h = sdf(p);
                density.push(round_f16((0.5 - h.d / (1.5 * voxel)).clamp(0.0, 1.0)));
                let e = 0.5 * voxel;
                let grad: V3 = std::array::from_fn(|i| {
                    let mut a = p;
                    let mut b = p;
                    a[i] += e;
                    b[i] -= e;
                    sdf(a).d - sdf(b).d
                });
                let gl = len(grad).max(1e-6);
                let nrm: V3 = grad.map(|g| g / gl);
                let ndl = nrm[0] * light[0] + nrm[1] * light[1] + nrm[2] * light[2];
                let probe: V3 = std::array::from_fn(|i| p[i] + nrm[i] * 0.12);
                let ao = (sdf(probe).d / 0.12).clamp(0.3, 1.0);
                let shade = (0.25 + 0.75 * ndl.max(0.0)) * ao;
                let rim = rim_of(&h);
                // colour(d) = base + ½·rim·(1 + d·n), exactly representable in degree 1.
                let mut c = [0f32; 12];
                for ch in 0..3 {
                    let base = (h.albedo[ch] * shade + h.emit[ch]).clamp(0.0, 1.0);
                    let r = 0.5 * rim * (0.5 + 0.5 * h.albedo[ch]);
                    c[4 * ch] = (base + r - 0.5) / SH_C0;
                    c[4 * ch + 1] = -r * nrm[1] / SH_C1;
                    c[4 * ch + 2] = r * nrm[2] / SH_C1;
                    c[4 * ch + 3] = -r * nrm[0] / SH_C1;
                }
                sh.push(c.map(round_f16));
            }
        }
    }
    let dims = [n; 3];
    Scene {
        occupancy: Occupancy::build(&density, dims, (n / 16).max(2)),
        dims,
        bounds_min: lo,
        bounds_max: hi,
        density_scale: 40.0 * n as f32 / 64.0,
        density,
        sh,
        sky: hooks.sky,
        slots: hooks.slots,
        cameras: hooks.cameras,
    }
}

/// A shopfront sign standing on the ground at `z`, facing +z (`front` 1) or −z (−1).
fn shopfront(x: f32, z: f32, front: f32) -> SignSlot {
    SignSlot {
        name: "shopfront".into(),
        centre: [x, -0.42, z],
        right: [front, 0.0, 0.0],
        up: [0.0, 1.0, 0.0],
        size: [0.72, 0.36],
    }
}

fn key(t: f32, eye: V3, look_at: V3) -> CameraKey {
    CameraKey { t, eye, look_at }
}

fn plaza_hooks() -> Hooks {
    Hooks {
        sky: Sky::default(),
        slots: vec![shopfront(0.0, -0.78, 1.0)],
        cameras: vec![CameraPath {
            name: "dash".into(),
            fov_deg: 62.0,
            keys: vec![
                key(0.0, [-1.5, -0.25, 1.9], [0.0, -0.45, 0.0]),
                key(0.4, [-0.2, -0.4, 1.3], [0.2, -0.5, -0.4]),
                key(0.75, [0.55, -0.35, 0.55], [0.0, -0.5, -0.7]),
                key(1.0, [1.4, -0.1, 0.2], [-0.2, -0.5, -0.5]),
            ],
        }],
    }
}

fn garden_hooks() -> Hooks {
    Hooks {
        sky: Sky {
            horizon: [0.14, 0.17, 0.18],
            zenith: [0.02, 0.04, 0.07],
        },
        slots: vec![shopfront(0.0, -0.78, 1.0)],
        cameras: vec![],
    }
}

fn storm_hooks() -> Hooks {
    Hooks {
        sky: Sky {
            horizon: [0.12, 0.12, 0.17],
            zenith: [0.01, 0.015, 0.04],
        },
        slots: vec![shopfront(0.0, 0.8, -1.0)],
        cameras: vec![],
    }
}

/// The demo film's scenes at `n`³ texels.
pub fn demo_scenes(n: u32) -> Vec<(&'static str, Scene)> {
    vec![
        ("plaza", bake(plaza, n, plaza_hooks())),
        ("garden", bake(garden, n, garden_hooks())),
        ("storm", bake(storm, n, storm_hooks())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scene halved for a small GPU keeps its mean density (the renderer's halving,
    /// tried on the baked demo scenes).
    #[test]
    fn halving_keeps_the_mean() {
        let (_, s) = demo_scenes(8).remove(0);
        let h = s.halved();
        assert_eq!(h.dims, [4, 4, 4]);
        assert_eq!(h.occupancy.dims, [2, 2, 2]);
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!((mean(&h.density) - mean(&s.density)).abs() < 0.05);
    }
}
