//! Camera poses along a segment's authored move.

use super::scene::{CameraPath, SceneInfo};
use crate::maths::{cross, normalize};
use livingfilm_core::{Camera, CameraMove};

/// Where the camera is and how it looks, in scene space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraPose {
    /// Eye position.
    pub eye: [f32; 3],
    /// Unit view direction.
    pub forward: [f32; 3],
    /// Unit right vector.
    pub right: [f32; 3],
    /// Unit up vector.
    pub up: [f32; 3],
    /// Vertical field of view, radians.
    pub fov_y: f32,
}

/// The pose a looking-at camera has at `eye`.
fn look_at(eye: [f32; 3], target: [f32; 3], fov_deg: f32) -> CameraPose {
    let forward = normalize([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
    let right = normalize(cross(forward, [0.0, 1.0, 0.0]));
    let up = cross(right, forward);
    CameraPose {
        eye,
        forward,
        right,
        up,
        fov_y: fov_deg.to_radians(),
    }
}

/// Pose of `mv` at `progress` (0..1) through the segment, in `scene`. A path the scene
/// lacks (`livingfilm check` reports it) falls back to a slow orbit.
pub fn camera_pose(mv: &CameraMove, scene: &SceneInfo, progress: f32) -> CameraPose {
    match mv {
        CameraMove::Orbit(c) => orbit_camera(c, scene.centre(), progress),
        CameraMove::Path(p) => match scene.camera(&p.path) {
            Some(path) => path_camera(path, progress),
            None => orbit_camera(&FALLBACK_ORBIT, scene.centre(), progress),
        },
    }
}

const FALLBACK_ORBIT: Camera = Camera {
    radius: 2.5,
    height: 0.8,
    from_deg: 0.0,
    to_deg: 40.0,
    fov_deg: 50.0,
};

/// Pose along an authored path at `progress`: Catmull-Rom through the keys' eyes and
/// look-at points, so the move passes every key with a continuous velocity.
pub fn path_camera(path: &CameraPath, progress: f32) -> CameraPose {
    let keys = &path.keys;
    let p = progress.clamp(0.0, 1.0);
    let i = keys
        .windows(2)
        .position(|w| p <= w[1].t)
        .unwrap_or(keys.len().saturating_sub(2));
    let last = keys.len() - 1;
    let (k0, k1, k2, k3) = (
        &keys[i.saturating_sub(1)],
        &keys[i],
        &keys[(i + 1).min(last)],
        &keys[(i + 2).min(last)],
    );
    let span = (k2.t - k1.t).max(1e-6);
    let u = ((p - k1.t) / span).clamp(0.0, 1.0);
    let spline = |a: [f32; 3], b: [f32; 3], c: [f32; 3], d: [f32; 3]| -> [f32; 3] {
        std::array::from_fn(|j| {
            let (p0, p1, p2, p3) = (a[j], b[j], c[j], d[j]);
            0.5 * (2.0 * p1
                + (p2 - p0) * u
                + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * u * u
                + (3.0 * p1 - p0 - 3.0 * p2 + p3) * u * u * u)
        })
    };
    let eye = spline(k0.eye, k1.eye, k2.eye, k3.eye);
    let target = spline(k0.look_at, k1.look_at, k2.look_at, k3.look_at);
    look_at(eye, target, path.fov_deg)
}

/// Pose of an orbit move around `centre` at `progress` (0..1, eased) through the segment.
pub fn orbit_camera(cam: &Camera, centre: [f32; 3], progress: f32) -> CameraPose {
    let p = progress.clamp(0.0, 1.0);
    let eased = p * p * (3.0 - 2.0 * p);
    let az = (cam.from_deg + (cam.to_deg - cam.from_deg) * eased).to_radians();
    let eye = [
        centre[0] + cam.radius * az.sin(),
        centre[1] + cam.height,
        centre[2] + cam.radius * az.cos(),
    ];
    look_at(eye, centre, cam.fov_deg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_is_orthonormal_and_looks_at_centre() {
        let cam = Camera {
            radius: 2.0,
            height: 0.5,
            from_deg: -30.0,
            to_deg: 60.0,
            fov_deg: 50.0,
        };
        for p in [0.0, 0.3, 1.0] {
            let c = orbit_camera(&cam, [0.1, 0.2, 0.3], p);
            let dot = |a: [f32; 3], b: [f32; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
            assert!(dot(c.forward, c.right).abs() < 1e-5);
            assert!(dot(c.forward, c.up).abs() < 1e-5);
            assert!((dot(c.up, c.up) - 1.0).abs() < 1e-5);
            assert!(c.up[1] > 0.0);
        }
    }

    #[test]
    fn a_path_passes_through_its_keys() {
        let key = |t: f32, x: f32| crate::scene::CameraKey {
            t,
            eye: [x, 0.5, 2.0],
            look_at: [0.0; 3],
        };
        let path = CameraPath {
            name: "dolly".into(),
            fov_deg: 45.0,
            keys: vec![key(0.0, -1.0), key(0.4, 0.0), key(1.0, 1.5)],
        };
        for (t, x) in [(0.0, -1.0), (0.4, 0.0), (1.0, 1.5)] {
            let pose = path_camera(&path, t);
            assert!((pose.eye[0] - x).abs() < 1e-5, "{t}: {:?}", pose.eye);
        }
        let mid = path_camera(&path, 0.7).eye[0];
        assert!(mid > 0.0 && mid < 1.5);
        assert!((path_camera(&path, 0.2).fov_y - 45f32.to_radians()).abs() < 1e-6);
    }
}
