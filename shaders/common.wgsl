// Shared by raymarch.wgsl and grade.wgsl (prepended at load time).

struct Frame {
    eye: vec4<f32>,        // xyz eye, w = tan(fov_y / 2)
    forward: vec4<f32>,    // xyz, w = aspect (width / height)
    right: vec4<f32>,      // xyz, w = max ray-march steps
    up: vec4<f32>,         // xyz, w = density scale (extinction per unit at alpha 1)
    bounds_min: vec4<f32>, // xyz, w = frame index
    bounds_max: vec4<f32>, // xyz, w = seed (exact integer in f32)
    light: vec4<f32>,      // rgb key light, w = exposure
    fog: vec4<f32>,        // rgb fog colour, w = fog density per unit
    grade: vec4<f32>,      // x = LUT strength, y = LUT size, z = grain, w = vignette
};

@group(0) @binding(0) var<uniform> frame: Frame;

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// One triangle covering the screen; uv is (0,0) top-left .. (1,1) bottom-right.
@vertex
fn vs_fullscreen(@builtin(vertex_index) i: u32) -> VsOut {
    let x = f32((i << 1u) & 2u);
    let y = f32(i & 2u);
    var out: VsOut;
    out.pos = vec4<f32>(x * 2.0 - 1.0, 1.0 - y * 2.0, 0.0, 1.0);
    out.uv = vec2<f32>(x, y);
    return out;
}
