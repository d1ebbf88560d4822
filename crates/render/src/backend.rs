//! Which renderer draws the frames: the wgpu one, or the CPU one on devices without a
//! usable GPU. The player talks to [`FrameRenderer`] and never to either directly.

use super::cpu::CpuRenderer;
use super::frame::FrameParams;
use super::gpu::{GpuContext, GpuError};
use super::renderer::{RenderError, Renderer};
use super::scene::SceneInfo;
use super::signage::Signage;
use livingfilm_core::Film;

/// The renderer a viewing asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RenderBackend {
    /// The GPU if an adapter opens, else the CPU renderer (the report says which and why).
    #[default]
    Auto,
    /// The GPU (error if no adapter opens).
    Gpu,
    /// The CPU renderer on every core: no GPU, no Vulkan loader needed.
    Cpu,
}

impl std::str::FromStr for RenderBackend {
    type Err = UnknownBackend;

    /// `auto`, `gpu` or `cpu`, in any case (the names `--render` takes).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "gpu" => Ok(Self::Gpu),
            "cpu" => Ok(Self::Cpu),
            _ => Err(UnknownBackend),
        }
    }
}

/// A backend name other than `auto`, `gpu` or `cpu`.
#[derive(Debug, thiserror::Error)]
#[error("not auto, gpu or cpu")]
pub struct UnknownBackend;

/// A renderer of either kind, behind one interface.
pub enum FrameRenderer {
    /// wgpu: ray march and grade as two passes, read back one frame behind.
    Gpu(Box<Renderer>),
    /// The same maths on the CPU.
    Cpu(Box<CpuRenderer>),
}

impl FrameRenderer {
    /// Opens the renderer `backend` asks for; with `Auto`, a GPU failure falls back to the
    /// CPU and is returned as a warning.
    pub fn open(
        backend: RenderBackend,
        film: &Film,
        signage: &Signage,
        width: u32,
        height: u32,
    ) -> Result<(Self, Option<String>), RenderError> {
        let gpu = || -> Result<Self, RenderError> {
            let ctx = GpuContext::new().map_err(|e: GpuError| RenderError::Gpu(e.to_string()))?;
            Ok(Self::Gpu(Box::new(Renderer::new(
                ctx, film, signage, width, height,
            )?)))
        };
        let cpu = || -> Result<Self, RenderError> {
            Ok(Self::Cpu(Box::new(CpuRenderer::new(
                film, signage, width, height,
            )?)))
        };
        match backend {
            RenderBackend::Gpu => Ok((gpu()?, None)),
            RenderBackend::Cpu => Ok((cpu()?, None)),
            RenderBackend::Auto => match gpu() {
                Ok(r) => Ok((r, None)),
                Err(e @ (RenderError::Scene(_) | RenderError::Lut(_) | RenderError::Sign(_))) => {
                    Err(e)
                }
                Err(e) => Ok((cpu()?, Some(format!("{e}; rendering on the CPU")))),
            },
        }
    }

    /// Warnings since the last call (a downscaled scene, a recreated GPU device).
    pub fn take_warnings(&mut self) -> Vec<String> {
        match self {
            Self::Gpu(r) => r.take_warnings(),
            Self::Cpu(_) => Vec::new(),
        }
    }

    /// Output size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Self::Gpu(r) => r.size(),
            Self::Cpu(r) => r.size(),
        }
    }

    /// What renders, for reports.
    pub fn adapter_name(&self) -> String {
        match self {
            Self::Gpu(r) => r.adapter_name().to_owned(),
            Self::Cpu(_) => format!(
                "CPU renderer ({} threads)",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
        }
    }

    /// Loads scene `i` unless resident; true if it was loaded now.
    pub fn load_scene(&mut self, i: usize) -> Result<bool, RenderError> {
        match self {
            Self::Gpu(r) => r.load_scene(i),
            Self::Cpu(r) => r.load_scene(i),
        }
    }

    /// Frees every scene not in `keep`.
    pub fn retain_scenes(&mut self, keep: &[usize]) {
        match self {
            Self::Gpu(r) => r.retain_scenes(keep),
            Self::Cpu(r) => r.retain_scenes(keep),
        }
    }

    /// Number of scenes resident.
    pub fn resident_scenes(&self) -> usize {
        match self {
            Self::Gpu(r) => r.resident_scenes(),
            Self::Cpu(r) => r.resident_scenes(),
        }
    }

    /// Scene `i` without its texels, if loaded.
    pub fn scene_info(&self, i: usize) -> Option<&SceneInfo> {
        match self {
            Self::Gpu(r) => r.scene_info(i),
            Self::Cpu(r) => r.scene_info(i),
        }
    }

    /// Renders `p` (if any) and returns whether `out` holds a finished frame: the GPU
    /// returns the frame submitted before `p`, the CPU `p` itself. Call with `None` at
    /// the end to collect a frame still in flight.
    pub fn pipelined(
        &mut self,
        p: Option<&FrameParams>,
        out: &mut Vec<u8>,
    ) -> Result<bool, RenderError> {
        match (self, p) {
            (Self::Gpu(r), p) => r.pipelined(p, out),
            (Self::Cpu(r), Some(p)) => r.render(p, out).map(|()| true),
            (Self::Cpu(_), None) => Ok(false),
        }
    }
}
