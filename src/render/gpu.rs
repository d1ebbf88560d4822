//! The wgpu device the renderer runs on, with no window (headless).

/// Why no GPU context could be made.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter at all: name the packages that provide a software one.
    #[error("no GPU adapter found ({0}); on Debian install a software Vulkan driver with `apt-get install mesa-vulkan-drivers libvulkan1` (scripts/setup.sh does this)")]
    NoAdapter(String),
    /// The adapter refused to create a device.
    #[error("GPU adapter {adapter} could not create a device: {reason}")]
    Device { adapter: String, reason: String },
}

/// A device and queue plus a description of the adapter for reports.
pub struct GpuContext {
    /// Logical device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// "name (backend, type)" of the adapter in use.
    pub adapter_name: String,
}

impl GpuContext {
    /// Picks an adapter (honouring `WGPU_BACKEND` / `WGPU_ADAPTER_NAME`) and creates a device.
    pub fn new() -> Result<Self, GpuError> {
        Self::with_limits(|_| {})
    }

    /// Like [`GpuContext::new`], with the device's limits narrowed by `narrow` (to rehearse
    /// a weaker GPU, e.g. a TV chip's 3D texture limit, on a desktop one).
    pub fn with_limits(narrow: impl FnOnce(&mut wgpu::Limits)) -> Result<Self, GpuError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter =
            pollster::block_on(
                instance.request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::from_env()
                        .unwrap_or(wgpu::PowerPreference::HighPerformance),
                    force_fallback_adapter: false,
                    compatible_surface: None,
                    apply_limit_buckets: false,
                }),
            )
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let adapter_name = format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type);
        let mut limits = wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits());
        narrow(&mut limits);
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("livingfilm"),
            required_limits: limits,
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device {
            adapter: adapter_name.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            device,
            queue,
            adapter_name,
        })
    }
}
