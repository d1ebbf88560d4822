// Emission-absorption ray marching of a baked density + radiance grid.

@group(0) @binding(1) var grid: texture_3d<f32>;
@group(0) @binding(2) var grid_sampler: sampler;

fn sky(dir: vec3<f32>) -> vec3<f32> {
    let h = clamp(dir.y * 0.5 + 0.5, 0.0, 1.0);
    let horizon = vec3<f32>(0.16, 0.15, 0.2);
    let zenith = vec3<f32>(0.02, 0.03, 0.08);
    return mix(horizon, zenith, h) * frame.light.rgb;
}

@fragment
fn fs_raymarch(in: VsOut) -> @location(0) vec4<f32> {
    let ndc = vec2<f32>(in.uv.x * 2.0 - 1.0, 1.0 - in.uv.y * 2.0);
    let tan_half = frame.eye.w;
    let dir = normalize(frame.forward.xyz
        + ndc.x * tan_half * frame.forward.w * frame.right.xyz
        + ndc.y * tan_half * frame.up.xyz);
    let origin = frame.eye.xyz;

    // Slab test against the grid box.
    let inv = 1.0 / dir;
    let t0 = (frame.bounds_min.xyz - origin) * inv;
    let t1 = (frame.bounds_max.xyz - origin) * inv;
    let t_near = max(max(min(t0.x, t1.x), min(t0.y, t1.y)), max(min(t0.z, t1.z), 0.0));
    let t_far = min(min(max(t0.x, t1.x), max(t0.y, t1.y)), max(t0.z, t1.z));

    var radiance = vec3<f32>(0.0);
    var transmittance = 1.0;
    var depth = 1e4;
    if (t_far > t_near) {
        let extent = frame.bounds_max.xyz - frame.bounds_min.xyz;
        let max_steps = u32(frame.right.w);
        let dt = length(extent) / f32(max_steps);
        let n = min(u32(ceil((t_far - t_near) / dt)), max_steps);
        var t = t_near + 0.5 * dt;
        for (var i = 0u; i < n; i = i + 1u) {
            let p = origin + dir * t;
            let uvw = (p - frame.bounds_min.xyz) / extent;
            let s = textureSampleLevel(grid, grid_sampler, uvw, 0.0);
            let sigma = s.a * frame.up.w;
            if (sigma > 0.0) {
                let alpha = 1.0 - exp(-sigma * dt);
                radiance += transmittance * alpha * s.rgb;
                if (transmittance > 0.5 && transmittance * (1.0 - alpha) <= 0.5) {
                    depth = t;
                }
                transmittance *= 1.0 - alpha;
                if (transmittance < 0.01) {
                    break;
                }
            }
            t += dt;
        }
    }
    var color = radiance * frame.light.rgb + transmittance * sky(dir);
    let fog_amount = 1.0 - exp(-frame.fog.w * min(depth, 12.0));
    color = mix(color, frame.fog.rgb, fog_amount);
    return vec4<f32>(color * frame.light.w, 1.0);
}
