//! The window's GPU side: the surface (configured, reconfigured on resize, recreated
//! when lost), the film frame letterboxed into it, and the HUD's panels, lines and
//! text (glyphon) drawn over it. The same draw goes to an offscreen texture for
//! screenshots, so a screenshot is exactly what the window shows.

use std::sync::Arc;

use glyphon::{
    Attrs, Buffer, Cache, Color, Family, FontSystem, Metrics, Resolution, Shaping, SwashCache,
    TextArea, TextAtlas, TextBounds, TextRenderer, Viewport,
};
use winit::window::Window;

use super::DesktopError;

const PRESENT_WGSL: &str = include_str!("../shaders/present.wgsl");
const HUD_WGSL: &str = include_str!("../shaders/hud.wgsl");

/// Most HUD vertices drawn in one frame (the buffer is made once at this size).
pub const MAX_HUD_VERTICES: usize = 16_384;

/// One HUD vertex: window pixels and a colour (sRGB bytes / 255, alpha straight).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct HudVertex {
    /// Position in window pixels, y down.
    pub pos: [f32; 2],
    /// Colour.
    pub colour: [f32; 4],
}

/// Where the HUD vertex shader reads each [`HudVertex`] field (`VIn` in `shaders/hud.wgsl`).
const HUD_ATTRIBUTES: [wgpu::VertexAttribute; 2] =
    wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x4];

/// The HUD shader's `Screen` uniform: the target's size in pixels.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct HudScreen {
    size: [f32; 2],
    pad: [f32; 2],
}

/// A block of HUD text and where it goes.
pub struct TextBlock {
    buffer: Buffer,
    text: String,
    left: f32,
    top: f32,
    colour: Color,
    visible: bool,
}

/// What the HUD draws this frame.
pub struct HudLayer {
    /// Panels and lines.
    pub vertices: Vec<HudVertex>,
    /// Text blocks (kept between frames; re-shaped only when their text changes).
    pub texts: Vec<TextBlock>,
    font_system: FontSystem,
}

impl HudLayer {
    fn new() -> Self {
        let font = glyphon::fontdb::Source::Binary(Arc::new(livingfilm_player::fonts::UI_FONT));
        Self {
            vertices: Vec::with_capacity(MAX_HUD_VERTICES),
            texts: Vec::new(),
            font_system: FontSystem::new_with_fonts([font]),
        }
    }

    /// Sets text block `k` (made on first use) to `text` at (`left`, `top`) pixels.
    pub fn text(&mut self, k: usize, text: &str, left: f32, top: f32, size: f32, rgb: [u8; 3]) {
        while self.texts.len() <= k {
            let mut buffer = Buffer::new(&mut self.font_system, Metrics::new(size, size * 1.3));
            // One line per block: what does not fit is cut by the HUD, never wrapped over
            // the next line.
            buffer.set_wrap(glyphon::Wrap::None);
            self.texts.push(TextBlock {
                buffer,
                text: String::new(),
                left: 0.0,
                top: 0.0,
                colour: Color::rgb(255, 255, 255),
                visible: false,
            });
        }
        let fs = &mut self.font_system;
        let b = &mut self.texts[k];
        b.left = left;
        b.top = top;
        b.colour = Color::rgb(rgb[0], rgb[1], rgb[2]);
        b.visible = true;
        if b.text != text {
            b.text.clear();
            b.text.push_str(text);
            b.buffer.set_metrics_and_size(
                Metrics::new(size, size * 1.3),
                Some(2000.0),
                Some(2000.0),
            );
            b.buffer.set_text(
                text,
                &Attrs::new().family(Family::Name("DejaVu Sans Mono")),
                Shaping::Basic,
                None,
            );
            b.buffer.shape_until_scroll(fs, false);
        }
    }

    /// Hides every text block and clears the geometry (the HUD off, or a new frame).
    pub fn clear(&mut self) {
        self.vertices.clear();
        for t in &mut self.texts {
            t.visible = false;
        }
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, colour: [f32; 4]) {
        if self.vertices.len() + 6 > MAX_HUD_VERTICES {
            return;
        }
        let v = |x, y| HudVertex {
            pos: [x, y],
            colour,
        };
        self.vertices.extend_from_slice(&[
            v(x0, y0),
            v(x1, y0),
            v(x0, y1),
            v(x0, y1),
            v(x1, y0),
            v(x1, y1),
        ]);
    }

    /// A line `width` pixels wide.
    pub fn line(&mut self, a: [f32; 2], b: [f32; 2], width: f32, colour: [f32; 4]) {
        if self.vertices.len() + 6 > MAX_HUD_VERTICES {
            return;
        }
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = (dx * dx + dy * dy).sqrt().max(1e-6);
        let (nx, ny) = (-dy / len * width * 0.5, dx / len * width * 0.5);
        let v = |x: f32, y: f32| HudVertex {
            pos: [x, y],
            colour,
        };
        self.vertices.extend_from_slice(&[
            v(a[0] + nx, a[1] + ny),
            v(b[0] + nx, b[1] + ny),
            v(a[0] - nx, a[1] - ny),
            v(a[0] - nx, a[1] - ny),
            v(b[0] + nx, b[1] + ny),
            v(b[0] - nx, b[1] - ny),
        ]);
    }
}

/// The film frame on the GPU.
struct Picture {
    texture: wgpu::Texture,
    bind: wgpu::BindGroup,
    size: (u32, u32),
}

/// How a draw went.
pub enum Drawn {
    /// Presented.
    Shown,
    /// Nothing to draw into (minimized, zero-sized).
    Hidden,
    /// The surface was outdated or lost and was set up again; draw again.
    Reconfigured,
    /// The compositor did not hand out an image in time; skipped.
    Skipped,
}

/// Surface, pipelines and the HUD's text renderer.
pub struct Gfx {
    window: Arc<Window>,
    instance: wgpu::Instance,
    surface: wgpu::Surface<'static>,
    adapter: wgpu::Adapter,
    device: wgpu::Device,
    queue: wgpu::Queue,
    config: wgpu::SurfaceConfiguration,
    picture_format: wgpu::TextureFormat,
    picture: Option<Picture>,
    picture_layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    blit: wgpu::RenderPipeline,
    overlay: wgpu::RenderPipeline,
    overlay_vertices: wgpu::Buffer,
    screen: wgpu::Buffer,
    screen_bind: wgpu::BindGroup,
    text_cache: SwashCache,
    viewport: Viewport,
    atlas: TextAtlas,
    text: TextRenderer,
    /// The HUD to draw over the picture.
    pub hud: HudLayer,
    /// Times the surface had to be reconfigured or recreated.
    pub surface_resets: u32,
}

fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

impl Gfx {
    /// Sets up the GPU for `window` (any adapter that can present to it; lavapipe will do).
    pub fn new(window: Arc<Window>, instance: wgpu::Instance) -> Result<Self, DesktopError> {
        let gpu = |what: &str, e: String| DesktopError::Gpu(format!("{what}: {e}"));
        let surface = instance
            .create_surface(window.clone())
            .map_err(|e| gpu("creating the window surface", e.to_string()))?;
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            compatible_surface: Some(&surface),
            ..Default::default()
        }))
        .map_err(|e| gpu("no GPU adapter can draw into this window", e.to_string()))?;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("livingfilm window"),
            ..Default::default()
        }))
        .map_err(|e| gpu("opening the GPU device", e.to_string()))?;
        let caps = surface.get_capabilities(&adapter);
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| f.is_srgb())
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| gpu("the window surface", "offers no format".into()))?;
        // Vsync where the surface has it; lavapipe under Xvfb offers only Immediate, and
        // the event loop paces frames itself.
        let present_mode = if caps.present_modes.contains(&wgpu::PresentMode::Fifo) {
            wgpu::PresentMode::Fifo
        } else {
            caps.present_modes
                .first()
                .copied()
                .unwrap_or(wgpu::PresentMode::Fifo)
        };
        let size = window.inner_size();
        let usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
        let config = wgpu::SurfaceConfiguration {
            usage,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            present_mode,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            desired_maximum_frame_latency: 2,
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        if size.width > 0 && size.height > 0 {
            surface.configure(&device, &config);
        }
        let picture_format = if format.is_srgb() {
            wgpu::TextureFormat::Rgba8UnormSrgb
        } else {
            wgpu::TextureFormat::Rgba8Unorm
        };
        let picture_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("picture"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let screen_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("hud screen"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let layout = |bgl: &wgpu::BindGroupLayout| {
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: None,
                bind_group_layouts: &[Some(bgl)],
                immediate_size: 0,
            })
        };
        let pipeline = |label: &str,
                        source: &str,
                        layout: &wgpu::PipelineLayout,
                        topology: wgpu::PrimitiveTopology,
                        buffers: &[Option<wgpu::VertexBufferLayout>],
                        blend: Option<wgpu::BlendState>| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(layout),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some("vs_main"),
                    compilation_options: Default::default(),
                    buffers,
                },
                primitive: wgpu::PrimitiveState {
                    topology,
                    ..Default::default()
                },
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some("fs_main"),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format,
                        blend,
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let blit = pipeline(
            "present",
            PRESENT_WGSL,
            &layout(&picture_layout),
            wgpu::PrimitiveTopology::TriangleStrip,
            &[],
            None,
        );
        let vertex_layout = wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<HudVertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &HUD_ATTRIBUTES,
        };
        let overlay = pipeline(
            "hud",
            HUD_WGSL,
            &layout(&screen_layout),
            wgpu::PrimitiveTopology::TriangleList,
            &[Some(vertex_layout)],
            Some(wgpu::BlendState::ALPHA_BLENDING),
        );
        let overlay_vertices = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("hud vertices"),
            size: (MAX_HUD_VERTICES * std::mem::size_of::<HudVertex>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let screen = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("hud screen"),
            size: std::mem::size_of::<HudScreen>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let screen_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("hud screen"),
            layout: &screen_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: screen.as_entire_binding(),
            }],
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("picture"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let cache = Cache::new(&device);
        let viewport = Viewport::new(&device, &cache);
        let mut atlas = TextAtlas::new(&device, &queue, &cache, format);
        let text = TextRenderer::new(&mut atlas, &device, wgpu::MultisampleState::default(), None);
        Ok(Self {
            window,
            instance,
            surface,
            adapter,
            device,
            queue,
            config,
            picture_format,
            picture: None,
            picture_layout,
            sampler,
            blit,
            overlay,
            overlay_vertices,
            screen,
            screen_bind,
            text_cache: SwashCache::new(),
            viewport,
            atlas,
            text,
            hud: HudLayer::new(),
            surface_resets: 0,
        })
    }

    /// The adapter drawing the window, for the HUD and the session summary.
    pub fn adapter_name(&self) -> String {
        self.adapter.get_info().name
    }

    /// The surface's format and present mode, for the session summary.
    pub fn surface_description(&self) -> String {
        format!("{:?}, {:?}", self.config.format, self.config.present_mode)
    }

    /// Size of the drawable area, pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.config.width, self.config.height)
    }

    /// Follows the window's new size; a minimized (zero-sized) window draws nothing.
    pub fn resize(&mut self, width: u32, height: u32) {
        if width == 0 || height == 0 {
            return;
        }
        self.config.width = width;
        self.config.height = height;
        self.surface.configure(&self.device, &self.config);
    }

    /// A colour for the HUD in the target's encoding.
    pub fn colour(&self, rgb: [u8; 3], alpha: f32) -> [f32; 4] {
        let c = |v: u8| {
            let v = v as f32 / 255.0;
            if self.config.format.is_srgb() {
                srgb_to_linear(v)
            } else {
                v
            }
        };
        [c(rgb[0]), c(rgb[1]), c(rgb[2]), alpha]
    }

    /// Forgets the picture (a seek): black until the next upload.
    pub fn clear_picture(&mut self) {
        self.picture = None;
    }

    /// Uploads a film frame (tightly packed RGBA8).
    pub fn upload(&mut self, rgba: &[u8], width: u32, height: u32) {
        if rgba.len() != (width * height * 4) as usize {
            return;
        }
        if self
            .picture
            .as_ref()
            .is_none_or(|p| p.size != (width, height))
        {
            let texture = self.device.create_texture(&wgpu::TextureDescriptor {
                label: Some("film frame"),
                size: wgpu::Extent3d {
                    width,
                    height,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: self.picture_format,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            });
            let view = texture.create_view(&Default::default());
            let bind = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("film frame"),
                layout: &self.picture_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::Sampler(&self.sampler),
                    },
                ],
            });
            self.picture = Some(Picture {
                texture,
                bind,
                size: (width, height),
            });
        }
        if let Some(p) = &self.picture {
            self.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &p.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                rgba,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(width * 4),
                    rows_per_image: Some(height),
                },
                wgpu::Extent3d {
                    width,
                    height,
                    depth_or_array_layers: 1,
                },
            );
        }
    }

    /// Where the picture goes in a `w`×`h` target: the largest rectangle of the frame's
    /// aspect, centred (x, y, width, height).
    pub fn letterbox(&self, w: u32, h: u32) -> (f32, f32, f32, f32) {
        let (pw, ph) = self.picture.as_ref().map_or((16, 9), |p| p.size);
        let scale = (w as f32 / pw as f32).min(h as f32 / ph as f32);
        let (vw, vh) = (pw as f32 * scale, ph as f32 * scale);
        (
            ((w as f32 - vw) / 2.0).floor(),
            ((h as f32 - vh) / 2.0).floor(),
            vw,
            vh,
        )
    }

    fn encode(&mut self, view: &wgpu::TextureView, w: u32, h: u32) -> wgpu::CommandEncoder {
        self.queue.write_buffer(
            &self.screen,
            0,
            bytemuck::bytes_of(&HudScreen {
                size: [w as f32, h as f32],
                pad: [0.0; 2],
            }),
        );
        let n = self.hud.vertices.len().min(MAX_HUD_VERTICES);
        if n > 0 {
            self.queue.write_buffer(
                &self.overlay_vertices,
                0,
                bytemuck::cast_slice(&self.hud.vertices[..n]),
            );
        }
        self.viewport.update(
            &self.queue,
            Resolution {
                width: w,
                height: h,
            },
        );
        let areas = self
            .hud
            .texts
            .iter()
            .filter(|t| t.visible)
            .map(|t| TextArea {
                buffer: &t.buffer,
                left: t.left,
                top: t.top,
                scale: 1.0,
                bounds: TextBounds {
                    left: 0,
                    top: 0,
                    right: w as i32,
                    bottom: h as i32,
                },
                default_color: t.colour,
                custom_glyphs: &[],
            });
        // A failed prepare (the atlas is full) only costs this frame its text.
        let text_ok = self
            .text
            .prepare(
                &self.device,
                &self.queue,
                &mut self.hud.font_system,
                &mut self.atlas,
                &self.viewport,
                areas,
                &mut self.text_cache,
            )
            .is_ok();
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("window frame"),
            });
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("window frame"),
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
            if let Some(p) = &self.picture {
                let (x, y, vw, vh) = self.letterbox(w, h);
                pass.set_viewport(x, y, vw.max(1.0), vh.max(1.0), 0.0, 1.0);
                pass.set_pipeline(&self.blit);
                pass.set_bind_group(0, &p.bind, &[]);
                pass.draw(0..4, 0..1);
                pass.set_viewport(0.0, 0.0, w as f32, h as f32, 0.0, 1.0);
            }
            if n > 0 {
                pass.set_pipeline(&self.overlay);
                pass.set_bind_group(0, &self.screen_bind, &[]);
                pass.set_vertex_buffer(0, self.overlay_vertices.slice(..));
                pass.draw(0..n as u32, 0..1);
            }
            if text_ok {
                let _ = self.text.render(&self.atlas, &self.viewport, &mut pass);
            }
        }
        enc
    }

    /// Draws the picture and the HUD into the window and presents it.
    pub fn draw(&mut self) -> Drawn {
        let (w, h) = (self.config.width, self.config.height);
        let size = self.window.inner_size();
        if size.width == 0 || size.height == 0 {
            return Drawn::Hidden;
        }
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) => f,
            wgpu::CurrentSurfaceTexture::Suboptimal(f) => {
                drop(f);
                self.reconfigure(false);
                return Drawn::Reconfigured;
            }
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                return Drawn::Skipped;
            }
            wgpu::CurrentSurfaceTexture::Outdated => {
                self.reconfigure(false);
                return Drawn::Reconfigured;
            }
            wgpu::CurrentSurfaceTexture::Lost | wgpu::CurrentSurfaceTexture::Validation => {
                self.reconfigure(true);
                return Drawn::Reconfigured;
            }
        };
        let view = frame.texture.create_view(&Default::default());
        let enc = self.encode(&view, w, h);
        self.queue.submit(Some(enc.finish()));
        self.queue.present(frame);
        self.atlas.trim();
        Drawn::Shown
    }

    /// Sets the surface up again for the window's current size; `recreate` makes a new
    /// surface first (a lost one).
    pub fn reconfigure(&mut self, recreate: bool) {
        self.surface_resets += 1;
        if recreate {
            if let Ok(s) = self.instance.create_surface(self.window.clone()) {
                self.surface = s;
            }
        }
        let size = self.window.inner_size();
        if size.width > 0 && size.height > 0 {
            self.config.width = size.width;
            self.config.height = size.height;
            self.surface.configure(&self.device, &self.config);
        }
    }

    /// What the window shows now, drawn again offscreen at the window's size: RGBA8 rows.
    pub fn screenshot(&mut self) -> Result<image::RgbaImage, DesktopError> {
        let (w, h) = (self.config.width, self.config.height);
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("screenshot"),
            size: wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: self.config.format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&Default::default());
        let mut enc = self.encode(&view, w, h);
        let readback = livingfilm_render::readback::Readback::new(&self.device, w, h, 4);
        readback.record(&mut enc, &texture);
        self.queue.submit(Some(enc.finish()));
        let bgra = matches!(
            self.config.format,
            wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
        );
        let mut pixels = Vec::with_capacity((w * h * 4) as usize);
        readback
            .read(&self.device, |row| {
                for px in row.chunks_exact(4) {
                    if bgra {
                        pixels.extend_from_slice(&[px[2], px[1], px[0], 255]);
                    } else {
                        pixels.extend_from_slice(&[px[0], px[1], px[2], 255]);
                    }
                }
            })
            .map_err(|e| DesktopError::Gpu(format!("reading the screenshot back: {e}")))?;
        image::RgbaImage::from_raw(w, h, pixels)
            .ok_or_else(|| DesktopError::Gpu("screenshot size".into()))
    }
}

#[cfg(test)]
mod layout {
    use super::*;
    use crate::layout_check::{assert_no_drift, binding_drift, parse, rows, untabled};
    use naga::{Binding, Handle, Type, TypeInner};

    #[test]
    fn hud_screen_matches_screen() {
        let module = parse("hud.wgsl", HUD_WGSL);
        let rows = rows!(HudScreen {
            size => "size",
            pad => "pad",
        });
        let drift = binding_drift(
            &module,
            (0, 0),
            "Screen",
            "HudScreen",
            std::mem::size_of::<HudScreen>(),
            &rows,
        );
        assert_no_drift("hud.wgsl, @group(0) @binding(0)", &drift);
    }

    /// A vertex buffer is read by attributes, not by the WGSL struct's layout: each
    /// `HudVertex` field → the `VIn` member it feeds → that member's `@location` → the
    /// attribute there, which must read the field's bytes.
    #[test]
    fn hud_vertex_matches_the_vertex_input() {
        let module = parse("hud.wgsl", HUD_WGSL);
        let vs = module
            .entry_points
            .iter()
            .find(|e| e.name == "vs_main")
            .expect("hud.wgsl has no vs_main");
        let mut inputs: Vec<(u32, String, Handle<Type>)> = Vec::new();
        for a in &vs.function.arguments {
            match (&module.types[a.ty].inner, &a.binding) {
                (TypeInner::Struct { members, .. }, _) => {
                    for m in members {
                        if let Some(Binding::Location { location, .. }) = m.binding {
                            let name = m.name.clone().unwrap_or_default();
                            inputs.push((location, name, m.ty));
                        }
                    }
                }
                (_, Some(Binding::Location { location, .. })) => {
                    inputs.push((*location, a.name.clone().unwrap_or_default(), a.ty));
                }
                _ => {}
            }
        }
        let rows = rows!(HudVertex {
            pos => "pos",
            colour => "colour",
        });
        let size = std::mem::size_of::<HudVertex>();
        let mut drift = untabled("HudVertex", size, &rows);
        for r in &rows {
            let Some((location, _, ty)) = inputs.iter().find(|i| i.1 == r.member) else {
                drift.push(format!(
                    "Rust `HudVertex.{}` feeds vertex input `{}`, which does not exist",
                    r.rust, r.member
                ));
                continue;
            };
            let Some(attr) = HUD_ATTRIBUTES
                .iter()
                .find(|a| a.shader_location == *location)
            else {
                drift.push(format!(
                    "no vertex attribute for @location({location}) (`{}`, fed by `HudVertex.{}`)",
                    r.member, r.rust
                ));
                continue;
            };
            if attr.offset as usize != r.offset {
                drift.push(format!(
                    "Rust `HudVertex.{}` is at byte {}, but the attribute for `{}` (@location({location})) reads from byte {}",
                    r.rust, r.offset, r.member, attr.offset
                ));
            }
            if attr.format.size() as usize != r.size {
                drift.push(format!(
                    "Rust `HudVertex.{}` is {} bytes, its attribute's {:?} reads {}",
                    r.rust,
                    r.size,
                    attr.format,
                    attr.format.size()
                ));
            }
            let wgsl_size = module.types[*ty].inner.size(module.to_ctx());
            if u64::from(wgsl_size) != attr.format.size() {
                drift.push(format!(
                    "vertex input `{}` is {wgsl_size} bytes, its attribute's {:?} reads {}",
                    r.member,
                    attr.format,
                    attr.format.size()
                ));
            }
        }
        for (location, name, _) in &inputs {
            if !rows.iter().any(|r| r.member == name) {
                drift.push(format!(
                    "vertex input `{name}` (@location({location})) is fed by no `HudVertex` field in the table"
                ));
            }
        }
        for a in &HUD_ATTRIBUTES {
            if !inputs.iter().any(|i| i.0 == a.shader_location) {
                drift.push(format!(
                    "the attribute at @location({}) feeds no vertex input of vs_main",
                    a.shader_location
                ));
            }
        }
        assert_no_drift("hud.wgsl, vs_main's vertex buffer", &drift);
    }
}
