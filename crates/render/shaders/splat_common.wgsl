// Shared by splat_project.wgsl and splat_draw.wgsl (after common.wgsl).

struct SplatParams {
    size: vec4<f32>,                 // width, height (pixels), fx, fy (focal lengths, pixels)
    counts: vec4<u32>,               // splats, SH degree, entries (splats + layers), SH words per splat
    layer_keys: array<vec4<u32>, 2>, // sort keys of the 8 layers (CULLED: not drawn)
    misc: vec4<f32>,                 // x = near plane
};

@group(0) @binding(1) var<uniform> sp: SplatParams;

const CULLED: u32 = 0xffffffffu;

fn fog_amount(depth: f32) -> f32 {
    return 1.0 - exp(-frame.fog.w * min(depth, 12.0));
}

// A colour seen at `depth`: tinted by the light, faded by fog, exposed.
fn shade(rgb: vec3<f32>, depth: f32) -> vec3<f32> {
    let f = fog_amount(depth);
    return (rgb * frame.light.rgb * (1.0 - f) + frame.fog.rgb * f) * frame.light.w;
}
