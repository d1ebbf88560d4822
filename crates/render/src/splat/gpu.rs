//! The wgpu splat path: a compute pass projects every Gaussian and writes its depth key
//! (`crates/render/shaders/splat_project.wgsl`), a stable radix sort orders the keys
//! (`crates/render/shaders/radix_sort.wgsl`, four 8-bit passes), and one instanced draw blends the
//! sorted entries front to back into the HDR target (`crates/render/shaders/splat_draw.wgsl`); the
//! renderer's grade pass follows as for grid scenes.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::cpu::{SplatLook, LAYERS, NEAR};
use super::SplatScene;
use crate::{GpuContext, ReadbackError};

const COMMON_WGSL: &str = concat!(
    include_str!("../../shaders/hash.wgsl"),
    include_str!("../../shaders/common.wgsl")
);
const SPLAT_COMMON_WGSL: &str = include_str!("../../shaders/splat_common.wgsl");
const PROJECT_WGSL: &str = include_str!("../../shaders/splat_project.wgsl");
const DRAW_WGSL: &str = include_str!("../../shaders/splat_draw.wgsl");
const SORT_WGSL: &str = include_str!("../../shaders/radix_sort.wgsl");
/// Pairs per sort workgroup (`BLOCK` in the shader).
const BLOCK: u32 = 256;
/// Radix-sort passes of 8 bits over 32-bit keys.
const SORT_PASSES: u32 = 4;
/// Up to this many sort workgroups one workgroup scans all digits (`scan_small`);
/// beyond, one workgroup per digit (`scan`).
const SMALL_SCAN_GROUPS: u32 = 64;
/// Most entries one frame sorts: the workgroup count must fit one dispatch dimension.
pub const MAX_ENTRIES: usize = 65_535 * BLOCK as usize;

/// Why splats could not be put on the GPU or sorted there: a capture beyond what one
/// frame's sort or this adapter's buffers take, or a failed read-back.
#[derive(Debug, thiserror::Error)]
pub enum SplatGpuError {
    /// More splats than one frame's sort takes.
    #[error("{count} splats; the GPU path sorts at most {max} per frame", max = MAX_ENTRIES - LAYERS)]
    TooManySplats { count: usize },
    /// A storage buffer larger than the adapter binds.
    #[error(
        "{count} splats need a {bytes}-byte storage buffer; this adapter binds at most {limit}"
    )]
    BufferTooLarge {
        count: usize,
        bytes: usize,
        limit: usize,
    },
    /// [`sort_on_gpu`] was given no pairs or too many.
    #[error("{count} pairs; 1..={MAX_ENTRIES} supported")]
    PairCount { count: usize },
    /// The sorted pairs could not be read back.
    #[error(transparent)]
    Readback(#[from] ReadbackError),
}

/// The projection pass's WGSL, as compiled.
pub(crate) fn project_source() -> String {
    [COMMON_WGSL, SPLAT_COMMON_WGSL, PROJECT_WGSL].concat()
}

/// The draw pass's WGSL, as compiled.
pub(crate) fn draw_source() -> String {
    [COMMON_WGSL, SPLAT_COMMON_WGSL, DRAW_WGSL].concat()
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct SplatParams {
    size: [f32; 4],
    counts: [u32; 4],
    layer_keys: [u32; 8],
    misc: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct SortPass {
    count: u32,
    shift: u32,
    index: u32,
    groups: u32,
}

fn entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    ty: wgpu::BindingType,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty,
        count: None,
    }
}

fn storage(read_only: bool) -> wgpu::BindingType {
    wgpu::BindingType::Buffer {
        ty: wgpu::BufferBindingType::Storage { read_only },
        has_dynamic_offset: false,
        min_binding_size: None,
    }
}

fn uniform(dynamic: bool) -> wgpu::BindingType {
    wgpu::BindingType::Buffer {
        ty: wgpu::BufferBindingType::Uniform,
        has_dynamic_offset: dynamic,
        min_binding_size: None,
    }
}

/// The splat pipelines, built once per device when the first splat scene loads.
pub(crate) struct SplatPipelines {
    project: wgpu::ComputePipeline,
    histogram: wgpu::ComputePipeline,
    scan: wgpu::ComputePipeline,
    scan_small: wgpu::ComputePipeline,
    scatter: wgpu::ComputePipeline,
    draw: wgpu::RenderPipeline,
    project_layout: wgpu::BindGroupLayout,
    sort_layout: wgpu::BindGroupLayout,
    draw_layout: wgpu::BindGroupLayout,
}

fn compute(
    dev: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    module: &wgpu::ShaderModule,
    entry_point: &str,
) -> wgpu::ComputePipeline {
    dev.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry_point),
        layout: Some(layout),
        module,
        entry_point: Some(entry_point),
        compilation_options: Default::default(),
        cache: None,
    })
}

impl SplatPipelines {
    /// Compiles the shaders for a `target`-format HDR attachment.
    pub(crate) fn new(ctx: &GpuContext, target: wgpu::TextureFormat) -> Self {
        let dev = &ctx.device;
        let cs = wgpu::ShaderStages::COMPUTE;
        let vf = wgpu::ShaderStages::VERTEX_FRAGMENT;
        let module = |label, src: String| {
            dev.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(src.into()),
            })
        };
        let layout = |label, entries: &[wgpu::BindGroupLayoutEntry]| {
            dev.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries,
            })
        };
        let pipeline_layout = |bgl: &wgpu::BindGroupLayout| {
            dev.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: None,
                bind_group_layouts: &[Some(bgl)],
                immediate_size: 0,
            })
        };
        let project_layout = layout(
            "splat project",
            &[
                entry(0, cs, uniform(false)),
                entry(1, cs, uniform(false)),
                entry(2, cs, storage(true)),
                entry(3, cs, storage(true)),
                entry(4, cs, storage(false)),
                entry(5, cs, storage(false)),
            ],
        );
        let sort_layout = layout(
            "radix sort",
            &[
                entry(0, cs, uniform(true)),
                entry(1, cs, storage(true)),
                entry(2, cs, storage(false)),
                entry(3, cs, storage(false)),
                entry(4, cs, storage(false)),
            ],
        );
        let draw_layout = layout(
            "splat draw",
            &[
                entry(0, vf, uniform(false)),
                entry(1, vf, uniform(false)),
                entry(2, wgpu::ShaderStages::VERTEX, storage(true)),
                entry(3, wgpu::ShaderStages::VERTEX, storage(true)),
                entry(
                    4,
                    wgpu::ShaderStages::FRAGMENT,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2Array,
                        multisampled: false,
                    },
                ),
                entry(
                    5,
                    wgpu::ShaderStages::FRAGMENT,
                    wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                ),
            ],
        );
        let project_module = module("splat project", project_source());
        let sort_module = module("radix sort", SORT_WGSL.to_owned());
        let draw_module = module("splat draw", draw_source());
        let sort_pl = pipeline_layout(&sort_layout);
        let draw_pl = pipeline_layout(&draw_layout);
        // Front to back: what is already there hides what comes after.
        let under = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::OneMinusDstAlpha,
            dst_factor: wgpu::BlendFactor::One,
            operation: wgpu::BlendOperation::Add,
        };
        let draw = dev.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("splat draw"),
            layout: Some(&draw_pl),
            vertex: wgpu::VertexState {
                module: &draw_module,
                entry_point: Some("vs_entry"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleStrip,
                ..Default::default()
            },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &draw_module,
                entry_point: Some("fs_entry"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: target,
                    blend: Some(wgpu::BlendState {
                        color: under,
                        alpha: under,
                    }),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        Self {
            project: compute(
                dev,
                &pipeline_layout(&project_layout),
                &project_module,
                "project",
            ),
            histogram: compute(dev, &sort_pl, &sort_module, "histogram"),
            scan: compute(dev, &sort_pl, &sort_module, "scan"),
            scan_small: compute(dev, &sort_pl, &sort_module, "scan_small"),
            scatter: compute(dev, &sort_pl, &sort_module, "scatter"),
            draw,
            project_layout,
            sort_layout,
            draw_layout,
        }
    }
}

/// A stable GPU radix sort of (key, value) pairs in `pairs` (the other buffer is the
/// ping-pong partner): the sort the splat path runs every frame.
pub(crate) struct RadixSort {
    passes: wgpu::Buffer,
    totals: wgpu::Buffer,
    binds: [wgpu::BindGroup; 2],
    count: u32,
    groups: u32,
    stride: u32,
}

impl RadixSort {
    /// Sorts the first `count` pairs of `pairs[0]`, using `pairs[1]` as scratch.
    pub(crate) fn new(
        ctx: &GpuContext,
        pipes: &SplatPipelines,
        pairs: [&wgpu::Buffer; 2],
        count: u32,
    ) -> Self {
        let dev = &ctx.device;
        let groups = count.div_ceil(BLOCK).max(1);
        let stride = dev.limits().min_uniform_buffer_offset_alignment.max(16);
        let pass_size = std::mem::size_of::<SortPass>();
        let mut pass_bytes = vec![0u8; (stride * SORT_PASSES) as usize];
        for p in 0..SORT_PASSES {
            let at = (p * stride) as usize;
            pass_bytes[at..at + pass_size].copy_from_slice(bytemuck::bytes_of(&SortPass {
                count,
                shift: 8 * p,
                index: p,
                groups,
            }));
        }
        let passes = buffer_with(ctx, "sort passes", &pass_bytes, wgpu::BufferUsages::UNIFORM);
        let hist = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sort histograms"),
            size: 4 * 256 * groups as u64,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let totals = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sort totals"),
            size: 4 * 256 * SORT_PASSES as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = |src: &wgpu::Buffer, dst: &wgpu::Buffer| {
            dev.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("radix sort"),
                layout: &pipes.sort_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &passes,
                            offset: 0,
                            size: wgpu::BufferSize::new(16),
                        }),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: src.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: dst.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: hist.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: totals.as_entire_binding(),
                    },
                ],
            })
        };
        let binds = [bind(pairs[0], pairs[1]), bind(pairs[1], pairs[0])];
        Self {
            passes,
            totals,
            binds,
            count,
            groups,
            stride,
        }
    }

    /// Records the sort; the sorted pairs end in the first buffer.
    pub(crate) fn record(&self, pipes: &SplatPipelines, enc: &mut wgpu::CommandEncoder) {
        let _ = (&self.passes, self.count);
        enc.clear_buffer(&self.totals, 0, None);
        let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("radix sort"),
            timestamp_writes: None,
        });
        for p in 0..SORT_PASSES {
            cp.set_bind_group(0, &self.binds[(p % 2) as usize], &[p * self.stride]);
            cp.set_pipeline(&pipes.histogram);
            cp.dispatch_workgroups(self.groups, 1, 1);
            if self.groups <= SMALL_SCAN_GROUPS {
                cp.set_pipeline(&pipes.scan_small);
                cp.dispatch_workgroups(1, 1, 1);
            } else {
                cp.set_pipeline(&pipes.scan);
                cp.dispatch_workgroups(256, 1, 1);
            }
            cp.set_pipeline(&pipes.scatter);
            cp.dispatch_workgroups(self.groups, 1, 1);
        }
    }
}

fn buffer_with(
    ctx: &GpuContext,
    label: &str,
    data: &[u8],
    usage: wgpu::BufferUsages,
) -> wgpu::Buffer {
    let b = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: (data.len() as u64).max(16).next_multiple_of(4),
        usage: usage | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    ctx.queue.write_buffer(&b, 0, data);
    b
}

/// A splat scene resident on the GPU with its per-frame work buffers.
pub(crate) struct GpuSplats {
    params: wgpu::Buffer,
    project_bind: wgpu::BindGroup,
    draw_bind: wgpu::BindGroup,
    sort: RadixSort,
    count: u32,
    entries: u32,
    sh_degree: u32,
    words: u32,
}

impl GpuSplats {
    /// Uploads `scene`; `frame` is the renderer's frame uniform block, `signs` and
    /// `sampler` its sign images.
    pub(crate) fn new(
        ctx: &GpuContext,
        pipes: &SplatPipelines,
        scene: &SplatScene,
        frame: &wgpu::Buffer,
        signs: &wgpu::TextureView,
        sampler: &wgpu::Sampler,
    ) -> Result<Self, SplatGpuError> {
        let s = &scene.splats;
        let n = s.len();
        let entries = n + LAYERS;
        if entries > MAX_ENTRIES {
            return Err(SplatGpuError::TooManySplats { count: n });
        }
        let per = ((s.sh_degree + 1) * (s.sh_degree + 1)) as usize;
        let words = (3 * per).div_ceil(2);
        let mut geom = Vec::with_capacity(n * 12);
        let mut sh = Vec::with_capacity(n * words);
        for i in 0..n {
            let [x, y, z] = s.positions[i];
            geom.extend([x, y, z, s.opacities[i]]);
            let [a, b, c] = s.scales[i];
            geom.extend([a, b, c, 0.0]);
            geom.extend(s.rotations[i]);
            let coeffs = &s.sh[3 * per * i..3 * per * (i + 1)];
            for k in 0..words {
                let lo = f16::from_f32(coeffs[2 * k]).to_bits() as u32;
                let hi = coeffs
                    .get(2 * k + 1)
                    .map_or(0, |&v| f16::from_f32(v).to_bits() as u32);
                sh.push(lo | (hi << 16));
            }
        }
        let limit = ctx.device.limits().max_storage_buffer_binding_size as usize;
        let biggest = (geom.len() * 4).max(sh.len() * 4);
        if biggest > limit {
            return Err(SplatGpuError::BufferTooLarge {
                count: n,
                bytes: biggest,
                limit,
            });
        }
        let storage = wgpu::BufferUsages::STORAGE;
        let geom = buffer_with(ctx, "splat geometry", bytemuck::cast_slice(&geom), storage);
        let sh = buffer_with(ctx, "splat sh", bytemuck::cast_slice(&sh), storage);
        let dev = &ctx.device;
        let projected = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("splats projected"),
            size: 48 * n as u64,
            usage: storage,
            mapped_at_creation: false,
        });
        let pair_buffer = || {
            dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some("sort pairs"),
                size: 8 * entries as u64,
                usage: storage,
                mapped_at_creation: false,
            })
        };
        let pairs = [pair_buffer(), pair_buffer()];
        let params = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("splat params"),
            size: std::mem::size_of::<SplatParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = |layout, resources: &[wgpu::BindingResource]| {
            let entries: Vec<wgpu::BindGroupEntry> = resources
                .iter()
                .enumerate()
                .map(|(i, r)| wgpu::BindGroupEntry {
                    binding: i as u32,
                    resource: r.clone(),
                })
                .collect();
            dev.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout,
                entries: &entries,
            })
        };
        let project_bind = bind(
            &pipes.project_layout,
            &[
                frame.as_entire_binding(),
                params.as_entire_binding(),
                geom.as_entire_binding(),
                sh.as_entire_binding(),
                projected.as_entire_binding(),
                pairs[0].as_entire_binding(),
            ],
        );
        let draw_bind = bind(
            &pipes.draw_layout,
            &[
                frame.as_entire_binding(),
                params.as_entire_binding(),
                projected.as_entire_binding(),
                pairs[0].as_entire_binding(),
                wgpu::BindingResource::TextureView(signs),
                wgpu::BindingResource::Sampler(sampler),
            ],
        );
        let sort = RadixSort::new(ctx, pipes, [&pairs[0], &pairs[1]], entries as u32);
        Ok(Self {
            params,
            project_bind,
            draw_bind,
            sort,
            count: n as u32,
            entries: entries as u32,
            sh_degree: s.sh_degree,
            words: words as u32,
        })
    }

    /// Records one frame into `hdr` (cleared first); the frame uniform block must
    /// already hold `look`'s camera, light, fog, weather and signs.
    pub(crate) fn record(
        &self,
        ctx: &GpuContext,
        pipes: &SplatPipelines,
        look: &SplatLook,
        enc: &mut wgpu::CommandEncoder,
        hdr: &wgpu::TextureView,
    ) {
        let [w, h] = look.size.map(|v| v as f32);
        let tan_half = (0.5 * look.pose.fov_y).tan();
        let keys = look.layer_keys();
        let params = SplatParams {
            size: [w, h, 0.5 * w / (tan_half * (w / h)), 0.5 * h / tan_half],
            counts: [self.count, self.sh_degree, self.entries, self.words],
            layer_keys: keys,
            misc: [NEAR, 0.0, 0.0, 0.0],
        };
        ctx.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        {
            let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("splat project"),
                timestamp_writes: None,
            });
            cp.set_pipeline(&pipes.project);
            cp.set_bind_group(0, &self.project_bind, &[]);
            cp.dispatch_workgroups(self.entries.div_ceil(BLOCK), 1, 1);
        }
        self.sort.record(pipes, enc);
        let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("splat draw"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: hdr,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(&pipes.draw);
        pass.set_bind_group(0, &self.draw_bind, &[]);
        pass.draw(0..4, 0..self.entries);
    }
}

/// Sorts `(key, value)` pairs with the splat path's GPU radix sort and reads them back
/// (stable: equal keys keep their order), so tests and benchmarks can check and time
/// the sort on its own.
pub fn sort_on_gpu(
    ctx: &GpuContext,
    pairs: &[(u32, u32)],
) -> Result<Vec<(u32, u32)>, SplatGpuError> {
    if pairs.is_empty() || pairs.len() > MAX_ENTRIES {
        return Err(SplatGpuError::PairCount { count: pairs.len() });
    }
    let pipes = SplatPipelines::new(ctx, wgpu::TextureFormat::Rgba16Float);
    let flat: Vec<u32> = pairs.iter().flat_map(|&(k, v)| [k, v]).collect();
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    let a = buffer_with(ctx, "pairs", bytemuck::cast_slice(&flat), usage);
    let b = buffer_with(ctx, "pairs scratch", bytemuck::cast_slice(&flat), usage);
    let sort = RadixSort::new(ctx, &pipes, [&a, &b], pairs.len() as u32);
    let bytes = 8 * pairs.len() as u64;
    let read = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("sorted pairs"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut enc = ctx.device.create_command_encoder(&Default::default());
    sort.record(&pipes, &mut enc);
    enc.copy_buffer_to_buffer(&a, 0, &read, 0, bytes);
    let index = ctx.queue.submit([enc.finish()]);
    let slice = read.slice(..);
    crate::readback::map_for_reading(&ctx.device, &slice, Some(index))?;
    let data = slice.get_mapped_range().map_err(ReadbackError::from)?;
    let words: &[u32] = bytemuck::cast_slice(&data);
    Ok(words.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

#[cfg(test)]
mod layout {
    use super::*;
    use crate::layout_check::{assert_no_drift, binding_drift, parse, rows};

    #[test]
    fn splat_params_match_both_splat_passes() {
        let rows = rows!(SplatParams {
            size => "size",
            counts => "counts",
            layer_keys => "layer_keys",
            misc => "misc",
        });
        for (name, source) in [
            ("splat project", project_source()),
            ("splat draw", draw_source()),
        ] {
            let module = parse(name, &source);
            let drift = binding_drift(
                &module,
                (0, 1),
                "SplatParams",
                "SplatParams",
                std::mem::size_of::<SplatParams>(),
                &rows,
            );
            assert_no_drift(&format!("{name}, @group(0) @binding(1)"), &drift);
        }
    }

    #[test]
    fn sort_pass_matches_the_radix_sort() {
        let rows = rows!(SortPass {
            count => "count",
            shift => "shift",
            index => "index",
            groups => "groups",
        });
        let module = parse("radix sort", SORT_WGSL);
        let drift = binding_drift(
            &module,
            (0, 0),
            "SortPass",
            "SortPass",
            std::mem::size_of::<SortPass>(),
            &rows,
        );
        assert_no_drift("radix sort, @group(0) @binding(0)", &drift);
    }
}
