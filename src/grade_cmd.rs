//! `livingfilm grade`: apply a look to a still or a clip, for film makers checking it.

use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use livingfilm_render::grade::gpu::{FramePrecision, GpuGrader, LutStorage};
use livingfilm_render::grade::{parse_rgb, Cdl, CubeLut, Grade, GradeParams};
use livingfilm_render::media::still::Still;

use crate::choices::InterpChoice;
use livingfilm_render::media::y4m::{Y4mReader, Y4mWriter};

/// Apply a `.cube` look and grade operators to a still (PNG 8/16-bit, EXR) or a Y4M clip.
///
/// Order: white balance, ASC CDL, lift/gamma/gain, LUT (blended by --strength),
/// vignette, grain. The output keeps the input's bit depth (PNG) or is float (EXR).
///
/// Example: livingfilm grade still.png --lut look.cube --interp tetrahedral -o graded.png
#[derive(clap::Args)]
pub struct GradeArgs {
    /// Input: .png, .exr or .y4m.
    input: PathBuf,
    /// Output: .png or .exr for stills, .y4m for clips.
    #[arg(short, long)]
    output: PathBuf,
    /// The look (.cube: 1D, 3D or shaper + 3D).
    #[arg(long)]
    lut: Option<PathBuf>,
    /// Interpolation of the 3D table.
    #[arg(long, value_enum, default_value_t = InterpChoice::Tetrahedral)]
    interp: InterpChoice,
    /// Blend of the look over its input, 0..1.
    #[arg(long, default_value_t = 1.0)]
    strength: f32,
    /// ASC CDL as slope:offset:power:saturation, e.g. 1.1,1,0.9:0,0,0.02:1,1,1:0.9
    #[arg(long, value_parser = Cdl::parse)]
    cdl: Option<Cdl>,
    /// Lift per channel (r,g,b).
    #[arg(long, value_parser = parse_rgb, default_value = "0,0,0")]
    lift: [f32; 3],
    /// Gamma per channel (r,g,b).
    #[arg(long, value_parser = parse_rgb, default_value = "1,1,1")]
    gamma: [f32; 3],
    /// Gain per channel (r,g,b).
    #[arg(long, value_parser = parse_rgb, default_value = "1,1,1")]
    gain: [f32; 3],
    /// Warm (+) / cool (−) white balance, −1..1.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    temperature: f32,
    /// Magenta (+) / green (−) tint, −1..1.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    tint: f32,
    /// Vignette strength, 0..1.
    #[arg(long, default_value_t = 0.0)]
    vignette: f32,
    /// Film grain amplitude, 0 = off.
    #[arg(long, default_value_t = 0.0)]
    grain: f32,
    /// Grain seed.
    #[arg(long, default_value_t = 0)]
    seed: u32,
    /// Grade on the GPU (same maths; 32-bit float frames).
    #[arg(long)]
    gpu: bool,
}

fn build_grade(a: &GradeArgs) -> anyhow::Result<Grade> {
    if !(0.0..=1.0).contains(&a.strength) {
        bail!("--strength {} must lie within 0..1", a.strength);
    }
    if a.gamma.iter().any(|g| *g <= 0.0) {
        bail!("--gamma values must be positive");
    }
    let lut = a.lut.as_deref().map(CubeLut::load).transpose()?;
    Ok(Grade {
        lut,
        interp: a.interp.into(),
        params: GradeParams {
            temperature: a.temperature,
            tint: a.tint,
            cdl: a.cdl.unwrap_or_default(),
            lift: a.lift,
            gamma: a.gamma,
            gain: a.gain,
            strength: a.strength,
            vignette: a.vignette,
            grain: a.grain,
            seed: a.seed,
        },
    })
}

/// Grades frames on the CPU or, with `--gpu`, on the adapter.
struct Engine {
    grade: Grade,
    gpu: Option<GpuGrader>,
}

impl Engine {
    fn new(grade: Grade, use_gpu: bool, width: u32, height: u32) -> anyhow::Result<Self> {
        let gpu = if use_gpu {
            let ctx = livingfilm_render::GpuContext::new()?;
            Some(GpuGrader::new(
                &ctx,
                &grade,
                LutStorage::Texture,
                FramePrecision::F32,
                width,
                height,
            ))
        } else {
            None
        };
        Ok(Self { grade, gpu })
    }

    fn frame(
        &mut self,
        rgb: &mut [f32],
        width: u32,
        height: u32,
        frame: u32,
    ) -> anyhow::Result<()> {
        match &mut self.gpu {
            Some(g) => g
                .grade(rgb, frame)
                .map_err(|e| anyhow::anyhow!("GPU grade failed: {e}")),
            None => {
                self.grade.frame(rgb, width, height, frame);
                Ok(())
            }
        }
    }
}

fn ext(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

pub fn run(a: GradeArgs, progress: bool) -> anyhow::Result<()> {
    let grade = build_grade(&a)?;
    match ext(&a.input).as_str() {
        "png" | "exr" => {
            let mut still = Still::load(&a.input)?;
            let mut engine = Engine::new(grade, a.gpu, still.width, still.height)?;
            engine.frame(&mut still.rgb, still.width, still.height, 0)?;
            still.save(&a.output)?;
            eprintln!(
                "graded {}x{} {:?} still -> {}",
                still.width,
                still.height,
                still.depth,
                a.output.display()
            );
        }
        "y4m" => {
            if ext(&a.output) != "y4m" {
                bail!("a Y4M clip is written as .y4m, not {}", a.output.display());
            }
            let file = std::fs::File::open(&a.input)
                .with_context(|| format!("opening {}", a.input.display()))?;
            let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
            let mut reader = Y4mReader::new(BufReader::new(file), &a.input)?;
            let h = reader.header.clone();
            let out = std::fs::File::create(&a.output)
                .with_context(|| format!("creating {}", a.output.display()))?;
            let mut writer = Y4mWriter::new(BufWriter::new(out), h.clone())?;
            let luma = (h.width * h.height) as u64;
            let frame_bytes = 6 + match h.chroma {
                livingfilm_render::media::y4m::Chroma::C444 => 3 * luma,
                livingfilm_render::media::y4m::Chroma::C420 => luma * 3 / 2,
            };
            let pb = if progress {
                indicatif::ProgressBar::new(total_bytes / frame_bytes)
            } else {
                indicatif::ProgressBar::hidden()
            };
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} grading {pos}/{len} frames [{bar:30}] {per_sec}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            let mut engine = Engine::new(grade, a.gpu, h.width, h.height)?;
            let mut rgb = Vec::new();
            let mut n = 0u32;
            while reader.read_rgb(&mut rgb)? {
                engine.frame(&mut rgb, h.width, h.height, n)?;
                writer
                    .write_rgb(&rgb)
                    .with_context(|| format!("writing {}", a.output.display()))?;
                n += 1;
                pb.inc(1);
            }
            pb.finish_and_clear();
            writer.finish()?;
            eprintln!(
                "graded {n} frames {}x{} -> {}",
                h.width,
                h.height,
                a.output.display()
            );
        }
        other => bail!(
            "unsupported input `{}` (.{other}): use .png, .exr or .y4m",
            a.input.display()
        ),
    }
    Ok(())
}
