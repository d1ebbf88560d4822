// Emission-absorption ray marching of a baked radiance field: density plus degree-1
// spherical-harmonic colour on a voxel grid. Each step reads one texture (density and
// the SH's constant term); the view-dependent degree-1 term is evaluated once per ray,
// at the sample that contributes most, and weighted by the ray's opacity (deferred
// shading as in SNeRG: exact for a ray that meets one surface, four times fewer
// texture reads). Empty blocks of the occupancy grid are jumped over (the grid is
// conservative, so no pixel changes); signs are composited at their depth, so geometry
// in front hides them; fog and seeded rain and snow layers follow, each hidden behind
// geometry nearer than the layer.
// crates/render/src/cpu.rs repeats every step in the same order; keep the two in step.

@group(0) @binding(1) var base: texture_3d<f32>;   // SH coefficient 0 (rgb), density
@group(0) @binding(2) var linear_clamp: sampler;
@group(0) @binding(3) var rest_r: texture_3d<f32>; // SH coefficients 1..3 of red
@group(0) @binding(4) var rest_g: texture_3d<f32>;
@group(0) @binding(5) var rest_b: texture_3d<f32>;
@group(0) @binding(6) var occupancy: texture_3d<u32>;
@group(0) @binding(7) var sign_images: texture_2d_array<f32>;

const SH_C0: f32 = 0.2820948;
const SH_C1: f32 = 0.4886025;

struct SignHit {
    t: f32,
    c: vec4<f32>, // premultiplied colour times opacity
};

// Draws a sign over what the ray has gathered so far (premultiplied colour).
fn over(h: SignHit, radiance: ptr<function, vec3<f32>>, tr: ptr<function, f32>, depth: ptr<function, f32>) {
    *radiance += *tr * h.c.rgb;
    if (*tr > 0.5 && *tr * (1.0 - h.c.a) <= 0.5) {
        *depth = h.t;
    }
    *tr *= 1.0 - h.c.a;
}

fn sky(dir: vec3<f32>) -> vec3<f32> {
    let h = clamp(dir.y * 0.5 + 0.5, 0.0, 1.0);
    return mix(frame.sky_horizon.rgb, frame.sky_zenith.rgb, h) * frame.light.rgb;
}

// The degree-1 SH terms toward the viewer (coefficients 1..3), as the 3DGS reference.
fn sh_linear(k: vec4<f32>, dir: vec3<f32>) -> f32 {
    return -SH_C1 * dir.y * k.x + SH_C1 * dir.z * k.y - SH_C1 * dir.x * k.z;
}

// Rain streaks and snow flakes of one screen layer at `layer` (0 nearest).
fn weather_layer(color: vec3<f32>, uv: vec2<f32>, layer: u32) -> vec3<f32> {
    let a = weather_drops(uv, layer);
    var c = color;
    if (a.x > 0.0) {
        c = mix(c, RAIN_COLOUR * frame.light.rgb, a.x);
    }
    if (a.y > 0.0) {
        c = mix(c, SNOW_COLOUR * frame.light.rgb, a.y);
    }
    return c;
}

@fragment
fn fs_raymarch(in: VsOut) -> @location(0) vec4<f32> {
    let ndc = vec2<f32>(in.uv.x * 2.0 - 1.0, 1.0 - in.uv.y * 2.0);
    let tan_half = frame.eye.w;
    let dir = normalize(frame.forward.xyz
        + ndc.x * tan_half * frame.forward.w * frame.right.xyz
        + ndc.y * tan_half * frame.up.xyz);
    let origin = frame.eye.xyz;
    let bmin = frame.bounds_min.xyz;
    let extent = frame.bounds_max.xyz - bmin;

    // Slab test against the grid box.
    let inv = 1.0 / dir;
    let t0 = (bmin - origin) * inv;
    let t1 = (frame.bounds_max.xyz - origin) * inv;
    let t_near = max(max(min(t0.x, t1.x), min(t0.y, t1.y)), max(min(t0.z, t1.z), 0.0));
    let t_far = min(min(max(t0.x, t1.x), max(t0.y, t1.y)), max(t0.z, t1.z));

    var radiance = vec3<f32>(0.0); // signs
    var volume = vec3<f32>(0.0);   // SH constant term, weighted
    var weight = 0.0;              // opacity of the field alone
    var best_w = 0.0;
    var best_t = 0.0;
    var transmittance = 1.0;
    var depth = 1e4;
    if (t_far > t_near) {
        // The signs this ray crosses, nearest first.
        var hits: array<SignHit, 4>;
        var n_hits = 0u;
        for (var s = 0u; s < u32(frame.weather.z); s = s + 1u) {
            let sg = frame.signs[s];
            let nrm = cross(sg.right.xyz, sg.up.xyz);
            let denom = dot(dir, nrm);
            if (abs(denom) < 1e-6) {
                continue;
            }
            let ts = dot(sg.centre.xyz - origin, nrm) / denom;
            let rel = origin + dir * ts - sg.centre.xyz;
            let a = dot(rel, sg.right.xyz) / dot(sg.right.xyz, sg.right.xyz);
            let b = dot(rel, sg.up.xyz) / dot(sg.up.xyz, sg.up.xyz);
            if (ts <= 0.0 || abs(a) > 1.0 || abs(b) > 1.0) {
                continue;
            }
            let st = vec2<f32>(a * 0.5 + 0.5, 0.5 - b * 0.5);
            let c = textureSampleLevel(sign_images, linear_clamp, st, i32(sg.centre.w), 0.0) * sg.right.w;
            if (c.a <= 0.0) {
                continue;
            }
            var j = n_hits;
            loop {
                if (j == 0u || hits[j - 1u].t <= ts) {
                    break;
                }
                hits[j] = hits[j - 1u];
                j = j - 1u;
            }
            hits[j] = SignHit(ts, c);
            n_hits = n_hits + 1u;
        }

        let max_steps = u32(frame.right.w);
        let dt = length(extent) / f32(max_steps);
        let n = min(u32(ceil((t_far - t_near) / dt)), max_steps);
        let block = frame.grid.w;
        let cell_size = extent / frame.grid.xyz * block;
        let cells = vec3<i32>(textureDimensions(occupancy)) - 1;
        var next_hit = 0u;
        // Distance of the next sign (kept in a register: the array is read only to draw).
        var next_t = select(1e30, hits[0].t, n_hits > 0u);
        var k = 0u;
        loop {
            if (k >= n || transmittance < 0.01) {
                break;
            }
            let t = t_near + (f32(k) + 0.5) * dt;
            // Signs in front of this sample.
            while (next_t < t) {
                over(hits[next_hit], &radiance, &transmittance, &depth);
                next_hit = next_hit + 1u;
                next_t = select(1e30, hits[min(next_hit, 3u)].t, next_hit < n_hits);
            }
            let uvw = (origin + dir * t - bmin) / extent;
            let cell = clamp(vec3<i32>(floor(uvw * frame.grid.xyz / block)), vec3<i32>(0), cells);
            if (textureLoad(occupancy, cell, 0).r == 0u) {
                // Jump to the first sample past this empty block.
                let cmin = bmin + vec3<f32>(cell) * cell_size;
                let e0 = (cmin - origin) * inv;
                let e1 = (cmin + cell_size - origin) * inv;
                let t_exit = min(min(max(e0.x, e1.x), max(e0.y, e1.y)), max(e0.z, e1.z));
                let k_exit = clamp(ceil((t_exit - t_near) / dt - 0.5), 0.0, f32(n));
                k = max(k + 1u, u32(k_exit));
                continue;
            }
            let b = textureSampleLevel(base, linear_clamp, uvw, 0.0);
            let sigma = b.a * frame.up.w;
            if (sigma > 0.0) {
                let alpha = 1.0 - exp(-sigma * dt);
                let w = transmittance * alpha;
                volume += w * (SH_C0 * b.rgb + 0.5);
                weight += w;
                if (w > best_w) {
                    best_w = w;
                    best_t = t;
                }
                if (transmittance > 0.5 && transmittance * (1.0 - alpha) <= 0.5) {
                    depth = t;
                }
                transmittance *= 1.0 - alpha;
            }
            k = k + 1u;
        }
        // Signs behind the last sample.
        while (transmittance >= 0.01 && next_hit < n_hits) {
            over(hits[next_hit], &radiance, &transmittance, &depth);
            next_hit = next_hit + 1u;
        }
        if (best_w > 0.0) {
            // View-dependent colour once, where the ray meets the field most.
            let uvw = (origin + dir * best_t - bmin) / extent;
            volume += weight * vec3<f32>(
                sh_linear(textureSampleLevel(rest_r, linear_clamp, uvw, 0.0), dir),
                sh_linear(textureSampleLevel(rest_g, linear_clamp, uvw, 0.0), dir),
                sh_linear(textureSampleLevel(rest_b, linear_clamp, uvw, 0.0), dir));
            // The key light on that surface: its normal from the density gradient.
            let key = frame.key_light;
            if (key.w > 0.0) {
                let e = 1.0 / frame.grid.xyz;
                let ex = vec3<f32>(e.x, 0.0, 0.0);
                let ey = vec3<f32>(0.0, e.y, 0.0);
                let ez = vec3<f32>(0.0, 0.0, e.z);
                let grad = vec3<f32>(
                    textureSampleLevel(base, linear_clamp, uvw + ex, 0.0).a - textureSampleLevel(base, linear_clamp, uvw - ex, 0.0).a,
                    textureSampleLevel(base, linear_clamp, uvw + ey, 0.0).a - textureSampleLevel(base, linear_clamp, uvw - ey, 0.0).a,
                    textureSampleLevel(base, linear_clamp, uvw + ez, 0.0).a - textureSampleLevel(base, linear_clamp, uvw - ez, 0.0).a);
                let g = length(grad);
                if (g > 1e-4) {
                    let lambert = max(dot(-grad / g, key.xyz), 0.0);
                    let albedo = SH_C0 * textureSampleLevel(base, linear_clamp, uvw, 0.0).rgb + 0.5;
                    volume += weight * key.w * lambert * albedo;
                }
            }
        }
    }
    radiance += max(volume, vec3<f32>(0.0));
    var color = radiance * frame.light.rgb + transmittance * sky(dir);
    let fog_amount = 1.0 - exp(-frame.fog.w * min(depth, 12.0));
    color = mix(color, frame.fog.rgb, fog_amount);
    for (var j = 0u; j < 3u; j = j + 1u) {
        let layer = 2u - j;
        if (0.8 * f32(1u << layer) < depth) {
            color = weather_layer(color, in.uv, layer);
        }
    }
    return vec4<f32>(color * frame.light.w, 1.0);
}
