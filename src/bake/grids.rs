//! Analytic scenes (signed distance functions) baked into `.lfgrid` voxel grids.

use crate::render::Scene;

type V3 = [f32; 3];

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn len(a: V3) -> f32 {
    (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt()
}
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

fn bake(sdf: fn(V3) -> Hit, n: u32) -> Scene {
    let (lo, hi) = ([-1.0f32; 3], [1.0f32; 3]);
    let voxel = 2.0 / n as f32;
    let light = {
        let l = [0.4f32, 0.8, 0.3];
        let m = len(l);
        [l[0] / m, l[1] / m, l[2] / m]
    };
    let mut texels = Vec::with_capacity((n * n * n * 4) as usize);
    for z in 0..n {
        for y in 0..n {
            for x in 0..n {
                let p: V3 = std::array::from_fn(|i| lo[i] + ([x, y, z][i] as f32 + 0.5) * voxel);
                let h = sdf(p);
                let density = (0.5 - h.d / (1.5 * voxel)).clamp(0.0, 1.0);
                let e = 0.5 * voxel;
                let grad: V3 = std::array::from_fn(|i| {
                    let mut a = p;
                    let mut b = p;
                    a[i] += e;
                    b[i] -= e;
                    sdf(a).d - sdf(b).d
                });
                let gl = len(grad).max(1e-6);
                let ndl = (grad[0] * light[0] + grad[1] * light[1] + grad[2] * light[2]) / gl;
                let probe: V3 = std::array::from_fn(|i| p[i] + grad[i] / gl * 0.12);
                let ao = (sdf(probe).d / 0.12).clamp(0.3, 1.0);
                let shade = (0.25 + 0.75 * ndl.max(0.0)) * ao;
                for c in 0..3 {
                    let v = (h.albedo[c] * shade + h.emit[c]).clamp(0.0, 1.0);
                    texels.push((v * 255.0).round() as u8);
                }
                texels.push((density * 255.0).round() as u8);
            }
        }
    }
    Scene {
        dims: [n; 3],
        bounds_min: lo,
        bounds_max: hi,
        density_scale: 40.0 * n as f32 / 64.0,
        texels,
    }
}

/// The demo film's scenes at `n`³ texels.
pub fn demo_scenes(n: u32) -> Vec<(&'static str, Scene)> {
    vec![
        ("plaza", bake(plaza, n)),
        ("garden", bake(garden, n)),
        ("storm", bake(storm, n)),
    ]
}
