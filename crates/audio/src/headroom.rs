//! `livingfilm check`'s headroom warning: whether the stems, at the gains the manifest
//! gives them, can sum over full scale. The master limiter then holds the mix at
//! -1 dBTP (so nothing clips), but it is working, audibly on dense material; the film
//! maker should know before a viewer does, and fix it with the stem gains.
//!
//! The figure is a bound, not a prediction: each stem's own sample peak times its gain,
//! summed over the stems that can sound together, as if their peaks coincided. So a
//! warning says the mix *can* clip; `report.json`'s `audio.clipped_samples_before_limiter`
//! says whether a particular viewing did.
//!
//! What can sound together, at each music intensity the manifest allows: every stem
//! without a cue, plus the stems of one cue, or of two cues in an equal-power crossfade
//! (`a·sin θ + b·cos θ` peaks at `√(a² + b²)`), plus the loudest stinger. Dialogue's
//! ducking only lowers the music, so it is left out (the bound stays a bound).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use livingfilm_core::score::MusicSpec;
use livingfilm_core::Film;

/// Points at which the gain curves are evaluated across the intensity range.
const STEPS: usize = 64;

/// The worst case found.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom {
    /// Largest possible sum of peaks (linear, full scale 1.0).
    pub peak: f64,
    /// The music intensity at which it happens.
    pub intensity: f32,
    /// Stem ids that contribute there, with each one's peak × gain.
    pub parts: Vec<(String, f64)>,
}

impl Headroom {
    /// The bound in dBFS.
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * self.peak.max(1e-12).log10()
    }
}

/// The worst-case sum for `music` whose stems peak at `stem_peaks` and stingers at
/// `stinger_peaks` (linear; `None`: unknown, left out), over music intensities `range`.
pub fn worst_case(
    music: &MusicSpec,
    range: [f32; 2],
    stem_peaks: &[Option<f64>],
    stinger_peaks: &[Option<f64>],
) -> Headroom {
    let stinger = music
        .stingers
        .iter()
        .zip(stinger_peaks)
        .filter_map(|(s, p)| p.map(|p| (s.id.clone(), p * 10f64.powf(s.gain_db as f64 / 20.0))))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let cues = music.cues();
    let mut worst = Headroom {
        peak: 0.0,
        intensity: range[0],
        parts: vec![],
    };
    for step in 0..=STEPS {
        let x = range[0] + (range[1] - range[0]) * step as f32 / STEPS as f32;
        let level = |k: usize| stem_peaks[k].unwrap_or(0.0) * music.stems[k].gain_at(x) as f64;
        let in_cue = |cue: Option<&str>| {
            (0..music.stems.len())
                .filter(|&k| music.stems[k].cue.as_deref() == cue)
                .map(level)
                .sum::<f64>()
        };
        // The loudest cue alone, or the loudest pair at the worst moment of a crossfade.
        let mut pick: (f64, Vec<&str>) = (0.0, vec![]);
        for (i, a) in cues.iter().enumerate() {
            let la = in_cue(Some(a));
            if la > pick.0 {
                pick = (la, vec![a]);
            }
            for b in &cues[i + 1..] {
                let both = la.hypot(in_cue(Some(b)));
                if both > pick.0 {
                    pick = (both, vec![a, b]);
                }
            }
        }
        let total = in_cue(None) + pick.0 + stinger.as_ref().map_or(0.0, |s| s.1);
        if total > worst.peak {
            let mut parts: Vec<(String, f64)> = (0..music.stems.len())
                .filter(|&k| match music.stems[k].cue.as_deref() {
                    None => true,
                    Some(c) => pick.1.contains(&c),
                })
                .map(|k| (music.stems[k].id.clone(), level(k)))
                .filter(|(_, l)| *l > 0.0)
                .collect();
            parts.extend(stinger.clone());
            worst = Headroom {
                peak: total,
                intensity: x,
                parts,
            };
        }
    }
    worst
}

/// The music intensities a viewing can reach: the film's range and every segment's.
fn intensity_range(film: &Film) -> [f32; 2] {
    film.segments
        .iter()
        .filter_map(|s| s.music)
        .fold(film.music.intensity, |r, m| {
            [r[0].min(m[0].min(m[1])), r[1].max(m[0].max(m[1]))]
        })
        .map(|v| v.clamp(0.0, 1.0))
}

/// `check`'s warnings as (field, message): one when the stems can sum over full scale.
/// `resolved` maps each asset as written to the file found for it; assets missing
/// there (already reported as errors) are left out of the sum.
pub fn warnings(film: &Film, resolved: &HashMap<PathBuf, PathBuf>) -> Vec<(String, String)> {
    let peak_of = |file: &Path| {
        let full = resolved.get(file)?;
        let stats = super::inspect::analyze(full).ok()?;
        Some(stats.peak.iter().copied().fold(0f64, f64::max))
    };
    let stems: Vec<Option<f64>> = film.music.stems.iter().map(|s| peak_of(&s.file)).collect();
    let stingers: Vec<Option<f64>> = film
        .music
        .stingers
        .iter()
        .map(|s| peak_of(&s.file))
        .collect();
    let h = worst_case(&film.music, intensity_range(film), &stems, &stingers);
    if h.peak < 1.0 {
        return vec![];
    }
    let parts: Vec<String> = h
        .parts
        .iter()
        .map(|(id, l)| format!("{id} {:.1} dBFS", 20.0 * l.log10()))
        .collect();
    vec![(
        "music.stems".into(),
        format!(
            "the stems can sum to a peak of {:+.1} dBFS (at music intensity {:.2}: {}), \
             over full scale: the master limiter will hold the mix at {} dBTP, which is audible when it acts often; \
             lower the stem gains by {:.1} dB or more for a clean mix",
            h.peak_dbfs(),
            h.intensity,
            parts.join(" + "),
            super::limiter::CEILING_DBTP,
            h.peak_dbfs() - super::limiter::CEILING_DBTP as f64,
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use livingfilm_core::score::{DuckingSpec, Quantize, StemRole, StemSpec, TransitionSpec};

    fn stem(id: &str, gain: f32, cue: Option<&str>) -> StemSpec {
        StemSpec {
            id: id.into(),
            file: PathBuf::from(format!("{id}.wav")),
            gain: [gain, gain],
            curve: vec![],
            cue: cue.map(Into::into),
            role: StemRole::Music,
            looping: true,
        }
    }

    fn music(stems: Vec<StemSpec>) -> MusicSpec {
        MusicSpec {
            intensity: [0.0, 1.0],
            stems,
            tempo: vec![],
            transition: TransitionSpec {
                quantize: Quantize::Bar,
                crossfade_s: 1.0,
            },
            ramp_s: 0.1,
            ducking: DuckingSpec::default(),
            stingers: vec![],
        }
    }

    #[test]
    fn uncued_stems_add_and_cues_crossfade_with_equal_power() {
        let m = music(vec![
            stem("bed", 0.5, None),
            stem("a", 1.0, Some("calm")),
            stem("b", 1.0, Some("drive")),
        ]);
        let h = worst_case(&m, [0.0, 1.0], &[Some(0.8), Some(0.3), Some(0.4)], &[]);
        // 0.4 + hypot(0.3, 0.4) = 0.4 + 0.5.
        assert!((h.peak - 0.9).abs() < 1e-9, "{h:?}");
        assert_eq!(h.parts.len(), 3);
    }

    #[test]
    fn gains_follow_the_intensity_range() {
        let mut s = stem("x", 0.0, None);
        s.gain = [0.5, 2.0];
        let m = music(vec![s]);
        let low = worst_case(&m, [0.0, 0.2], &[Some(0.5)], &[]);
        let full = worst_case(&m, [0.0, 1.0], &[Some(0.5)], &[]);
        assert!((low.peak - 0.5 * 0.8).abs() < 1e-6, "{low:?}");
        assert!(
            (full.peak - 1.0).abs() < 1e-6 && full.intensity == 1.0,
            "{full:?}"
        );
    }
}
