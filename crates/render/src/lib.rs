//! Render stage: [`Directive`](livingfilm_core::Directive)s in, RGBA frames out.
//!
//! A baked radiance field ([`Scene`]: density and degree-1 SH colour, `.lfscene`) is
//! ray-marched on the GPU (`crates/render/shaders/raymarch.wgsl`) with empty-space skipping
//! ([`Occupancy`]), signs ([`Signage`]) and weather, then graded with a 3D LUT ([`Lut3d`](crate::grade::Lut3d),
//! `crates/render/shaders/grade.wgsl`) whose strength the directive sets. Frames are read back
//! and written by [`output`] as PNG and Y4M. [`CpuRenderer`] does the same maths on
//! the CPU, for devices without a usable GPU and as the GPU path's reference.

mod backend;
mod camera;
pub mod cpu;
pub mod frame;
mod gpu;
pub mod grade;
#[cfg(test)]
mod layout_check;
pub mod maths;
pub mod media;
pub mod occupancy;
pub mod output;
pub mod readback;
pub mod renderer;
pub mod scene;
pub mod scene_cache;
mod signage;
pub mod splat;

pub use backend::{FrameRenderer, RenderBackend};
pub use camera::{camera_pose, orbit_camera, path_camera, CameraPose};
pub use cpu::{CpuRenderer, MarchStats};
pub use frame::{key_light, FrameParams, Weather};
pub use gpu::{quiet_headless_device_select, GpuContext, GpuError};
pub use occupancy::Occupancy;
pub use readback::{Readback, ReadbackError};
pub use renderer::{RenderError, Renderer, MAX_STEPS};
pub use scene::{
    AnyScene, CameraKey, CameraPath, Quantization, Scene, SceneError, SceneInfo, SceneKind,
    SignSlot, Sky, Storage, MAX_DIM, MAX_SCENE_BYTES, SH_C0, SH_C1,
};
pub use signage::{
    load_sign_image, shown_locale, SignError, SignPlane, SignRef, Signage, MAX_SIGNS, SIGN_SIZE,
};
