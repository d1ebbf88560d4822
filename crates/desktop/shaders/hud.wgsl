// The HUD's panels and sparklines: coloured triangles in window pixels, blended over
// the picture (colours arrive already in the target's encoding).

struct Screen {
    size: vec2<f32>,
    pad: vec2<f32>,
}

@group(0) @binding(0) var<uniform> screen: Screen;

struct VIn {
    @location(0) pos: vec2<f32>,
    @location(1) colour: vec4<f32>,
}

struct VOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) colour: vec4<f32>,
}

@vertex
fn vs_main(v: VIn) -> VOut {
    var o: VOut;
    o.pos = vec4<f32>(v.pos.x / screen.size.x * 2.0 - 1.0, 1.0 - v.pos.y / screen.size.y * 2.0, 0.0, 1.0);
    o.colour = v.colour;
    return o;
}

@fragment
fn fs_main(v: VOut) -> @location(0) vec4<f32> {
    return v.colour;
}
