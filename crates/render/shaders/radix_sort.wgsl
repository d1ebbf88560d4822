// Stable LSD radix sort of (key, value) pairs on the GPU, 8 bits per pass, as three
// kernels per pass: a per-workgroup digit histogram, a scan that turns the histograms
// into scatter offsets (one workgroup per digit), and a scatter that ranks each pair
// among the earlier pairs of its workgroup with the same digit (stable). Four passes
// sort 32-bit keys; pairs ping-pong between two buffers and end where they began.

const BLOCK: u32 = 256u;

struct SortPass {
    count: u32,  // pairs
    shift: u32,  // bit offset of this pass's digit
    index: u32,  // pass number (selects this pass's digit totals)
    groups: u32, // workgroups of BLOCK pairs
};

@group(0) @binding(0) var<uniform> pass_info: SortPass;
@group(0) @binding(1) var<storage, read> src: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2<u32>>;
// [digit][group] counts, then (after `scan`) each group's first slot per digit.
@group(0) @binding(3) var<storage, read_write> hist: array<u32>;
// [pass][digit] pairs per digit, summed by `histogram`.
@group(0) @binding(4) var<storage, read_write> totals: array<atomic<u32>>;

var<workgroup> counts: array<atomic<u32>, 256>;
var<workgroup> sums: array<u32, 256>;
var<workgroup> digits: array<atomic<u32>, 64>;

fn digit_of(key: u32) -> u32 {
    return (key >> pass_info.shift) & 255u;
}

@compute @workgroup_size(256)
fn histogram(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    atomicStore(&counts[t], 0u);
    workgroupBarrier();
    let i = wg.x * BLOCK + t;
    if (i < pass_info.count) {
        atomicAdd(&counts[digit_of(src[i].x)], 1u);
    }
    workgroupBarrier();
    let c = atomicLoad(&counts[t]);
    hist[t * pass_info.groups + wg.x] = c;
    if (c > 0u) {
        atomicAdd(&totals[pass_info.index * 256u + t], c);
    }
}

// Inclusive prefix sum of `sums` across the workgroup (Hillis-Steele).
fn scan_sums(t: u32) {
    for (var off = 1u; off < 256u; off = off << 1u) {
        workgroupBarrier();
        var v = sums[t];
        if (t >= off) {
            v += sums[t - off];
        }
        workgroupBarrier();
        sums[t] = v;
    }
    workgroupBarrier();
}

@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    let d = wg.x;
    // Pairs with a smaller digit come first.
    sums[t] = select(0u, atomicLoad(&totals[pass_info.index * 256u + t]), t < d);
    scan_sums(t);
    let base = sums[255];
    workgroupBarrier();
    // Then this digit's pairs of earlier workgroups: each thread scans a run of groups.
    let n = pass_info.groups;
    let per = (n + 255u) / 256u;
    let start = min(t * per, n);
    let end = min(start + per, n);
    var s = 0u;
    for (var g = start; g < end; g = g + 1u) {
        s += hist[d * n + g];
    }
    sums[t] = s;
    scan_sums(t);
    var run = base + sums[t] - s;
    for (var g = start; g < end; g = g + 1u) {
        let c = hist[d * n + g];
        hist[d * n + g] = run;
        run += c;
    }
}

// Number of zero bytes in `x`.
fn zero_bytes(x: u32) -> u32 {
    let y = (x & 0x7f7f7f7fu) + 0x7f7f7f7fu;
    return countOneBits(~(y | x | 0x7f7f7f7fu));
}

@compute @workgroup_size(256)
fn scatter(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    if (t < 64u) {
        atomicStore(&digits[t], 0u);
    }
    workgroupBarrier();
    let i = wg.x * BLOCK + t;
    let valid = i < pass_info.count;
    var pair = vec2<u32>(0u);
    var d = 0u;
    if (valid) {
        pair = src[i];
        d = digit_of(pair.x);
        atomicOr(&digits[t >> 2u], d << ((t & 3u) * 8u));
    }
    workgroupBarrier();
    if (valid) {
        // Rank among earlier pairs of this workgroup with the same digit: four digits
        // packed per word, compared a word at a time.
        let pattern = d * 0x01010101u;
        var rank = 0u;
        let full = t >> 2u;
        for (var k = 0u; k < full; k = k + 1u) {
            rank += zero_bytes(atomicLoad(&digits[k]) ^ pattern);
        }
        let part = t & 3u;
        if (part > 0u) {
            let mask = (1u << (part * 8u)) - 1u;
            rank += zero_bytes((atomicLoad(&digits[full]) ^ pattern) | ~mask);
        }
        dst[hist[d * pass_info.groups + wg.x] + rank] = pair;
    }
}

// `scan` for few workgroups, in one workgroup: thread d scans digit d's run of groups
// itself (a single dispatch; cheaper where workgroups are costly, e.g. on a CPU).
@compute @workgroup_size(256)
fn scan_small(@builtin(local_invocation_index) d: u32) {
    let total = atomicLoad(&totals[pass_info.index * 256u + d]);
    sums[d] = total;
    scan_sums(d);
    var run = sums[d] - total;
    let n = pass_info.groups;
    for (var g = 0u; g < n; g = g + 1u) {
        let c = hist[d * n + g];
        hist[d * n + g] = run;
        run += c;
    }
}
