// Image grade as a compute pass: the same maths and order as crates/render/src/grade/ops.rs.
// Prepended at load time: the output storage format (OUT_FORMAT) and one of the two
// LUT fetch functions (3D texture or storage buffer), see crates/render/src/grade/gpu.rs.

struct Params {
    size: vec2<u32>,
    frame: u32,
    seed: u32,
    interp: u32,     // 0 trilinear, 1 tetrahedral
    lut_n: u32,      // 0 = no 3D LUT
    shaper_n: u32,   // 0 = no shaper
    ops: u32,       // bit 0 white balance, bit 1 CDL, bit 2 lift/gamma/gain (others are identity)
    lut_min: vec4<f32>,
    lut_max: vec4<f32>,
    shaper_min: vec4<f32>,
    shaper_max: vec4<f32>,
    wb: vec4<f32>,
    slope: vec4<f32>,
    offset: vec4<f32>,
    power: vec4<f32>,
    lift: vec4<f32>,
    gamma_inv: vec4<f32>,
    gain: vec4<f32>,
    misc: vec4<f32>, // x strength, y vignette, z grain, w saturation
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var src: texture_2d<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<OUT_FORMAT, write>;
@group(0) @binding(3) var<storage, read> shaper: array<vec4<f32>>;

fn spow(x: f32, y: f32) -> f32 {
    return select(pow(x, y), 0.0, x <= 0.0);
}

// Base index and fraction of v in a table of n entries over [lo, hi]; NaN maps to 0.
fn locate(v: f32, lo: f32, hi: f32, n: u32) -> vec2<f32> {
    let last = f32(n - 1u);
    var x = (v - lo) * (last / (hi - lo));
    x = select(x, 0.0, x != x);
    x = min(max(x, 0.0), last);
    let base = min(floor(x), f32(n - 2u));
    return vec2<f32>(base, x - base);
}

fn apply_shaper(c: vec3<f32>) -> vec3<f32> {
    var out = c;
    for (var i = 0u; i < 3u; i = i + 1u) {
        let l = locate(c[i], p.shaper_min[i], p.shaper_max[i], p.shaper_n);
        let k = u32(l.x);
        let a = shaper[k][i];
        let b = shaper[k + 1u][i];
        out[i] = a + l.y * (b - a);
    }
    return out;
}

fn apply_lut(c: vec3<f32>) -> vec3<f32> {
    let n = p.lut_n;
    let lr = locate(c.r, p.lut_min.r, p.lut_max.r, n);
    let lg = locate(c.g, p.lut_min.g, p.lut_max.g, n);
    let lb = locate(c.b, p.lut_min.b, p.lut_max.b, n);
    let r = u32(lr.x);
    let g = u32(lg.x);
    let b = u32(lb.x);
    let fr = lr.y;
    let fg = lg.y;
    let fb = lb.y;
    let c000 = lut_fetch(r, g, b);
    let c111 = lut_fetch(r + 1u, g + 1u, b + 1u);
    if (p.interp == 0u) {
        let c100 = lut_fetch(r + 1u, g, b);
        let c010 = lut_fetch(r, g + 1u, b);
        let c110 = lut_fetch(r + 1u, g + 1u, b);
        let c001 = lut_fetch(r, g, b + 1u);
        let c101 = lut_fetch(r + 1u, g, b + 1u);
        let c011 = lut_fetch(r, g + 1u, b + 1u);
        let x00 = c000 + fr * (c100 - c000);
        let x10 = c010 + fr * (c110 - c010);
        let x01 = c001 + fr * (c101 - c001);
        let x11 = c011 + fr * (c111 - c011);
        let y0 = x00 + fg * (x10 - x00);
        let y1 = x01 + fg * (x11 - x01);
        return y0 + fb * (y1 - y0);
    }
    var w: vec4<f32>;
    var a: vec3<f32>;
    var bb: vec3<f32>;
    if (fr > fg) {
        if (fg > fb) {
            w = vec4<f32>(1.0 - fr, fr - fg, fg - fb, fb); a = lut_fetch(r + 1u, g, b); bb = lut_fetch(r + 1u, g + 1u, b);
        } else if (fr > fb) {
            w = vec4<f32>(1.0 - fr, fr - fb, fb - fg, fg); a = lut_fetch(r + 1u, g, b); bb = lut_fetch(r + 1u, g, b + 1u);
        } else {
            w = vec4<f32>(1.0 - fb, fb - fr, fr - fg, fg); a = lut_fetch(r, g, b + 1u); bb = lut_fetch(r + 1u, g, b + 1u);
        }
    } else if (fb > fg) {
        w = vec4<f32>(1.0 - fb, fb - fg, fg - fr, fr); a = lut_fetch(r, g, b + 1u); bb = lut_fetch(r, g + 1u, b + 1u);
    } else if (fb > fr) {
        w = vec4<f32>(1.0 - fg, fg - fb, fb - fr, fr); a = lut_fetch(r, g + 1u, b); bb = lut_fetch(r, g + 1u, b + 1u);
    } else {
        w = vec4<f32>(1.0 - fg, fg - fr, fr - fb, fb); a = lut_fetch(r, g + 1u, b); bb = lut_fetch(r + 1u, g + 1u, b);
    }
    return w.x * c000 + w.y * a + w.z * bb + w.w * c111;
}

@compute @workgroup_size(8, 8)
fn grade(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= p.size.x || id.y >= p.size.y) {
        return;
    }
    var c = textureLoad(src, vec2<i32>(id.xy), 0).rgb;
    if ((p.ops & 1u) != 0u) {
        c = c * p.wb.rgb;
    }
    if ((p.ops & 2u) != 0u) {
        // ASC CDL
        var sop: vec3<f32>;
        for (var i = 0u; i < 3u; i = i + 1u) {
            sop[i] = spow(max(c[i] * p.slope[i] + p.offset[i], 0.0), p.power[i]);
        }
        let luma = dot(sop, vec3<f32>(0.2126, 0.7152, 0.0722));
        c = sop * p.misc.w + luma * (1.0 - p.misc.w);
    }
    if ((p.ops & 4u) != 0u) {
        // Lift / gamma / gain
        for (var i = 0u; i < 3u; i = i + 1u) {
            c[i] = spow(max(p.gain[i] * (c[i] + p.lift[i] * (1.0 - c[i])), 0.0), p.gamma_inv[i]);
        }
    }
    if (p.shaper_n > 0u || p.lut_n > 0u) {
        var looked = c;
        if (p.shaper_n > 0u) {
            looked = apply_shaper(looked);
        }
        if (p.lut_n > 0u) {
            looked = apply_lut(looked);
        }
        // Full strength is the look itself, as on the CPU.
        c = select(looked * p.misc.x + c * (1.0 - p.misc.x), looked, p.misc.x == 1.0);
    }
    if (p.misc.y != 0.0) {
        let d = (vec2<f32>(id.xy) + 0.5) / vec2<f32>(p.size) - 0.5;
        c = c * (1.0 - p.misc.y * 2.0 * dot(d, d));
    }
    if (p.misc.z != 0.0) {
        c = c + (hash3(id.x + p.seed * 7919u, id.y, p.frame) - 0.5) * p.misc.z;
    }
    textureStore(dst, vec2<i32>(id.xy), vec4<f32>(c, 1.0));
}
