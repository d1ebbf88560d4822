// Projects each 3D Gaussian to a 2D conic for this frame (EWA splatting with the 3DGS
// reference's 0.3 px low-pass), evaluates its view-dependent colour (SH degree 0..3),
// and writes its sort key (view depth) and index; entries past the splats carry the
// layers' keys. crates/render/src/splat/cpu.rs does the same; keep the two in step.

@group(0) @binding(2) var<storage, read> geom: array<vec4<f32>>;  // per splat: centre + opacity, scale, rotation (w, x, y, z)
@group(0) @binding(3) var<storage, read> sh_words: array<u32>;    // per splat: f16 pairs, red coefficients, then green, then blue
@group(0) @binding(4) var<storage, read_write> projected: array<vec4<f32>>; // per splat: centre + radius + opacity, conic + depth, colour
@group(0) @binding(5) var<storage, read_write> pairs: array<vec2<u32>>;     // (sort key, entry)

const SH_C0: f32 = 0.2820948;
const SH_C1: f32 = 0.4886025;
const SH_C2 = array<f32, 5>(1.0925484, -1.0925484, 0.31539157, -1.0925484, 0.5462742);
const SH_C3 = array<f32, 7>(-0.5900436, 2.8906114, -0.4570458, 0.37317633, -0.4570458, 1.4453057, -0.5900436);

fn coeff(first: u32, j: u32) -> f32 {
    let w = unpack2x16float(sh_words[first + (j >> 1u)]);
    return select(w.x, w.y, (j & 1u) == 1u);
}

// SH of this splat's channel `ch` toward `d`, + 0.5, clamped at 0.
fn sh_colour(first: u32, ch: u32, degree: u32, d: vec3<f32>) -> f32 {
    let per = (degree + 1u) * (degree + 1u);
    let o = ch * per;
    let x = d.x;
    let y = d.y;
    let z = d.z;
    var r = SH_C0 * coeff(first, o);
    if (degree > 0u) {
        r += -SH_C1 * y * coeff(first, o + 1u) + SH_C1 * z * coeff(first, o + 2u) - SH_C1 * x * coeff(first, o + 3u);
    }
    if (degree > 1u) {
        let xx = x * x;
        let yy = y * y;
        let zz = z * z;
        r += SH_C2[0] * x * y * coeff(first, o + 4u)
            + SH_C2[1] * y * z * coeff(first, o + 5u)
            + SH_C2[2] * (2.0 * zz - xx - yy) * coeff(first, o + 6u)
            + SH_C2[3] * x * z * coeff(first, o + 7u)
            + SH_C2[4] * (xx - yy) * coeff(first, o + 8u);
        if (degree > 2u) {
            r += SH_C3[0] * y * (3.0 * xx - yy) * coeff(first, o + 9u)
                + SH_C3[1] * x * y * z * coeff(first, o + 10u)
                + SH_C3[2] * y * (4.0 * zz - xx - yy) * coeff(first, o + 11u)
                + SH_C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy) * coeff(first, o + 12u)
                + SH_C3[4] * x * (4.0 * zz - xx - yy) * coeff(first, o + 13u)
                + SH_C3[5] * z * (xx - yy) * coeff(first, o + 14u)
                + SH_C3[6] * x * (xx - 3.0 * yy) * coeff(first, o + 15u);
        }
    }
    return max(r + 0.5, 0.0);
}

@compute @workgroup_size(256)
fn project(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let n = sp.counts.x;
    if (i >= sp.counts.z) {
        return;
    }
    if (i >= n) {
        let l = i - n;
        pairs[i] = vec2<u32>(sp.layer_keys[l >> 2u][l & 3u], i);
        return;
    }
    pairs[i] = vec2<u32>(CULLED, i);
    let g0 = geom[3u * i];
    let s = geom[3u * i + 1u].xyz;
    let q = geom[3u * i + 2u];
    let rel = g0.xyz - frame.eye.xyz;
    let vx = dot(rel, frame.right.xyz);
    let vy = dot(rel, frame.up.xyz);
    let vz = dot(rel, frame.forward.xyz);
    if (vz < sp.misc.x) {
        return;
    }
    // Σ = R S Sᵀ Rᵀ, then in view axes (rows right, up, forward).
    let w = q.x;
    let x = q.y;
    let y = q.z;
    let z = q.w;
    let r = transpose(mat3x3<f32>(
        vec3<f32>(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y - w * z), 2.0 * (x * z + w * y)),
        vec3<f32>(2.0 * (x * y + w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - w * x)),
        vec3<f32>(2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y))));
    let m = mat3x3<f32>(r[0] * s.x, r[1] * s.y, r[2] * s.z);
    let sigma = m * transpose(m);
    let view = transpose(mat3x3<f32>(frame.right.xyz, frame.up.xyz, frame.forward.xyz));
    let vs = view * sigma * transpose(view);
    // Jacobian of (x, y, z) → pixels (y down), at the centre.
    let fx = sp.size.z;
    let fy = sp.size.w;
    let j0 = vec3<f32>(fx / vz, 0.0, -fx * vx / (vz * vz));
    let j1 = vec3<f32>(0.0, -fy / vz, fy * vy / (vz * vz));
    let a = dot(j0, vs * j0) + 0.3;
    let b = dot(j0, vs * j1);
    let c = dot(j1, vs * j1) + 0.3;
    let det = a * c - b * b;
    if (!(det > 0.0)) {
        return;
    }
    let mid = 0.5 * (a + c);
    let lambda = mid + sqrt(max(mid * mid - det, 0.1));
    // 3σ as the reference, or less where the Gaussian fades under 1/255 sooner.
    if (g0.w < 1.0 / 255.0) {
        return;
    }
    let extent = min(sqrt(2.0 * log(255.0 * g0.w)), 3.0);
    let radius = ceil(extent * sqrt(lambda));
    let centre = vec2<f32>(0.5 * sp.size.x + fx * vx / vz, 0.5 * sp.size.y - fy * vy / vz);
    if (centre.x + radius < 0.0 || centre.y + radius < 0.0 || centre.x - radius > sp.size.x || centre.y - radius > sp.size.y) {
        return;
    }
    let d = rel / max(length(rel), 1e-12);
    let first = i * sp.counts.w;
    let deg = sp.counts.y;
    let rgb = vec3<f32>(sh_colour(first, 0u, deg, d), sh_colour(first, 1u, deg, d), sh_colour(first, 2u, deg, d));
    projected[3u * i] = vec4<f32>(centre, radius, g0.w);
    projected[3u * i + 1u] = vec4<f32>(c / det, -b / det, a / det, vz);
    projected[3u * i + 2u] = vec4<f32>(shade(rgb, vz), 0.0);
    pairs[i] = vec2<u32>(bitcast<u32>(vz), i);
}
