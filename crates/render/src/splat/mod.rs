//! Gaussian-splat scenes (3DGS captures) beside the voxel-grid radiance fields: the
//! `.ply` reader, the scene with its sidecar, the CPU reference and the wgpu renderer.

pub mod cpu;
mod gpu;
mod ply;
mod scene;

#[cfg(test)]
pub(crate) use gpu::{draw_source, project_source};
pub use gpu::{sort_on_gpu, SplatGpuError, MAX_ENTRIES};
pub(crate) use gpu::{GpuSplats, SplatPipelines};
pub use ply::{PlyError, Splats, MAX_SPLATS};
pub use scene::{Orientation, Sidecar, SplatScene};
