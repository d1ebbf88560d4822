//! `inspect` for the smaller kinds: images (signs, stills), Y4M clips, biometrics
//! replays and NumPy arrays; each read by the same loader the player uses.

use std::io::{BufReader, Read};
use std::path::Path;

use livingfilm_biometrics::Reading;

/// What `inspect` reports about an image.
#[derive(serde::Serialize)]
struct ImageStats {
    file: String,
    format: String,
    width: u32,
    height: u32,
    colour: String,
    alpha: bool,
}

pub fn image(file: &Path, json: bool) -> anyhow::Result<()> {
    let img = livingfilm_render::media::open_image(file)?;
    let mut head = [0u8; 4];
    let png = livingfilm_core::untrusted::open_regular(file)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == *b"\x89PNG";
    let s = ImageStats {
        file: file.display().to_string(),
        format: if png { "PNG" } else { "OpenEXR" }.into(),
        width: img.width(),
        height: img.height(),
        colour: format!("{:?}", img.color()),
        alpha: img.color().has_alpha(),
    };
    if json {
        return super::print_json(&s);
    }
    println!("file       {}", s.file);
    println!("kind       image ({})", s.format);
    println!("size       {} x {}", s.width, s.height);
    println!(
        "colour     {}{}",
        s.colour,
        if s.alpha { ", with alpha" } else { "" }
    );
    Ok(())
}

/// What `inspect` reports about a Y4M clip.
#[derive(serde::Serialize)]
struct ClipStats {
    file: String,
    width: u32,
    height: u32,
    fps: f64,
    chroma: String,
    full_range: bool,
    file_bytes: u64,
}

pub fn y4m(file: &Path, json: bool) -> anyhow::Result<()> {
    let f = livingfilm_core::untrusted::open_regular(file)?;
    let file_bytes = f.metadata()?.len();
    let h = livingfilm_render::media::y4m::Y4mReader::new(BufReader::new(f), file)?.header;
    let s = ClipStats {
        file: file.display().to_string(),
        width: h.width,
        height: h.height,
        fps: h.rate.0 as f64 / h.rate.1.max(1) as f64,
        chroma: format!("{:?}", h.chroma),
        full_range: h.full_range,
        file_bytes,
    };
    if json {
        return super::print_json(&s);
    }
    println!("file       {}", s.file);
    println!("kind       Y4M clip");
    println!("size       {} x {} at {:.3} fps", s.width, s.height, s.fps);
    println!(
        "chroma     {} ({} range)",
        s.chroma,
        if s.full_range { "full" } else { "limited" }
    );
    Ok(())
}

/// What `inspect` reports about a replay.
#[derive(serde::Serialize)]
struct ReplayStats {
    file: String,
    samples: usize,
    rr_intervals: usize,
    heart_rates: usize,
    pupil: usize,
    start_s: f64,
    end_s: f64,
    /// From the RR intervals, else the heart-rate readings.
    mean_hr_bpm: Option<f64>,
}

pub fn replay(file: &Path, json: bool) -> anyhow::Result<()> {
    let samples = livingfilm_biometrics::load_replay(file)?;
    let count = |f: fn(&Reading) -> Option<f64>| -> Vec<f64> {
        samples.iter().filter_map(|s| f(&s.reading)).collect()
    };
    let rr = count(|r| match r {
        Reading::Rr { ms } => Some(*ms),
        _ => None,
    });
    let hr = count(|r| match r {
        Reading::Hr { bpm } => Some(*bpm),
        _ => None,
    });
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let s = ReplayStats {
        file: file.display().to_string(),
        samples: samples.len(),
        rr_intervals: rr.len(),
        heart_rates: hr.len(),
        pupil: samples.len() - rr.len() - hr.len(),
        start_s: samples.first().map_or(0.0, |s| s.t),
        end_s: samples.last().map_or(0.0, |s| s.t),
        mean_hr_bpm: mean(&rr).map(|ms| 60_000.0 / ms).or_else(|| mean(&hr)),
    };
    if json {
        return super::print_json(&s);
    }
    println!("file       {}", s.file);
    println!("kind       biometrics replay");
    println!(
        "samples    {} ({} RR intervals, {} heart rates, {} pupil)",
        s.samples, s.rr_intervals, s.heart_rates, s.pupil
    );
    println!("time       {:.2} .. {:.2} s", s.start_s, s.end_s);
    if let Some(b) = s.mean_hr_bpm {
        println!("heart rate {b:.1} bpm on average");
    }
    Ok(())
}

pub fn npy(file: &Path, json: bool) -> anyhow::Result<()> {
    let a = livingfilm_inference::npy::NpyArray::load(file)?;
    let v = serde_json::json!({
        "file": file.display().to_string(),
        "shape": a.shape,
        "dtype": a.data.descr(),
    });
    if json {
        return super::print_json(&v);
    }
    println!("file       {}", file.display());
    println!("kind       NumPy array");
    println!("shape      {:?}", a.shape);
    println!("dtype      {}", a.data.descr());
    Ok(())
}
