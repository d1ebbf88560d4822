//! The grade on the GPU: one compute pass (`crates/render/shaders/grade_image.wgsl`) with the CPU's
//! maths. LUT entries are fetched exactly (no hardware filtering, whose 8-bit sub-texel
//! weights would cost ~1e-3) from either a 3D texture or a storage buffer.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::cube::Interp;
use super::ops::Grade;
use crate::{GpuContext, Readback, ReadbackError};

const SHADER: &str = concat!(
    include_str!("../../shaders/hash.wgsl"),
    include_str!("../../shaders/grade_image.wgsl")
);
const FETCH_TEXTURE: &str = "@group(0) @binding(4) var lut_tex: texture_3d<f32>;
fn lut_fetch(r: u32, g: u32, b: u32) -> vec3<f32> { return textureLoad(lut_tex, vec3<u32>(r, g, b), 0).rgb; }
";
const FETCH_BUFFER: &str = "@group(0) @binding(4) var<storage, read> lut_buf: array<vec4<f32>>;
fn lut_fetch(r: u32, g: u32, b: u32) -> vec3<f32> { return lut_buf[r + p.lut_n * (g + p.lut_n * b)].rgb; }
";

/// Where the 3D table lives on the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LutStorage {
    /// An `Rgba32Float` 3D texture read with `textureLoad`.
    Texture,
    /// A storage buffer of `vec4<f32>`.
    Buffer,
}

/// Precision of the frame on the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramePrecision {
    /// `Rgba32Float` in and out.
    F32,
    /// `Rgba16Float` in and out (half the bandwidth).
    F16,
}

impl FramePrecision {
    fn format(self) -> wgpu::TextureFormat {
        match self {
            Self::F32 => wgpu::TextureFormat::Rgba32Float,
            Self::F16 => wgpu::TextureFormat::Rgba16Float,
        }
    }
    fn wgsl(self) -> &'static str {
        match self {
            Self::F32 => "rgba32float",
            Self::F16 => "rgba16float",
        }
    }
    fn texel_bytes(self) -> u32 {
        match self {
            Self::F32 => 16,
            Self::F16 => 8,
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    size: [u32; 2],
    frame: u32,
    seed: u32,
    interp: u32,
    lut_n: u32,
    shaper_n: u32,
    ops: u32,
    lut_min: [f32; 4],
    lut_max: [f32; 4],
    shaper_min: [f32; 4],
    shaper_max: [f32; 4],
    wb: [f32; 4],
    slope: [f32; 4],
    offset: [f32; 4],
    power: [f32; 4],
    lift: [f32; 4],
    gamma_inv: [f32; 4],
    gain: [f32; 4],
    misc: [f32; 4],
}

/// The grade pass's WGSL for tables in `storage` and frames of `precision`, as compiled.
fn shader_source(storage: LutStorage, precision: FramePrecision) -> String {
    let fetch = match storage {
        LutStorage::Texture => FETCH_TEXTURE,
        LutStorage::Buffer => FETCH_BUFFER,
    };
    SHADER.replace("OUT_FORMAT", precision.wgsl()) + fetch
}

fn v4(v: [f32; 3], w: f32) -> [f32; 4] {
    [v[0], v[1], v[2], w]
}

/// A compiled grade for frames of one size.
pub struct GpuGrader {
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipeline: wgpu::ComputePipeline,
    bind: wgpu::BindGroup,
    params_buf: wgpu::Buffer,
    params: Params,
    src: wgpu::Texture,
    dst: wgpu::Texture,
    readback: Readback,
    precision: FramePrecision,
    width: u32,
    height: u32,
}

impl GpuGrader {
    /// Uploads the grade's tables and builds the pass for `width`×`height` frames.
    pub fn new(
        ctx: &GpuContext,
        grade: &Grade,
        storage: LutStorage,
        precision: FramePrecision,
        width: u32,
        height: u32,
    ) -> Self {
        let device = ctx.device.clone();
        let queue = ctx.queue.clone();
        let source = shader_source(storage, precision);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("grade_image"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("grade_image"),
            layout: None,
            module: &module,
            entry_point: Some("grade"),
            compilation_options: Default::default(),
            cache: None,
        });

        let lut = grade.lut.as_ref();
        let shaper = lut.and_then(|l| l.shaper.as_ref());
        let cube = lut.and_then(|l| l.cube.as_ref());
        let rows = |t: &[[f32; 3]]| -> Vec<f32> {
            t.iter().flat_map(|e| [e[0], e[1], e[2], 0.0]).collect()
        };
        let shaper_data = shaper.map_or(vec![0.0; 8], |s| rows(&s.table));
        let lut_data = cube.map_or(vec![0.0; 32], |c| rows(&c.table));
        let lut_n = cube.map_or(2, |c| c.size as u32);
        let storage_buffer = |label: &str, data: &[f32]| {
            let buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (data.len() * 4) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            queue.write_buffer(&buf, 0, bytemuck::cast_slice(data));
            buf
        };
        let shaper_buf = storage_buffer("shaper", &shaper_data);
        let lut_resource: (Option<wgpu::Buffer>, Option<wgpu::TextureView>) = match storage {
            LutStorage::Buffer => (Some(storage_buffer("lut", &lut_data)), None),
            LutStorage::Texture => {
                let size = wgpu::Extent3d {
                    width: lut_n,
                    height: lut_n,
                    depth_or_array_layers: lut_n,
                };
                let tex = device.create_texture(&wgpu::TextureDescriptor {
                    label: Some("lut"),
                    size,
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D3,
                    format: wgpu::TextureFormat::Rgba32Float,
                    usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                    view_formats: &[],
                });
                queue.write_texture(
                    wgpu::TexelCopyTextureInfo {
                        texture: &tex,
                        mip_level: 0,
                        origin: wgpu::Origin3d::ZERO,
                        aspect: wgpu::TextureAspect::All,
                    },
                    bytemuck::cast_slice(&lut_data),
                    wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(lut_n * 16),
                        rows_per_image: Some(lut_n),
                    },
                    size,
                );
                (None, Some(tex.create_view(&Default::default())))
            }
        };

        let p = &grade.params;
        let params = Params {
            size: [width, height],
            frame: 0,
            seed: p.seed,
            interp: (grade.interp == Interp::Tetrahedral) as u32,
            lut_n: if cube.is_some() { lut_n } else { 0 },
            shaper_n: shaper.map_or(0, |s| s.size as u32),
            ops: grade.active_ops(),
            lut_min: v4(cube.map_or([0.0; 3], |c| c.domain_min), 0.0),
            lut_max: v4(cube.map_or([1.0; 3], |c| c.domain_max), 0.0),
            shaper_min: v4(shaper.map_or([0.0; 3], |s| s.domain_min), 0.0),
            shaper_max: v4(shaper.map_or([1.0; 3], |s| s.domain_max), 0.0),
            wb: [
                1.0 + 0.2 * p.temperature,
                1.0 - 0.2 * p.tint,
                1.0 - 0.2 * p.temperature,
                1.0,
            ],
            slope: v4(p.cdl.slope, 0.0),
            offset: v4(p.cdl.offset, 0.0),
            power: v4(p.cdl.power, 0.0),
            lift: v4(p.lift, 0.0),
            gamma_inv: v4(p.gamma.map(|g| 1.0 / g), 0.0),
            gain: v4(p.gain, 0.0),
            misc: [p.strength, p.vignette, p.grain, p.cdl.saturation],
        };
        let params_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("grade params"),
            size: std::mem::size_of::<Params>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        queue.write_buffer(&params_buf, 0, bytemuck::bytes_of(&params));

        let frame_tex = |label: &str, usage: wgpu::TextureUsages| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d {
                    width,
                    height,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: precision.format(),
                usage,
                view_formats: &[],
            })
        };
        let src = frame_tex(
            "grade src",
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        );
        let dst = frame_tex(
            "grade dst",
            wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::COPY_SRC,
        );
        let src_view = src.create_view(&Default::default());
        let dst_view = dst.create_view(&Default::default());
        let lut_binding = match (&lut_resource.0, &lut_resource.1) {
            (Some(b), _) => b.as_entire_binding(),
            (None, Some(v)) => wgpu::BindingResource::TextureView(v),
            (None, None) => unreachable!("one LUT resource is always made"),
        };
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("grade"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&src_view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&dst_view),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: shaper_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: lut_binding,
                },
            ],
        });
        let readback = Readback::new(&device, width, height, precision.texel_bytes());
        Self {
            device,
            queue,
            pipeline,
            bind,
            params_buf,
            params,
            src,
            dst,
            readback,
            precision,
            width,
            height,
        }
    }

    /// Uploads a frame of interleaved RGB f32.
    pub fn upload(&self, rgb: &[f32]) {
        let rgba: Vec<u8> = match self.precision {
            FramePrecision::F32 => rgb
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 1.0])
                .flat_map(f32::to_le_bytes)
                .collect(),
            FramePrecision::F16 => rgb
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 1.0])
                .flat_map(|v| f16::from_f32(v).to_le_bytes())
                .collect(),
        };
        self.queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.src,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(self.width * self.precision.texel_bytes()),
                rows_per_image: Some(self.height),
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
    }

    /// Runs the grade pass on the uploaded frame and waits for it; returns the GPU-side wall time.
    pub fn run(&mut self, frame: u32) -> std::time::Duration {
        self.params.frame = frame;
        self.queue
            .write_buffer(&self.params_buf, 0, bytemuck::bytes_of(&self.params));
        let start = std::time::Instant::now();
        let mut enc = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("grade"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind, &[]);
            pass.dispatch_workgroups(self.width.div_ceil(8), self.height.div_ceil(8), 1);
        }
        self.queue.submit([enc.finish()]);
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
        start.elapsed()
    }

    /// Reads the graded frame back as interleaved RGB f32.
    pub fn download(&self) -> Result<Vec<f32>, ReadbackError> {
        let mut enc = self.device.create_command_encoder(&Default::default());
        self.readback.record(&mut enc, &self.dst);
        self.queue.submit([enc.finish()]);
        let mut out = Vec::with_capacity((self.width * self.height * 3) as usize);
        let precision = self.precision;
        self.readback.read(&self.device, |row| match precision {
            FramePrecision::F32 => {
                for px in row.chunks_exact(16) {
                    out.extend((0..3).map(|c| {
                        f32::from_le_bytes([px[4 * c], px[4 * c + 1], px[4 * c + 2], px[4 * c + 3]])
                    }));
                }
            }
            FramePrecision::F16 => {
                for px in row.chunks_exact(8) {
                    out.extend(
                        (0..3).map(|c| f16::from_le_bytes([px[2 * c], px[2 * c + 1]]).to_f32()),
                    );
                }
            }
        })?;
        Ok(out)
    }

    /// Grades one frame of interleaved RGB f32 in place (upload, pass, read back).
    pub fn grade(&mut self, rgb: &mut [f32], frame: u32) -> Result<(), ReadbackError> {
        self.upload(rgb);
        self.run(frame);
        let out = self.download()?;
        rgb.copy_from_slice(&out);
        Ok(())
    }
}

#[cfg(test)]
mod layout {
    use super::*;
    use crate::layout_check::{assert_no_drift, binding_drift, parse, rows};

    #[test]
    fn params_match_every_variant_of_the_grade_pass() {
        let rows = rows!(Params {
            size => "size",
            frame => "frame",
            seed => "seed",
            interp => "interp",
            lut_n => "lut_n",
            shaper_n => "shaper_n",
            ops => "ops",
            lut_min => "lut_min",
            lut_max => "lut_max",
            shaper_min => "shaper_min",
            shaper_max => "shaper_max",
            wb => "wb",
            slope => "slope",
            offset => "offset",
            power => "power",
            lift => "lift",
            gamma_inv => "gamma_inv",
            gain => "gain",
            misc => "misc",
        });
        for storage in [LutStorage::Texture, LutStorage::Buffer] {
            for precision in [FramePrecision::F32, FramePrecision::F16] {
                let name = format!("grade_image ({storage:?} LUT, {precision:?} frames)");
                let module = parse(&name, &shader_source(storage, precision));
                let drift = binding_drift(
                    &module,
                    (0, 0),
                    "Params",
                    "Params",
                    std::mem::size_of::<Params>(),
                    &rows,
                );
                assert_no_drift(&format!("{name}, @group(0) @binding(0)"), &drift);
            }
        }
    }
}
