//! The frame renderer: ray-march pass into an HDR target, grade pass into RGBA8, read back.

use std::sync::{Arc, Mutex};

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::frame::{sign_uniforms, FrameParams, FOG_COLOUR, GRAIN, VIGNETTE_PER_DRIVE};
use super::gpu::GpuContext;
use super::readback::Readback;
use super::scene::{AnyScene, SceneError, SceneInfo};
use super::scene_cache::SceneCache;
use super::signage::{SignError, Signage, MAX_SIGNS, SIGN_SIZE};
use crate::grade::{CubeLut, Interp, LookMixer, LutError, COMMON_SIZE};
use crate::splat::cpu::SplatLook;
use crate::splat::SplatScene;
use crate::splat::{GpuSplats, SplatPipelines};
use livingfilm_core::Film;
use livingfilm_core::MAX_LOOKS;

const RAYMARCH_WGSL: &str = concat!(
    include_str!("../shaders/hash.wgsl"),
    include_str!("../shaders/common.wgsl"),
    include_str!("../shaders/raymarch.wgsl")
);
const GRADE_WGSL: &str = concat!(
    include_str!("../shaders/hash.wgsl"),
    include_str!("../shaders/common.wgsl"),
    include_str!("../shaders/grade.wgsl")
);
const HDR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
const OUT_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Upper bound of ray-march steps across the grid diagonal.
pub const MAX_STEPS: u32 = 160;

/// The film's looks on one lattice, ready to blend per frame; looks not over [0, 1] are
/// resampled (both renderers assume it).
pub(crate) fn film_looks(film: &Film) -> Result<LookMixer, RenderError> {
    let looks = film
        .grade
        .looks
        .iter()
        .map(|l| {
            let cube = CubeLut::load(&l.lut)?;
            Ok(match &cube.cube {
                Some(c)
                    if cube.shaper.is_none()
                        && c.domain_min == [0.0; 3]
                        && c.domain_max == [1.0; 3] =>
                {
                    cube
                }
                _ => CubeLut {
                    title: cube.title.clone(),
                    shaper: None,
                    cube: Some(cube.bake(COMMON_SIZE, Interp::Tetrahedral)),
                },
            })
        })
        .collect::<Result<Vec<_>, LutError>>()?;
    Ok(LookMixer::new(&looks, Interp::Tetrahedral))
}

/// Why the renderer could not be set up or could not render.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A scene file is bad.
    #[error(transparent)]
    Scene(#[from] SceneError),
    /// A sign image is bad.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The LUT is bad.
    #[error(transparent)]
    Lut(#[from] LutError),
    /// The GPU failed while rendering or reading back.
    #[error("GPU error: {0}")]
    Gpu(String),
    /// A frame names a scene the film does not have.
    #[error("no scene {0} in this film")]
    NoScene(usize),
    /// The requested size is beyond the adapter's limits.
    #[error("frame size {0}x{1} exceeds the adapter's 2D texture limit of {2}")]
    TooLarge(u32, u32, u32),
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Uniforms {
    eye: [f32; 4],
    forward: [f32; 4],
    right: [f32; 4],
    up: [f32; 4],
    bounds_min: [f32; 4],
    bounds_max: [f32; 4],
    light: [f32; 4],
    fog: [f32; 4],
    grade: [f32; 4],
    grid: [f32; 4],
    weather: [f32; 4],
    sky_horizon: [f32; 4],
    sky_zenith: [f32; 4],
    key_light: [f32; 4],
    signs: [[[f32; 4]; 3]; MAX_SIGNS],
}

/// A resident scene's GPU side.
enum GpuSceneData {
    /// The grid's textures, bound for the ray march.
    Grid(wgpu::BindGroup),
    /// The splats with their work buffers, and the scene for the frame's look.
    Splats(Box<GpuSplats>, Box<SplatScene>),
}

/// Renders frames of one film at one resolution.
pub struct Renderer {
    ctx: GpuContext,
    width: u32,
    height: u32,
    uniforms: wgpu::Buffer,
    /// The film's scenes, those resident on the GPU (loaded ahead of their cut).
    scenes: SceneCache<GpuSceneData>,
    raymarch_layout: wgpu::BindGroupLayout,
    linear: wgpu::Sampler,
    raymarch: wgpu::RenderPipeline,
    grade: wgpu::RenderPipeline,
    grade_bind: wgpu::BindGroup,
    hdr_view: wgpu::TextureView,
    out_tex: wgpu::Texture,
    out_view: wgpu::TextureView,
    /// Two read-back slots: frame n renders while frame n−1 is read.
    readbacks: [Readback; 2],
    in_flight: Option<(usize, wgpu::SubmissionIndex, FrameParams)>,
    next_slot: usize,
    lut_tex: wgpu::Texture,
    mixer: LookMixer,
    mixed_for: Option<[f32; MAX_LOOKS]>,
    sign_view: wgpu::TextureView,
    /// Built when the first splat scene loads.
    splat_pipes: Option<SplatPipelines>,
    /// What a rebuild after a device loss needs.
    film: Film,
    signage: Signage,
    /// Set by the device-lost callback and by any uncaptured GPU error.
    fault: Arc<Mutex<Option<String>>>,
    recoveries: u32,
    warnings: Vec<String>,
}

/// How often one viewing may recreate a lost device before giving up.
const MAX_RECOVERIES: u32 = 3;

/// A sampled texture of `dimension` and `size` filled with `data` (tightly packed).
fn filled_texture(
    ctx: &GpuContext,
    label: &str,
    dimension: wgpu::TextureDimension,
    size: wgpu::Extent3d,
    format: wgpu::TextureFormat,
    data: &[u8],
    bytes_per_texel: u32,
) -> wgpu::Texture {
    let tex = ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension,
        format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    ctx.queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &tex,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        data,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(size.width * bytes_per_texel),
            rows_per_image: Some(size.height),
        },
        size,
    );
    tex
}

fn texture_3d(
    ctx: &GpuContext,
    label: &str,
    dims: [u32; 3],
    format: wgpu::TextureFormat,
    data: &[u8],
    bytes_per_texel: u32,
) -> (wgpu::Texture, wgpu::TextureView) {
    let size = wgpu::Extent3d {
        width: dims[0],
        height: dims[1],
        depth_or_array_layers: dims[2],
    };
    let d3 = wgpu::TextureDimension::D3;
    let tex = filled_texture(ctx, label, d3, size, format, data, bytes_per_texel);
    let view = tex.create_view(&wgpu::TextureViewDescriptor::default());
    (tex, view)
}

fn fullscreen_pipeline(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry: &str,
    layout: &wgpu::BindGroupLayout,
    format: wgpu::TextureFormat,
) -> wgpu::RenderPipeline {
    let module = ctx
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    let pl = ctx
        .device
        .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &[Some(layout)],
            immediate_size: 0,
        });
    ctx.device
        .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(label),
            layout: Some(&pl),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_fullscreen"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                targets: &[Some(format.into())],
            }),
            multiview_mask: None,
            cache: None,
        })
}

fn layout_entry(binding: u32, ty: wgpu::BindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty,
        count: None,
    }
}

fn tex_binding(dim: wgpu::TextureViewDimension) -> wgpu::BindingType {
    wgpu::BindingType::Texture {
        sample_type: wgpu::TextureSampleType::Float { filterable: true },
        view_dimension: dim,
        multisampled: false,
    }
}

/// The film's sign images as one 2D texture array (one transparent layer if none).
fn sign_array(ctx: &GpuContext, signage: &Signage) -> wgpu::TextureView {
    let blank = vec![0u8; (SIGN_SIZE[0] * SIGN_SIZE[1] * 4) as usize];
    let layers: Vec<&[u8]> = if signage.layers.is_empty() {
        vec![&blank]
    } else {
        signage.layers.iter().map(|l| &l[..]).collect()
    };
    let size = wgpu::Extent3d {
        width: SIGN_SIZE[0],
        height: SIGN_SIZE[1],
        depth_or_array_layers: layers.len() as u32,
    };
    let (d2, rgba8) = (wgpu::TextureDimension::D2, wgpu::TextureFormat::Rgba8Unorm);
    let tex = filled_texture(ctx, "signs", d2, size, rgba8, &layers.concat(), 4);
    tex.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(wgpu::TextureViewDimension::D2Array),
        ..Default::default()
    })
}

impl Renderer {
    /// Uploads the film's LUTs and signs and builds the pipelines for `width`×`height`;
    /// scenes upload on demand.
    pub fn new(
        ctx: GpuContext,
        film: &Film,
        signage: &Signage,
        width: u32,
        height: u32,
    ) -> Result<Self, RenderError> {
        let max = ctx.device.limits().max_texture_dimension_2d;
        if width > max || height > max {
            return Err(RenderError::TooLarge(width, height, max));
        }
        if signage.layers.len() as u32 > ctx.device.limits().max_texture_array_layers {
            return Err(RenderError::Gpu(format!(
                "{} sign images exceed the adapter's {} texture-array layers",
                signage.layers.len(),
                ctx.device.limits().max_texture_array_layers
            )));
        }
        let fault: Arc<Mutex<Option<String>>> = Arc::default();
        let on_lost = fault.clone();
        ctx.device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut f) = on_lost.lock() {
                f.get_or_insert(format!("device lost ({reason:?}): {message}"));
            }
        });
        let on_error = fault.clone();
        ctx.device
            .on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
                if let Ok(mut f) = on_error.lock() {
                    f.get_or_insert(e.to_string());
                }
            }));
        let sign_view = sign_array(&ctx, signage);
        let dev = &ctx.device;
        let uniforms = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame uniforms"),
            size: std::mem::size_of::<Uniforms>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let linear = dev.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("linear clamp"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let uniform_entry = layout_entry(
            0,
            wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
        );
        let sampler_ty = wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering);

        let raymarch_layout = dev.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("raymarch"),
            entries: &[
                uniform_entry,
                layout_entry(1, tex_binding(wgpu::TextureViewDimension::D3)),
                layout_entry(2, sampler_ty),
                layout_entry(3, tex_binding(wgpu::TextureViewDimension::D3)),
                layout_entry(4, tex_binding(wgpu::TextureViewDimension::D3)),
                layout_entry(5, tex_binding(wgpu::TextureViewDimension::D3)),
                layout_entry(
                    6,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Uint,
                        view_dimension: wgpu::TextureViewDimension::D3,
                        multisampled: false,
                    },
                ),
                layout_entry(7, tex_binding(wgpu::TextureViewDimension::D2Array)),
            ],
        });
        let scenes = SceneCache::new(film);

        let mixer = film_looks(film)?;
        let n = mixer.size() as u32;
        let lut_data = vec![0u8; (n * n * n * 8) as usize];
        let (lut_tex, lut_view) = texture_3d(
            &ctx,
            "grade lut",
            [n, n, n],
            wgpu::TextureFormat::Rgba16Float,
            &lut_data,
            8,
        );

        let extent = wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        };
        let hdr = dev.create_texture(&wgpu::TextureDescriptor {
            label: Some("hdr"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: HDR_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });
        let hdr_view = hdr.create_view(&Default::default());
        let out_tex = dev.create_texture(&wgpu::TextureDescriptor {
            label: Some("graded"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: OUT_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let out_view = out_tex.create_view(&Default::default());

        let grade_layout = dev.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("grade"),
            entries: &[
                uniform_entry,
                layout_entry(1, tex_binding(wgpu::TextureViewDimension::D2)),
                layout_entry(2, tex_binding(wgpu::TextureViewDimension::D3)),
                layout_entry(3, sampler_ty),
            ],
        });
        let grade_bind = dev.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("grade"),
            layout: &grade_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&hdr_view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&lut_view),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::Sampler(&linear),
                },
            ],
        });
        let raymarch = fullscreen_pipeline(
            &ctx,
            "raymarch",
            RAYMARCH_WGSL,
            "fs_raymarch",
            &raymarch_layout,
            HDR_FORMAT,
        );
        let grade = fullscreen_pipeline(
            &ctx,
            "grade",
            GRADE_WGSL,
            "fs_grade",
            &grade_layout,
            OUT_FORMAT,
        );

        let readbacks = [
            Readback::new(dev, width, height, 4),
            Readback::new(dev, width, height, 4),
        ];
        Ok(Self {
            ctx,
            width,
            height,
            uniforms,
            scenes,
            raymarch_layout,
            linear,
            raymarch,
            grade,
            grade_bind,
            hdr_view,
            out_tex,
            out_view,
            readbacks,
            in_flight: None,
            next_slot: 0,
            lut_tex,
            mixer,
            mixed_for: None,
            sign_view,
            splat_pipes: None,
            film: film.clone(),
            signage: signage.clone(),
            fault,
            recoveries: 0,
            warnings: Vec::new(),
        })
    }

    /// Warnings since the last call (a downscaled scene, a recreated device).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Destroys the device as a driver reset would, so tests and fault drills can check
    /// that playback recreates it and continues.
    pub fn lose_device(&self) {
        self.ctx.device.destroy();
    }

    /// Recreates the device and everything on it after a loss; resident scenes reload.
    fn recover(&mut self, why: String) -> Result<(), RenderError> {
        if self.recoveries >= MAX_RECOVERIES {
            return Err(RenderError::Gpu(format!(
                "{why}; gave up after recreating the device {MAX_RECOVERIES} times"
            )));
        }
        let ctx = GpuContext::new().map_err(|e| RenderError::Gpu(format!("{why}; {e}")))?;
        let mut fresh = Self::new(ctx, &self.film, &self.signage, self.width, self.height)?;
        for i in self.scenes.resident_indices() {
            fresh.load_scene(i)?;
        }
        fresh.recoveries = self.recoveries + 1;
        fresh.warnings = std::mem::take(&mut self.warnings);
        fresh
            .warnings
            .push(format!("GPU {why}; recreated the device and continued"));
        *self = fresh;
        Ok(())
    }

    fn fault(&self) -> Option<String> {
        self.fault.lock().ok().and_then(|f| f.clone())
    }

    /// Output size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Adapter description for reports.
    pub fn adapter_name(&self) -> &str {
        &self.ctx.adapter_name
    }

    /// Reads scene `i` and uploads it unless it is resident; true if it was loaded now.
    pub fn load_scene(&mut self, i: usize) -> Result<bool, RenderError> {
        if !self.scenes.wants(i) {
            return Ok(false);
        }
        let mut scene = match AnyScene::load(self.scenes.path(i))? {
            AnyScene::Grid(g) => g,
            AnyScene::Splats(sp) => {
                let pipes = self
                    .splat_pipes
                    .get_or_insert_with(|| SplatPipelines::new(&self.ctx, HDR_FORMAT));
                let g = GpuSplats::new(
                    &self.ctx,
                    pipes,
                    &sp,
                    &self.uniforms,
                    &self.sign_view,
                    &self.linear,
                )
                .map_err(|e| {
                    RenderError::Gpu(format!("scene {}: {e}", self.scenes.path(i).display()))
                })?;
                let info = sp.info.clone();
                let data = GpuSceneData::Splats(Box::new(g), sp);
                self.scenes.insert(i, data, info, &self.signage);
                return Ok(true);
            }
        };
        let max3d = self.ctx.device.limits().max_texture_dimension_3d;
        if scene.dims.iter().any(|&d| d > max3d) {
            let from = scene.dims;
            while scene.dims.iter().any(|&d| d > max3d) {
                scene = scene.halved();
            }
            self.warnings.push(format!(
                "scene {}: grid {from:?} exceeds the adapter's 3D texture limit of {max3d}; playing it downscaled to {:?}",
                self.scenes.path(i).display(),
                scene.dims
            ));
        }
        // `base`: SH coefficient 0 of r, g, b and density, read at every step;
        // `rest_*`: coefficients 1..3 per channel, read once per ray.
        let rgba16 = |label, texel: &dyn Fn(usize) -> [f32; 4]| {
            let data: Vec<u8> = (0..scene.density.len())
                .flat_map(texel)
                .flat_map(|x| f16::from_f32(x).to_le_bytes())
                .collect();
            let format = wgpu::TextureFormat::Rgba16Float;
            texture_3d(&self.ctx, label, scene.dims, format, &data, 8).1
        };
        let (sh, density) = (&scene.sh, &scene.density);
        let base_view = rgba16("scene base", &|i| {
            [sh[i][0], sh[i][4], sh[i][8], density[i]]
        });
        let views: Vec<wgpu::TextureView> = (0..3)
            .map(|c| {
                rgba16("scene sh rest", &|i| {
                    [sh[i][4 * c + 1], sh[i][4 * c + 2], sh[i][4 * c + 3], 0.0]
                })
            })
            .collect();
        let (_, occ_view) = texture_3d(
            &self.ctx,
            "scene occupancy",
            scene.occupancy.dims,
            wgpu::TextureFormat::R8Uint,
            &scene.occupancy.cells,
            1,
        );
        let tv = wgpu::BindingResource::TextureView;
        let entry = |binding, resource| wgpu::BindGroupEntry { binding, resource };
        let raymarch_bind = self
            .ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("raymarch"),
                layout: &self.raymarch_layout,
                entries: &[
                    entry(0, self.uniforms.as_entire_binding()),
                    entry(1, tv(&base_view)),
                    entry(2, wgpu::BindingResource::Sampler(&self.linear)),
                    entry(3, tv(&views[0])),
                    entry(4, tv(&views[1])),
                    entry(5, tv(&views[2])),
                    entry(6, tv(&occ_view)),
                    entry(7, tv(&self.sign_view)),
                ],
            });
        let info = scene.info();
        let data = GpuSceneData::Grid(raymarch_bind);
        self.scenes.insert(i, data, info, &self.signage);
        Ok(true)
    }

    /// Frees the GPU copies of every scene not in `keep`.
    pub fn retain_scenes(&mut self, keep: &[usize]) {
        self.scenes.retain(keep);
    }

    /// Number of scenes resident on the GPU.
    pub fn resident_scenes(&self) -> usize {
        self.scenes.resident_count()
    }

    /// Scene `i` without its texels, if resident.
    pub fn scene_info(&self, i: usize) -> Option<&SceneInfo> {
        self.scenes.get(i).map(|s| &s.info)
    }

    /// Uploads the blend of the looks for `weights` (the table includes the ungraded rest).
    fn upload_looks(&mut self, weights: &[f32; MAX_LOOKS]) {
        let lut = self.mixer.mix(weights);
        let data: Vec<u8> = lut
            .table
            .iter()
            .flat_map(|e| [e[0], e[1], e[2], 1.0])
            .flat_map(|v| f16::from_f32(v).to_le_bytes())
            .collect();
        let n = lut.size as u32;
        self.ctx.queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.lut_tex,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &data,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(n * 8),
                rows_per_image: Some(n),
            },
            wgpu::Extent3d {
                width: n,
                height: n,
                depth_or_array_layers: n,
            },
        );
        self.mixed_for = Some(*weights);
    }

    /// Submits `p` (if any) and reads back the frame submitted before it, so the GPU renders
    /// one frame while the CPU takes the previous one. Returns whether `out` holds a frame
    /// (tightly packed RGBA8, `width·height·4` bytes);
    /// call with `None` at the end to collect the last one. A lost device is recreated
    /// and the frames in flight rendered again (see [`Renderer::take_warnings`]).
    pub fn pipelined(
        &mut self,
        p: Option<&FrameParams>,
        out: &mut Vec<u8>,
    ) -> Result<bool, RenderError> {
        let replay = self.in_flight.as_ref().map(|f| f.2);
        let result = self.step(p, out);
        let why = match (&result, self.fault()) {
            (_, Some(fault)) => fault,
            (Err(RenderError::Gpu(e)), None) => e.clone(),
            _ => return result,
        };
        self.recover(why)?;
        if let Some(prev) = replay {
            self.step(Some(&prev), out)?;
        }
        self.step(p, out)
    }

    fn step(&mut self, p: Option<&FrameParams>, out: &mut Vec<u8>) -> Result<bool, RenderError> {
        let previous = self.in_flight.take();
        if let Some(p) = p {
            self.load_scene(p.scene)?;
            let slot = self.next_slot;
            let index = self.submit(p, slot)?;
            self.in_flight = Some((slot, index, *p));
            self.next_slot ^= 1;
        }
        let Some((slot, index, _)) = previous else {
            return Ok(false);
        };
        out.clear();
        out.reserve((self.width * self.height * 4) as usize);
        self.readbacks[slot]
            .read_after(&self.ctx.device, Some(index), |row| {
                out.extend_from_slice(row)
            })
            .map_err(|e| RenderError::Gpu(e.to_string()))?;
        Ok(true)
    }

    /// Encodes and submits one frame whose result is copied into read-back `slot`.
    fn submit(
        &mut self,
        p: &FrameParams,
        slot: usize,
    ) -> Result<wgpu::SubmissionIndex, RenderError> {
        if self.mixed_for != Some(p.look_weights) {
            self.upload_looks(&p.look_weights);
        }
        let s = self
            .scenes
            .get(p.scene)
            .ok_or(RenderError::NoScene(p.scene))?;
        let e = p.pose;
        let info = &s.info;
        let (signs, active) = sign_uniforms(info, &s.slot_map, &p.signs);
        let [hz, zn] = [info.sky.horizon, info.sky.zenith];
        let u = Uniforms {
            eye: [e.eye[0], e.eye[1], e.eye[2], (0.5 * e.fov_y).tan()],
            forward: [
                e.forward[0],
                e.forward[1],
                e.forward[2],
                self.width as f32 / self.height as f32,
            ],
            right: [e.right[0], e.right[1], e.right[2], MAX_STEPS as f32],
            up: [e.up[0], e.up[1], e.up[2], info.density_scale],
            bounds_min: [
                info.bounds_min[0],
                info.bounds_min[1],
                info.bounds_min[2],
                p.frame_index as f32,
            ],
            bounds_max: [
                info.bounds_max[0],
                info.bounds_max[1],
                info.bounds_max[2],
                (p.seed & 0xff_ffff) as f32,
            ],
            light: [p.light[0], p.light[1], p.light[2], p.exposure],
            fog: [FOG_COLOUR[0], FOG_COLOUR[1], FOG_COLOUR[2], p.fog],
            grade: [
                1.0,
                self.mixer.size() as f32,
                GRAIN,
                VIGNETTE_PER_DRIVE * p.drive,
            ],
            grid: [
                info.dims[0] as f32,
                info.dims[1] as f32,
                info.dims[2] as f32,
                info.occupancy_block as f32,
            ],
            weather: [p.rain, p.snow, active as f32, 0.0],
            sky_horizon: [hz[0], hz[1], hz[2], 0.0],
            sky_zenith: [zn[0], zn[1], zn[2], 0.0],
            key_light: p.key_light,
            signs,
        };
        self.ctx
            .queue
            .write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&u));

        let mut enc = self.ctx.device.create_command_encoder(&Default::default());
        let march = match &s.data {
            GpuSceneData::Grid(bind) => Some((&self.hdr_view, &self.raymarch, bind)),
            GpuSceneData::Splats(g, scene) => {
                let size = [self.width, self.height];
                let look = SplatLook::for_frame(p, scene, &s.slot_map, &self.signage.layers, size);
                let pipes = self.splat_pipes.as_ref().expect("built with the scene");
                g.record(&self.ctx, pipes, &look, &mut enc, &self.hdr_view);
                None
            }
        };
        let grade = (&self.out_view, &self.grade, &self.grade_bind);
        for (view, pipeline, bind) in march.into_iter().chain([grade]) {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: None,
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, bind, &[]);
            pass.draw(0..3, 0..1);
        }
        self.readbacks[slot].record(&mut enc, &self.out_tex);
        Ok(self.ctx.queue.submit([enc.finish()]))
    }
}

#[cfg(test)]
mod layout {
    use super::*;
    use crate::layout_check::{
        assert_no_drift, binding_drift, named_type, parse, rows, struct_drift, Row,
    };

    /// `Uniforms` field → `Frame` member. What each `.w` carries is set where `Uniforms` is
    /// filled in (`Renderer::render`) and read in the shaders, as `common.wgsl` documents.
    fn uniforms_rows() -> Vec<Row> {
        rows!(Uniforms {
            eye => "eye",
            forward => "forward",
            right => "right",
            up => "up",
            bounds_min => "bounds_min",
            bounds_max => "bounds_max",
            light => "light",
            fog => "fog",
            grade => "grade",
            grid => "grid",
            weather => "weather",
            sky_horizon => "sky_horizon",
            sky_zenith => "sky_zenith",
            key_light => "key_light",
            signs => "signs",
        })
    }

    /// Every module that binds `Frame`: the two here and the splat path's two.
    fn frame_modules() -> [(&'static str, String); 4] {
        [
            ("raymarch (common + raymarch)", RAYMARCH_WGSL.to_owned()),
            ("grade (common + grade)", GRADE_WGSL.to_owned()),
            (
                "splat project (common + splat_common + splat_project)",
                crate::splat::project_source(),
            ),
            (
                "splat draw (common + splat_common + splat_draw)",
                crate::splat::draw_source(),
            ),
        ]
    }

    #[test]
    fn uniforms_match_the_frame_every_shader_binds() {
        for (name, source) in frame_modules() {
            let module = parse(name, &source);
            let drift = binding_drift(
                &module,
                (0, 0),
                "Frame",
                "Uniforms",
                std::mem::size_of::<Uniforms>(),
                &uniforms_rows(),
            );
            assert_no_drift(&format!("{name}, @group(0) @binding(0)"), &drift);
        }
    }

    /// One sign of `Uniforms::signs` as `sign_uniforms` fills it ↔ `Sign`.
    #[test]
    fn sign_planes_match_sign() {
        for (name, source) in frame_modules() {
            let module = parse(name, &source);
            let sign = named_type(&module, "Sign").unwrap_or_else(|e| panic!("{name}: {e}"));
            let drift = struct_drift(
                &module,
                sign,
                "Uniforms.signs[_]",
                std::mem::size_of::<[[f32; 4]; 3]>(),
                &Row::elements::<[f32; 4], 3>(["centre", "right", "up"]),
            );
            assert_no_drift(&format!("{name}, Sign"), &drift);
        }
    }
}
