//! Gaussian-splat scenes (3DGS captures) beside the voxel-grid radiance fields.

pub mod cpu;
mod ply;

pub use ply::{PlyError, Splats, MAX_SPLATS};
