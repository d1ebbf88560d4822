// The desktop player's picture: the film frame drawn into the letterboxed viewport.
// Four vertices as a triangle strip; the viewport set by the pass does the scaling.

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> VsOut {
    let uv = vec2<f32>(f32(i & 1u), f32(i >> 1u));
    var o: VsOut;
    o.pos = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    o.uv = uv;
    return o;
}

@group(0) @binding(0) var picture: texture_2d<f32>;
@group(0) @binding(1) var picture_sampler: sampler;

@fragment
fn fs_main(v: VsOut) -> @location(0) vec4<f32> {
    return vec4<f32>(textureSample(picture, picture_sampler, v.uv).rgb, 1.0);
}
