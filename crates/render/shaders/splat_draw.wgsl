// Draws the sorted entries front to back as instanced quads into the HDR target, which
// blends `dst += src · (1 − dst.a)`: a splat's quad covers its 3σ square (less for faint splats) and each
// fragment weighs the Gaussian (alpha capped at 0.99, skipped under 1/255); the layers
// sorted among the splats draw rain and snow (whole screen), signs (their plane's quad,
// so the splats in front hide them) and last the sky.
// crates/render/src/splat/cpu.rs does the same; keep the two in step.

@group(0) @binding(2) var<storage, read> projected: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> pairs: array<vec2<u32>>;
@group(0) @binding(4) var sign_images: texture_2d_array<f32>;
@group(0) @binding(5) var linear_clamp: sampler;

const KIND_SPLAT: u32 = 0u;
const KIND_WEATHER: u32 = 1u;
const KIND_SIGN: u32 = 2u;
const KIND_SKY: u32 = 3u;

struct EntryOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(flat) kind: u32,
    // splat: centre, radius, opacity; weather: layer; sign: image layer, opacity, fog
    @location(1) @interpolate(flat) a: vec4<f32>,
    @location(2) @interpolate(flat) b: vec4<f32>, // splat: conic
    @location(3) @interpolate(flat) c: vec4<f32>, // splat: shaded colour
    @location(4) st: vec2<f32>,                   // sign: image coordinates
};

@vertex
fn vs_entry(@builtin(vertex_index) vi: u32, @builtin(instance_index) j: u32) -> EntryOut {
    var out: EntryOut;
    out.pos = vec4<f32>(2.0, 2.0, 0.0, 1.0); // off screen: nothing drawn
    out.kind = KIND_SKY;
    out.a = vec4<f32>(0.0);
    out.b = vec4<f32>(0.0);
    out.c = vec4<f32>(0.0);
    out.st = vec2<f32>(0.0);
    let pair = pairs[j];
    if (pair.x == CULLED) {
        return out;
    }
    let corner = vec2<f32>(f32(vi & 1u), f32(vi >> 1u)) * 2.0 - 1.0;
    let v = pair.y;
    let n = sp.counts.x;
    if (v < n) {
        out.kind = KIND_SPLAT;
        out.a = projected[3u * v];
        out.b = projected[3u * v + 1u];
        out.c = projected[3u * v + 2u];
        let px = out.a.xy + corner * out.a.z;
        out.pos = vec4<f32>(px.x / sp.size.x * 2.0 - 1.0, 1.0 - px.y / sp.size.y * 2.0, 0.0, 1.0);
        return out;
    }
    let l = v - n;
    if (l < 3u) {
        out.kind = KIND_WEATHER;
        out.a = vec4<f32>(f32(l), 0.0, 0.0, 0.0);
        out.pos = vec4<f32>(corner, 0.0, 1.0);
    } else if (l < 7u) {
        let sg = frame.signs[l - 3u];
        let p = sg.centre.xyz + corner.x * sg.right.xyz + corner.y * sg.up.xyz;
        let rel = p - frame.eye.xyz;
        let tan_half = frame.eye.w;
        let vz = dot(rel, frame.forward.xyz);
        out.kind = KIND_SIGN;
        let depth = max(dot(sg.centre.xyz - frame.eye.xyz, frame.forward.xyz), sp.misc.x);
        out.a = vec4<f32>(sg.centre.w, sg.right.w, fog_amount(depth), 0.0);
        out.pos = vec4<f32>(
            dot(rel, frame.right.xyz) / (tan_half * frame.forward.w),
            dot(rel, frame.up.xyz) / tan_half,
            0.0,
            vz);
        out.st = vec2<f32>(corner.x * 0.5 + 0.5, 0.5 - corner.y * 0.5);
    } else {
        out.kind = KIND_SKY;
        out.pos = vec4<f32>(corner, 0.0, 1.0);
    }
    return out;
}

@fragment
fn fs_entry(in: EntryOut) -> @location(0) vec4<f32> {
    let p = in.pos.xy;
    let uv = p / sp.size.xy;
    switch in.kind {
        case 0u: {
            let d = in.a.xy - p;
            if (abs(d.x) > in.a.z || abs(d.y) > in.a.z) {
                discard;
            }
            let power = -0.5 * (in.b.x * d.x * d.x + in.b.z * d.y * d.y) - in.b.y * d.x * d.y;
            if (power > 0.0) {
                discard;
            }
            let alpha = min(in.a.w * exp(power), 0.99);
            if (alpha < 1.0 / 255.0) {
                discard;
            }
            return vec4<f32>(in.c.rgb * alpha, alpha);
        }
        case 1u: {
            let w = weather_drops(uv, u32(in.a.x));
            let a = w.y + w.x * (1.0 - w.y);
            let c = (SNOW_COLOUR * w.y + RAIN_COLOUR * w.x * (1.0 - w.y)) * frame.light.rgb * frame.light.w;
            return vec4<f32>(c, a);
        }
        case 2u: {
            let s = textureSampleLevel(sign_images, linear_clamp, in.st, i32(in.a.x), 0.0) * in.a.y;
            let f = in.a.z;
            return vec4<f32>((s.rgb * frame.light.rgb * (1.0 - f) + frame.fog.rgb * f * s.a) * frame.light.w, s.a);
        }
        default: {
            let ndc = vec2<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0);
            let tan_half = frame.eye.w;
            let dir = normalize(frame.forward.xyz
                + ndc.x * tan_half * frame.forward.w * frame.right.xyz
                + ndc.y * tan_half * frame.up.xyz);
            let h = clamp(dir.y * 0.5 + 0.5, 0.0, 1.0);
            return vec4<f32>(shade(mix(frame.sky_horizon.rgb, frame.sky_zenith.rgb, h), 12.0), 1.0);
        }
    }
}
