// Display grade: LUT look blended by strength, vignette and seeded film grain.

@group(0) @binding(1) var hdr: texture_2d<f32>;
@group(0) @binding(2) var lut: texture_3d<f32>;
@group(0) @binding(3) var lut_sampler: sampler;

@fragment
fn fs_grade(in: VsOut) -> @location(0) vec4<f32> {
    let px = vec2<i32>(in.pos.xy);
    let c = clamp(textureLoad(hdr, px, 0).rgb, vec3<f32>(0.0), vec3<f32>(1.0));
    let n = frame.grade.y;
    let uvw = c * ((n - 1.0) / n) + 0.5 / n;
    let looked = textureSampleLevel(lut, lut_sampler, uvw, 0.0).rgb;
    var out = mix(c, looked, frame.grade.x);

    let d = in.uv - vec2<f32>(0.5);
    out *= 1.0 - frame.grade.w * dot(d, d) * 1.6;

    let seed = u32(frame.bounds_max.w);
    let frame_index = u32(frame.bounds_min.w);
    let g = hash3(u32(px.x) + seed * 7919u, u32(px.y), frame_index) - 0.5;
    out += g * frame.grade.z;
    return vec4<f32>(clamp(out, vec3<f32>(0.0), vec3<f32>(1.0)), 1.0);
}
