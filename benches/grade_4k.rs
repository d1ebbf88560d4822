//! 4K grading throughput: the CPU path and the GPU pass (3D texture vs storage buffer,
//! f32 and f16 frames), with the frame written for ffmpeg's `lut3d` to grade the same
//! pixels (`scripts/bench_grade.sh` runs both and prints the ratio).
//!
//! `cargo bench --bench grade_4k -- --bench [--cpu-only] [LUT] [INTERP]`; under `cargo test` a
//! 256×144 smoke pass runs instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use livingfilm_render::grade::gpu::{FramePrecision, GpuGrader, LutStorage};
use livingfilm_render::grade::{CubeLut, Grade, GradeParams, Interp};
use livingfilm_render::GpuContext;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let full = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lut_path = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("assets/demo/luts/tension.cube"));
    let interp = match args.get(1).map(String::as_str) {
        Some("trilinear") => Interp::Trilinear,
        _ => Interp::Tetrahedral,
    };
    let (w, h, frames) = if full {
        (3840u32, 2160u32, 10u32)
    } else {
        (256, 144, 2)
    };
    let grade = Grade {
        lut: Some(CubeLut::load(&lut_path)?),
        interp,
        params: GradeParams::default(),
    };

    // A deterministic frame covering the cube: gradients plus hashed noise.
    let frame: Vec<f32> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            let n = livingfilm_render::grade::hash3(x, y, 1);
            [x as f32 / w as f32, y as f32 / h as f32, n]
        })
        .collect();
    if full {
        // ffmpeg's gbrpf32le: planes G, B, R.
        let dir = root.join("target/bench");
        std::fs::create_dir_all(&dir)?;
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("frame_4k.gbrpf32"))?);
        for plane in [1usize, 2, 0] {
            for px in frame.chunks_exact(3) {
                f.write_all(&px[plane].to_le_bytes())?;
            }
        }
        f.flush()?;
    }

    // Best of three rounds, each the mean over `frames` frames: the same statistic the
    // bench script takes for ffmpeg (best of three runs), so host noise hits both alike.
    let mut work = frame.clone();
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let mut total = 0.0;
        for k in 0..frames {
            work.copy_from_slice(&frame);
            let start = Instant::now();
            grade.frame(&mut work, w, h, k);
            total += start.elapsed().as_secs_f64();
        }
        rounds.push(total / frames as f64 * 1e3);
    }
    let cpu = rounds.iter().copied().fold(f64::MAX, f64::min);
    println!(
        "cpu {interp:?} {w}x{h}: {cpu:.1} ms/frame, {:.2} fps ({} threads; rounds {})",
        1e3 / cpu,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        rounds
            .iter()
            .map(|r| format!("{r:.1}"))
            .collect::<Vec<_>>()
            .join(" / ")
    );

    if std::env::args().any(|a| a == "--cpu-only") {
        return Ok(());
    }
    let ctx = match GpuContext::new() {
        Ok(c) => c,
        Err(e) => {
            println!("gpu: skipped ({e})");
            return Ok(());
        }
    };
    println!("gpu adapter: {}", ctx.adapter_name);
    for (storage, precision) in [
        (LutStorage::Texture, FramePrecision::F32),
        (LutStorage::Buffer, FramePrecision::F32),
        (LutStorage::Texture, FramePrecision::F16),
        (LutStorage::Buffer, FramePrecision::F16),
    ] {
        let mut g = GpuGrader::new(&ctx, &grade, storage, precision, w, h);
        g.upload(&frame);
        g.run(0); // warm-up: pipeline and caches
        let mut total = 0.0;
        for k in 0..frames {
            total += g.run(k).as_secs_f64();
        }
        let per = total / frames as f64;
        println!(
            "gpu {storage:?} {precision:?} {w}x{h}: {:.3} ms/pass, {:.1} fps",
            per * 1e3,
            1.0 / per
        );
    }
    Ok(())
}
