//! Camera poses along a segment's authored move.

use crate::director::Camera;

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

fn normalize(v: [f32; 3]) -> [f32; 3] {
    let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-12);
    [v[0] / l, v[1] / l, v[2] / l]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
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
    let forward = normalize([centre[0] - eye[0], centre[1] - eye[1], centre[2] - eye[2]]);
    let right = normalize(cross(forward, [0.0, 1.0, 0.0]));
    let up = cross(right, forward);
    CameraPose {
        eye,
        forward,
        right,
        up,
        fov_y: cam.fov_deg.to_radians(),
    }
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
}
