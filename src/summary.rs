//! What a manifest holds, in figures (`livingfilm inspect film.toml`): segments, decision
//! and branch points, variants, and how long a viewing can last.
//!
//! Why here and not in `inspect`: the lengths follow the controller's rules (pacing
//! applies to every steered segment, never to a protected one, and only harsher to a
//! challenge), which belong with the manifest's types.

use std::path::{Path, PathBuf};

use livingfilm_core::manifest::{Film, FilmError, Segment};

/// One segment's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentFigures {
    /// Its id.
    pub id: String,
    /// Its variants' ids, the director's first.
    pub variants: Vec<String>,
    /// The segments that may follow, the director's first; empty for an ending.
    pub next: Vec<String>,
    /// Never adapted.
    pub protected: bool,
    /// Only ever made harsher.
    pub challenge: bool,
    /// Shortest and longest it may play, seconds (variants and pacing).
    pub length_s: [f64; 2],
}

/// A manifest's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FilmSummary {
    /// The manifest.
    pub manifest: PathBuf,
    /// `film.id`.
    pub id: String,
    /// `film.title`.
    pub title: String,
    /// Frame rate, picture size, mix rate.
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub sample_rate: u32,
    /// Every segment, in manifest order.
    pub segments: Vec<SegmentFigures>,
    /// Segments with two or more variants that the director may choose among.
    pub decision_points: Vec<String>,
    /// Segments with two or more successors.
    pub branch_points: Vec<String>,
    /// Segments with no successor.
    pub endings: Vec<String>,
    /// Variants over all segments.
    pub variants: usize,
    /// Placement slots over all segments.
    pub placement_slots: usize,
    /// Distinct asset files the manifest names.
    pub assets: usize,
    /// The director's cut (first variant, first successor, authored lengths), seconds.
    pub directors_cut_s: f64,
    /// The shortest viewing, seconds.
    pub shortest_s: f64,
    /// The longest viewing, seconds; an upper bound when `loops` (each segment counted at
    /// its `max_visits`).
    pub longest_s: f64,
    /// Whether branches can lead back to an earlier segment.
    pub loops: bool,
}

/// The figures of the film at `path` (folder or manifest), validated as for play but
/// without reading its assets.
pub fn summarize(path: &Path) -> Result<FilmSummary, FilmError> {
    let (manifest, text) = Film::read_manifest(path)?;
    Ok(summarize_film(&Film::parse(&text, &manifest)?))
}

/// Shortest and longest `seg` may play, seconds.
fn length_s(seg: &Segment) -> [f64; 2] {
    if seg.protected {
        let d = seg.variants.first().map_or(0.0, |v| v.duration_s);
        return [d, d];
    }
    let durations = seg.variants.iter().map(|v| v.duration_s);
    let shortest = durations.clone().fold(f64::INFINITY, f64::min);
    let longest = durations.fold(0.0, f64::max);
    let harsher = seg.pacing[0].min(1.0) as f64;
    let softer = if seg.challenge {
        1.0
    } else {
        seg.pacing[1].max(1.0) as f64
    };
    [shortest * harsher, longest * softer]
}

/// The figures of a validated `film`.
pub fn summarize_film(film: &Film) -> FilmSummary {
    let segs = &film.segments;
    let ids =
        |list: &[usize]| -> Vec<String> { list.iter().map(|&s| segs[s].id.clone()).collect() };
    let lengths: Vec<[f64; 2]> = segs.iter().map(length_s).collect();
    let pick = |f: &dyn Fn(usize, &Segment) -> bool| -> Vec<String> {
        segs.iter()
            .enumerate()
            .filter(|(i, s)| f(*i, s))
            .map(|(_, s)| s.id.clone())
            .collect()
    };
    let mut assets: Vec<PathBuf> = film.asset_fields().into_iter().map(|(_, a)| a).collect();
    assets.sort();
    assets.dedup();
    let loops = has_cycle(&film.successors);
    FilmSummary {
        manifest: film.manifest_path.clone(),
        id: film.info.id.clone(),
        title: film.info.title.clone(),
        fps: film.info.fps,
        width: film.info.width,
        height: film.info.height,
        sample_rate: film.info.sample_rate,
        segments: segs
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentFigures {
                id: s.id.clone(),
                variants: s.variants.iter().map(|v| v.id.clone()).collect(),
                next: ids(&film.successors[i]),
                protected: s.protected,
                challenge: s.challenge,
                length_s: lengths[i],
            })
            .collect(),
        decision_points: pick(&|_, s| s.variants.len() > 1 && !s.protected),
        branch_points: pick(&|i, _| film.successors[i].len() > 1),
        endings: pick(&|i, _| film.successors[i].is_empty()),
        variants: segs.iter().map(|s| s.variants.len()).sum(),
        placement_slots: segs.iter().map(|s| s.placements.len()).sum(),
        assets: assets.len(),
        directors_cut_s: film.default_duration_s(),
        shortest_s: shortest(&film.successors, &lengths),
        longest_s: if loops {
            segs.iter()
                .zip(&lengths)
                .map(|(s, l)| s.max_visits as f64 * l[1])
                .sum()
        } else {
            longest(&film.successors, &lengths)
        },
        loops,
    }
}

/// Whether any segment can lead back to itself.
fn has_cycle(succ: &[Vec<usize>]) -> bool {
    // 0 unseen, 1 on the current path, 2 done.
    fn visit(s: usize, succ: &[Vec<usize>], state: &mut [u8]) -> bool {
        state[s] = 1;
        for &n in &succ[s] {
            if state[n] == 1 || state[n] == 0 && visit(n, succ, state) {
                return true;
            }
        }
        state[s] = 2;
        false
    }
    let mut state = vec![0u8; succ.len()];
    !succ.is_empty() && visit(0, succ, &mut state)
}

/// The shortest viewing from the first segment to an ending (Dijkstra; lengths are
/// never negative).
fn shortest(succ: &[Vec<usize>], lengths: &[[f64; 2]]) -> f64 {
    let n = succ.len();
    let mut best = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    if n == 0 {
        return 0.0;
    }
    best[0] = lengths[0][0];
    let mut end = f64::INFINITY;
    while let Some(s) = (0..n)
        .filter(|&s| !done[s] && best[s].is_finite())
        .min_by(|&a, &b| best[a].total_cmp(&best[b]))
    {
        done[s] = true;
        if succ[s].is_empty() {
            end = end.min(best[s]);
        }
        for &t in &succ[s] {
            best[t] = best[t].min(best[s] + lengths[t][0]);
        }
    }
    if end.is_finite() {
        end
    } else {
        0.0
    }
}

/// The longest viewing when no segment can come back (a longest path in a DAG).
fn longest(succ: &[Vec<usize>], lengths: &[[f64; 2]]) -> f64 {
    fn from(s: usize, succ: &[Vec<usize>], lengths: &[[f64; 2]], memo: &mut [Option<f64>]) -> f64 {
        if let Some(v) = memo[s] {
            return v;
        }
        let rest = succ[s]
            .iter()
            .map(|&t| from(t, succ, lengths, memo))
            .fold(0.0, f64::max);
        let v = lengths[s][1] + rest;
        memo[s] = Some(v);
        v
    }
    if succ.is_empty() {
        return 0.0;
    }
    from(0, succ, lengths, &mut vec![None; succ.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_films_figures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let s = summarize(&root.join("assets/demo")).unwrap();
        assert_eq!(s.segments.len(), 5);
        assert_eq!(s.variants, 7);
        assert_eq!(s.decision_points, ["encounter", "escape"]);
        assert_eq!(s.branch_points, ["escape"]);
        assert_eq!(s.endings, ["coda", "aftermath"]);
        assert!(!s.loops);
        // arrival 12 (protected); encounter 6 x 0.8..1.25; escape 4..6 x 0.75..1
        // (a challenge); coda or aftermath 4 x 1 (no pacing range written: [1, 1]).
        assert!(
            (s.shortest_s - (12.0 + 4.8 + 3.0 + 4.0)).abs() < 1e-4,
            "{s:?}"
        );
        assert!(
            (s.longest_s - (12.0 + 7.5 + 6.0 + 4.0)).abs() < 1e-4,
            "{s:?}"
        );
        assert!(s.shortest_s <= s.directors_cut_s && s.directors_cut_s <= s.longest_s);
    }
}
