//! Property tests of the director: for arbitrary films (branches, loops with exits,
//! protected and challenge segments, pacing, placements, guardrails) and arbitrary
//! estimate streams (noise, NaN, dropouts), the delivered cut never breaks a guardrail
//! or touches a protected segment, every cut falls on a frame, and replaying the cut
//! ID's bytes without any biometric input gives the same film, directive for directive.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use livingfilm_core::Estimate;
use livingfilm_director::{Controller, Decision, Directive, DirectorEvent, Film};
use proptest::prelude::*;

const TICK: f64 = 0.25;

#[derive(Debug, Clone)]
struct SegSpec {
    variants: Vec<(f32, f64)>,
    target: (f32, f32),
    protected: bool,
    challenge: bool,
    pacing: (f32, f32),
    /// Extra successors (indices, may point backwards: loops), after the default.
    extra_next: Vec<usize>,
    max_visits: u32,
    slot_items: Vec<(f32, bool)>,
}

fn seg_spec() -> impl Strategy<Value = SegSpec> {
    (
        prop::collection::vec((0.0f32..=1.0, 1.0f64..12.0), 1..4),
        (0.0f32..=1.0, 0.0f32..=1.0),
        any::<bool>(),
        any::<bool>(),
        (0.5f32..=1.0, 1.0f32..=2.0),
        prop::collection::vec(0usize..8, 0..3),
        1u32..4,
        prop::collection::vec((0.0f32..=1.0, any::<bool>()), 0..4),
    )
        .prop_map(
            |(variants, target, protected, challenge, pacing, extra_next, max_visits, slot)| {
                let protected = protected && variants.len() == 1;
                SegSpec {
                    variants,
                    target,
                    protected,
                    challenge: challenge && !protected,
                    pacing,
                    extra_next,
                    max_visits,
                    slot_items: slot,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct Rails {
    max_adaptation_per_min: f32,
    min_dwell_s: f64,
    max_deviation: f32,
    max_one_sided_s: f64,
    hysteresis: f32,
}

fn rails() -> impl Strategy<Value = Rails> {
    (
        0.0f32..1.5,
        0.0f64..30.0,
        0.0f32..0.6,
        5.0f64..120.0,
        0.0f32..0.2,
    )
        .prop_map(|(a, d, m, o, h)| Rails {
            max_adaptation_per_min: a,
            min_dwell_s: d,
            max_deviation: m,
            max_one_sided_s: o,
            hysteresis: h,
        })
}

/// A manifest for the specs: segment `k`'s default successor is `k + 1` (the last one
/// ends), so the director's path always ends; extra successors may loop back.
fn manifest(segs: &[SegSpec], g: &Rails, fps: u32) -> String {
    let mut m = String::new();
    writeln!(
        m,
        "[film]\nid = \"prop\"\ntitle = \"p\"\nfps = {fps}\nwidth = 64\nheight = 36\nsample_rate = 48000\n\
         [[grade.looks]]\nlut = \"a.cube\"\nweight = [0.0, 1.0]\n\
         [music]\nintensity = [0.1, 0.9]\n[[music.stems]]\nid = \"s\"\nfile = \"s.wav\"\ngain = [1.0, 0.5]\n\
         [guardrails]\nmax_adaptation_per_min = {}\nmin_dwell_s = {}\nmax_deviation = {}\nmax_one_sided_s = {}\nhysteresis = {}",
        g.max_adaptation_per_min, g.min_dwell_s, g.max_deviation, g.max_one_sided_s, g.hysteresis
    )
    .unwrap();
    let n = segs.len();
    for (k, s) in segs.iter().enumerate() {
        let mut next: Vec<usize> = if k + 1 < n { vec![k + 1] } else { vec![] };
        for &e in &s.extra_next {
            let e = e % n;
            if !next.is_empty() && !next.contains(&e) {
                next.push(e);
            }
        }
        let next: Vec<String> = next.iter().map(|i| format!("\"s{i}\"")).collect();
        writeln!(
            m,
            "[[segments]]\nid = \"s{k}\"\ntarget_tension = [{}, {}]\nprotected = {}\nchallenge = {}\n\
             pacing = [{}, {}]\nmax_visits = {}\nnext = [{}]",
            s.target.0,
            s.target.1,
            s.protected,
            s.challenge,
            s.pacing.0,
            s.pacing.1,
            s.max_visits,
            next.join(", ")
        )
        .unwrap();
        for (v, (intensity, dur)) in s.variants.iter().enumerate() {
            writeln!(
                m,
                "[[segments.variants]]\nid = \"v{v}\"\nscene = \"x.lfscene\"\nduration_s = {dur}\nintensity = {intensity}\n\
                 camera = {{ radius = 2.0, height = 1.0, from_deg = 0, to_deg = 10, fov_deg = 50 }}\n\
                 fog = [0.0, 0.2]\nexposure = [0.9, 1.2]\nlight = [1.0, 1.0, 1.0]"
            )
            .unwrap();
        }
        if !s.slot_items.is_empty() {
            let items: Vec<String> = s
                .slot_items
                .iter()
                .enumerate()
                .map(|(i, (x, c))| {
                    format!("{{ id = \"i{i}\", intensity = {x}, needs_consent = {c} }}")
                })
                .collect();
            writeln!(
                m,
                "[[segments.placements]]\nslot = \"sign\"\nitems = [{}]",
                items.join(", ")
            )
            .unwrap();
        }
    }
    m
}

/// Runs a controller to the end of the film: its decisions, directives and the choice bytes.
fn run(
    mut ctl: Controller,
    stream: &[(f32, f32)],
) -> (Vec<Decision>, Vec<Directive>, Vec<u8>, f64) {
    let mut directives = Vec::new();
    for k in 0..40_000u64 {
        let t = k as f64 * TICK;
        let (tension, confidence) = stream
            .get(k as usize % stream.len().max(1))
            .copied()
            .unwrap_or((0.0, 0.0));
        let est = Estimate {
            t,
            tension,
            confidence,
        };
        for e in ctl.tick(&est, TICK).events {
            match e {
                DirectorEvent::Directive(d) => directives.push(d),
                DirectorEvent::End { duration_s } => {
                    return (
                        ctl.decisions().to_vec(),
                        directives,
                        ctl.decision_bytes(),
                        duration_s,
                    )
                }
                DirectorEvent::Preload { .. } => {}
            }
        }
    }
    panic!("the film did not end");
}

fn increase(prev: f32, next: f32) -> f32 {
    if prev == 0.0 || prev.signum() == next.signum() {
        (next.abs() - prev.abs()).max(0.0)
    } else {
        next.abs()
    }
}

fn check_guardrails(film: &Film, decisions: &[Decision], directives: &[Directive], end: f64) {
    let g = film.guardrails;
    let fps = film.info.fps as f64;
    let eps = 1e-4;
    let mut visits = vec![0u32; film.segments.len()];
    let mut departures: Vec<(f64, f32)> = Vec::new();
    let mut prev = 0.0f32;
    for (k, d) in decisions.iter().enumerate() {
        let seg = &film.segments[d.segment];
        // Cuts fall on frames.
        assert!(
            ((d.t * fps).round() - d.t * fps).abs() < 1e-6,
            "cut at {}",
            d.t
        );
        assert!(d.offset.abs() <= g.max_deviation + eps, "{d:?}");
        if seg.protected {
            assert!(
                d.variant == 0 && d.offset == 0.0 && d.pace == 1.0,
                "protected: {d:?}"
            );
        }
        if seg.challenge {
            assert!(d.offset >= 0.0, "challenge softened: {d:?}");
            assert!(seg.variants[d.variant].intensity >= seg.variants[0].intensity);
        }
        let [lo, hi] = seg.pacing;
        assert!(d.pace >= lo - eps && d.pace <= hi + eps, "{d:?}");
        if d.branched {
            assert!(visits[d.segment] < seg.max_visits, "over max_visits: {d:?}");
        }
        visits[d.segment] += 1;
        let inc = increase(prev, d.offset);
        if inc > 1e-6 {
            if let Some(&(last, _)) = departures.last() {
                assert!(
                    d.t - last >= g.min_dwell_s - 1e-6,
                    "departures at {last} and {} closer than {}",
                    d.t,
                    g.min_dwell_s
                );
            }
            departures.push((d.t, inc));
            let used: f32 = departures
                .iter()
                .filter(|(at, _)| *at > d.t - 60.0)
                .map(|(_, x)| x)
                .sum();
            assert!(
                used <= g.max_adaptation_per_min + eps,
                "{used} of adaptation in the minute before {}",
                d.t
            );
        }
        // One-sided runs end in time (the run ends where its last segment ends).
        if d.offset != 0.0 {
            let start = decisions[..=k]
                .iter()
                .rev()
                .take_while(|e| e.offset.signum() == d.offset.signum() && e.offset != 0.0)
                .last()
                .map_or(d.t, |e| e.t);
            let seg_end = decisions.get(k + 1).map_or(end, |e| e.t);
            assert!(
                seg_end - start <= g.max_one_sided_s + 1e-6,
                "one-sided from {start} to {seg_end}"
            );
        }
        prev = d.offset;
    }
    for dir in directives {
        let seg = &film.segments[dir.segment];
        let target = seg.target_at((dir.t - dir.segment_start) / dir.segment_duration);
        assert!(
            (dir.drive - target).abs() <= g.max_deviation + eps,
            "drive {} vs director's {target} at {}",
            dir.drive,
            dir.t
        );
        if seg.protected {
            assert!(
                (dir.drive - target).abs() < 1e-6,
                "protected altered at {}",
                dir.t
            );
            assert_eq!(dir.variant, 0);
        }
        let frames = dir.segment_start * fps;
        assert!((frames.round() - frames).abs() < 1e-6);
    }
}

fn without_reasons(ds: &[Decision]) -> Vec<Decision> {
    ds.iter()
        .map(|d| Decision {
            reason: String::new(),
            ..d.clone()
        })
        .collect()
}

fn without_signal(ds: &[Directive]) -> Vec<Directive> {
    ds.iter()
        .map(|d| Directive {
            tension: 0.0,
            confidence: 0.0,
            ..*d
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn guardrails_hold_and_cut_ids_replay(
        segs in prop::collection::vec(seg_spec(), 1..7),
        g in rails(),
        fps in prop::sample::select(vec![24u32, 25, 30, 60]),
        stream in prop::collection::vec(
            (prop_oneof![4 => -0.2f32..1.2, 1 => Just(f32::NAN)], prop_oneof![3 => 0.0f32..=1.0, 1 => Just(0.0f32)]),
            1..400,
        ),
        consent in any::<bool>(),
    ) {
        let text = manifest(&segs, &g, fps);
        let film = Arc::new(Film::parse(&text, Path::new("prop/film.toml")).expect(&text));
        let mut live = Controller::new(film.clone());
        live.set_placement_consent(consent);
        let (decisions, directives, bytes, end) = run(live, &stream);
        check_guardrails(&film, &decisions, &directives, end);
        // The library's audit (written from the rules' statement) agrees.
        let broken = livingfilm_director::audit::violations(&film, &decisions, end);
        prop_assert!(broken.is_empty(), "{broken:?}");
        // Without consent no item that needs it is shown.
        if !consent {
            for d in &decisions {
                for (_, item) in &d.placements {
                    let seg = &film.segments[d.segment];
                    let needs = seg.placements[0].items.iter().find(|i| Some(&i.id) == item.as_ref()).is_some_and(|i| i.needs_consent);
                    prop_assert!(!needs, "{d:?}");
                }
            }
        }
        let mut again = Controller::replaying(film.clone(), bytes.clone());
        again.set_placement_consent(consent);
        let (replayed, replayed_directives, replay_bytes, replay_end) = run(again, &[]);
        prop_assert_eq!(without_reasons(&replayed), without_reasons(&decisions));
        prop_assert_eq!(without_signal(&replayed_directives), without_signal(&directives));
        prop_assert_eq!(replay_bytes, bytes);
        prop_assert_eq!(replay_end, end);
    }
}
