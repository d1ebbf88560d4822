//! Render stage: [`Directive`](crate::director::Directive)s in, RGBA frames out.
//!
//! A baked radiance-field grid ([`Scene`]) is ray-marched on the GPU
//! (`shaders/raymarch.wgsl`), then graded with a 3D LUT ([`Lut3d`](crate::grade::Lut3d),
//! `shaders/grade.wgsl`) whose strength the directive sets. Frames are read back
//! and written by [`output`] as PNG and Y4M. [`CpuRenderer`] does the same maths on
//! the CPU, for devices without a usable GPU and as the GPU path's reference.

mod backend;
mod camera;
mod cpu;
mod gpu;
pub mod output;
mod readback;
mod renderer;
mod scene;

pub use backend::{FrameRenderer, RenderBackend};
pub use camera::{orbit_camera, CameraPose};
pub use cpu::CpuRenderer;
pub use gpu::{GpuContext, GpuError};
pub use readback::Readback;
pub use renderer::{FrameParams, RenderError, Renderer};
pub use scene::{Scene, SceneError, SCENE_MAGIC};
