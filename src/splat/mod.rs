//! Gaussian-splat scenes (3DGS captures) beside the voxel-grid radiance fields.

mod ply;

pub use ply::{PlyError, Splats, MAX_SPLATS};
