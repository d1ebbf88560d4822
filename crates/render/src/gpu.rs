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

/// Mesa's implicit Vulkan layer `VK_LAYER_MESA_device_select` picks the GPU driving the
/// display by connecting to Wayland (or X) while adapters are listed. On a headless run
/// with no `XDG_RUNTIME_DIR` that connection cannot work, and libwayland prints
/// "error: XDG_RUNTIME_DIR is invalid or not set in the environment." once per listing.
/// When there is no display to pick for and the viewer has not asked the layer for a
/// device (`MESA_VK_DEVICE_SELECT`, `DRI_PRIME`), this turns the layer off
/// (`NODEVICE_SELECT=1`, its own switch). Call it first thing in `main`, before any
/// thread starts (changing the environment races with C code reading it).
pub fn quiet_headless_device_select() {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .is_some_and(|d| d.is_absolute() && d.is_dir());
    let display = set("DISPLAY") || set("WAYLAND_DISPLAY");
    let asked = set("MESA_VK_DEVICE_SELECT") || set("DRI_PRIME") || set("NODEVICE_SELECT");
    if !runtime_dir && !display && !asked {
        // Edition 2021: `set_var` is a safe fn, but see the doc comment on threads.
        std::env::set_var("NODEVICE_SELECT", "1");
    }
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
