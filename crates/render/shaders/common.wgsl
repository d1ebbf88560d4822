// Shared by every render shader (prepended at load time).

struct Sign {
    centre: vec4<f32>, // xyz centre, w = texture-array layer
    right: vec4<f32>,  // xyz half-width vector, w = opacity
    up: vec4<f32>,     // xyz half-height vector
};

struct Frame {
    eye: vec4<f32>,        // xyz eye, w = tan(fov_y / 2)
    forward: vec4<f32>,    // xyz, w = aspect (width / height)
    right: vec4<f32>,      // xyz, w = max ray-march steps
    up: vec4<f32>,         // xyz, w = density scale (extinction per unit at density 1)
    bounds_min: vec4<f32>, // xyz, w = frame index
    bounds_max: vec4<f32>, // xyz, w = seed (exact integer in f32)
    light: vec4<f32>,      // rgb key light, w = exposure
    fog: vec4<f32>,        // rgb fog colour, w = fog density per unit
    grade: vec4<f32>,      // x = LUT strength, y = LUT size, z = grain, w = vignette
    grid: vec4<f32>,       // xyz texels per axis, w = occupancy block edge (texels)
    weather: vec4<f32>,    // x = rain 0..1, y = snow 0..1, z = sign count
    sky_horizon: vec4<f32>,
    sky_zenith: vec4<f32>,
    key_light: vec4<f32>,  // xyz unit direction toward the light, w = strength
    signs: array<Sign, 4>,
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

const RAIN_COLOUR: vec3<f32> = vec3<f32>(0.55, 0.6, 0.7);
const SNOW_COLOUR: vec3<f32> = vec3<f32>(0.9, 0.92, 0.95);

// How much rain (x) and snow (y) cover the pixel at `uv` in screen layer `layer`
// (0 nearest), seeded by the viewing and moving with the frame number.
fn weather_drops(uv: vec2<f32>, layer: u32) -> vec2<f32> {
    var out = vec2<f32>(0.0);
    let f = frame.bounds_min.w;
    let seed = u32(frame.bounds_max.w) + layer * 7919u;
    let aspect = frame.forward.w;
    let rain = frame.weather.x;
    if (rain > 0.0) {
        let s = 18.0 * f32(layer + 1u);
        let p = vec2<f32>(uv.x * aspect * s, uv.y * s - f * 0.9);
        let cell = floor(p);
        let q = p - cell;
        let cx = bitcast<u32>(i32(cell.x));
        let cy = bitcast<u32>(i32(cell.y));
        if (hash3(cx, cy, seed + 1u) < rain * 0.35) {
            let dx = abs(q.x - (0.15 + 0.7 * hash3(cx, cy, seed + 2u)));
            if (dx < 0.05) {
                out.x = (1.0 - dx / 0.05) * q.y * 0.6 * rain;
            }
        }
    }
    let snow = frame.weather.y;
    if (snow > 0.0) {
        let s = 10.0 * f32(layer + 1u);
        let p = vec2<f32>(uv.x * aspect * s + f * 0.01, uv.y * s - f * 0.05);
        let cell = floor(p);
        let q = p - cell;
        let cx = bitcast<u32>(i32(cell.x));
        let cy = bitcast<u32>(i32(cell.y));
        if (hash3(cx, cy, seed + 3u) < snow * 0.5) {
            let centre = vec2<f32>(0.25 + 0.5 * hash3(cx, cy, seed + 4u), 0.25 + 0.5 * hash3(cx, cy, seed + 5u));
            let d = length(q - centre);
            if (d < 0.12) {
                out.y = (1.0 - d / 0.12) * 0.9 * snow;
            }
        }
    }
    return out;
}
