//! The after-viewing report a person reads: `tension.png` (the estimate against the
//! director's curve, decision markers, the delivered cut) and `report.html`.

use plotters::prelude::*;
use plotters::style::FontStyle;

use std::path::Path;

use super::report::{output_error, write_atomically, Report};
use super::PlayerError;

/// Size of `tension.png`, pixels.
pub const PLOT_SIZE: (u32, u32) = (1280, 640);

const TARGET: RGBColor = RGBColor(30, 90, 200);
const TENSION: RGBColor = RGBColor(220, 60, 40);
const DRIVE: RGBColor = RGBColor(150, 150, 150);
const STEERED: RGBColor = RGBColor(230, 140, 20);

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The font is built in; a failure would be a broken build, and leaves text out.
        let _ =
            plotters::style::register_font("sans-serif", FontStyle::Normal, crate::fonts::UI_FONT);
    });
}

/// Fill colour of a take in the cut strip (the director's take is the palest).
fn take_colour(variant: usize) -> RGBColor {
    const TAKES: [RGBColor; 4] = [
        RGBColor(200, 210, 225),
        RGBColor(120, 170, 110),
        RGBColor(210, 120, 100),
        RGBColor(170, 130, 200),
    ];
    TAKES[variant % TAKES.len()]
}

/// Writes the figures beside `report.json`: the plot `tension.png` and the page
/// `report.html` (what a person at a terminal or the desktop player opens; the C library
/// leaves them to its host).
pub(crate) fn write_figures(r: &Report, dir: &Path) -> Result<(), PlayerError> {
    let png = dir.join("tension.png");
    let other = |e: String| output_error(&png, std::io::Error::other(e));
    let image = tension_plot(r).map_err(|e| other(e.to_string()))?;
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| other(e.to_string()))?;
    write_atomically(&png, &bytes).map_err(|e| output_error(&png, e))?;
    let page = dir.join("report.html");
    write_atomically(&page, html(r).as_bytes()).map_err(|e| output_error(&page, e))
}

/// Why the report's plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters could not draw something (its own words follow).
    #[error("plotting the report: {0}")]
    Draw(Box<dyn std::error::Error + Send + Sync>),
    /// The drawn buffer does not match the image size (a bug, never the report's data).
    #[error("plot buffer size")]
    BufferSize,
}

/// Draws the plot; the error names what plotters could not draw.
pub fn tension_plot(r: &Report) -> Result<image::RgbImage, PlotError> {
    register_font();
    let (w, h) = PLOT_SIZE;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    draw(r, &mut buf).map_err(PlotError::Draw)?;
    image::RgbImage::from_raw(w, h, buf).ok_or(PlotError::BufferSize)
}

fn draw(r: &Report, buf: &mut [u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let root = BitMapBackend::with_buffer(buf, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let (upper, lower) = root.split_vertically(PLOT_SIZE.1 - 110);
    let end = r
        .duration_s
        .max(r.trace.last().map_or(1.0, |p| p.t))
        .max(1.0);
    let mut chart = ChartBuilder::on(&upper)
        .caption(
            format!("{} — cut {}", r.film.title, r.cut_id),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..end, 0f32..1f32)?;
    chart
        .configure_mesh()
        .x_desc("viewing time (s)")
        .y_desc("tension")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            r.trace.iter().map(|p| (p.t, p.drive)),
            DRIVE.stroke_width(1),
        ))?
        .label("offered (drive)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], DRIVE));
    chart
        .draw_series(LineSeries::new(
            r.trace.iter().map(|p| (p.t, p.target)),
            TARGET.stroke_width(3),
        ))?
        .label("director's target")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], TARGET.stroke_width(3)));
    // The estimate in runs where one exists; faded where its confidence is low.
    let mut runs: Vec<Vec<(f64, f32)>> = vec![Vec::new()];
    for p in &r.trace {
        match p.tension {
            Some(v) if p.confidence >= 0.2 => runs.last_mut().unwrap().push((p.t, v)),
            _ if !runs.last().unwrap().is_empty() => runs.push(Vec::new()),
            _ => {}
        }
    }
    let mut labelled = false;
    for run in runs.into_iter().filter(|r| r.len() > 1) {
        let s = chart.draw_series(LineSeries::new(run, TENSION.stroke_width(2)))?;
        if !labelled {
            s.label("estimated tension")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], TENSION.stroke_width(2)));
            labelled = true;
        }
    }
    for d in &r.decisions {
        let colour = if d.is_directors() { DRIVE } else { STEERED };
        chart.draw_series(std::iter::once(PathElement::new(
            [(d.t, 0.0), (d.t, 1.0)],
            colour.stroke_width(if d.is_directors() { 1 } else { 2 }),
        )))?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            [(0.0, -1.0), (0.0, -1.0)],
            STEERED,
        )))?
        .label("steered decision")
        .legend(|(x, y)| {
            PathElement::new([(x + 9, y - 6), (x + 9, y + 6)], STEERED.stroke_width(2))
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;

    // The delivered cut: one box per segment, coloured by take, named.
    let mut strip = ChartBuilder::on(&lower)
        .margin_left(12)
        .margin_right(12)
        .margin_bottom(8)
        .y_label_area_size(48)
        .x_label_area_size(0)
        .build_cartesian_2d(0f64..end, 0f64..1f64)?;
    strip.configure_mesh().disable_mesh().y_labels(0).draw()?;
    let spans: Vec<(f64, f64)> = r
        .decisions
        .iter()
        .enumerate()
        .map(|(k, d)| (d.t, r.decisions.get(k + 1).map_or(end, |n| n.t)))
        .collect();
    for (d, (a, b)) in r.decisions.iter().zip(spans) {
        strip.draw_series(std::iter::once(Rectangle::new(
            [(a, 0.15), (b, 0.95)],
            take_colour(d.variant).filled(),
        )))?;
        strip.draw_series(std::iter::once(Rectangle::new(
            [(a, 0.15), (b, 0.95)],
            BLACK.stroke_width(1),
        )))?;
        let label = format!("{} · {}", d.segment_id, d.variant_id);
        strip.draw_series(std::iter::once(Text::new(
            label,
            (a + (b - a) * 0.04, 0.75),
            ("sans-serif", 12).into_font().color(&BLACK),
        )))?;
    }
    root.present()?;
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the decisions changed, told apart the way a viewer would: another take or
/// branch is another scene; the director's take at another intensity (the drive's offset
/// moves grade and score, anticipation shifts it in time) is the same scene, steered.
pub fn decisions_summary(decisions: &[livingfilm_director::Decision]) -> String {
    let n = decisions.len();
    let other = decisions
        .iter()
        .filter(|d| !d.plays_directors_take())
        .count();
    let tuned = decisions
        .iter()
        .filter(|d| d.plays_directors_take() && !d.is_directors())
        .count();
    let same = n - other - tuned;
    format!(
        "{n} decision{}: {other} chose another take or branch than the director's, {tuned} \
         played the director's take at a steered intensity, {same} played exactly as in the \
         director's cut",
        if n == 1 { "" } else { "s" }
    )
}

/// A self-contained page: the cut, the plot, every decision with its reason.
pub fn html(r: &Report) -> String {
    let mut rows = String::new();
    for d in &r.decisions {
        rows += &format!(
            "<tr{}><td>{:.1}</td><td>{}</td><td>{}</td><td>{:+.2}</td><td>{:.2}</td><td>{}</td></tr>\n",
            if d.is_directors() { "" } else { " class=\"steered\"" },
            d.t,
            esc(&d.segment_id),
            esc(&d.variant_id),
            d.offset,
            d.pace,
            esc(&d.reason)
        );
    }
    let tracked: Vec<f32> = r
        .trace
        .iter()
        .filter_map(|p| {
            p.tension
                .filter(|_| p.confidence >= 0.2)
                .map(|v| (v - p.target).abs())
        })
        .collect();
    let mae = if tracked.is_empty() {
        "no confident estimate".to_owned()
    } else {
        format!("{:.3}", tracked.iter().sum::<f32>() / tracked.len() as f32)
    };
    let summary = decisions_summary(&r.decisions);
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — {cut}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1320px}}td,th{{padding:2px 8px;text-align:left;vertical-align:top}}
tr.steered{{background:#fdf0dc}}code{{background:#eee;padding:1px 4px}}</style></head><body>
<h1>{title}</h1>
<p>Cut <code>{cut}</code> — replay it with <code>livingfilm replay {cut}</code>, explain it with <code>livingfilm explain {cut}</code>.</p>
<ul><li>Length {dur:.1} s; {summary}</li>
<li>Mean |estimate − target| where the estimate was confident: {mae}</li>
<li>Tension model on <b>{provider}</b>; render {render}; audio {audio}</li>
<li>Uplink: consent {consent}, {queued} record(s) queued</li></ul>
<img src="tension.png" width="1280" alt="estimated tension against the director's curve">
<h2>Decisions</h2>
<table><tr><th>t (s)</th><th>segment</th><th>take</th><th>offset</th><th>pace</th><th>why</th></tr>
{rows}</table>
<p>Only derived estimates are recorded here; no heart rate, RR interval or pupil size is.</p>
</body></html>
"#,
        title = esc(&r.film.title),
        cut = esc(&r.cut_id),
        dur = r.duration_s,
        provider = esc(&r.inference.provider),
        render = esc(&format!(
            "{} at {}x{}",
            r.render.adapter, r.render.width, r.render.height
        )),
        audio = esc(&r.audio.sink),
        consent = r.uplink.consent,
        queued = r.uplink.queued,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use livingfilm_director::Decision;

    fn decision(variant: usize, branched: bool, offset: f32) -> Decision {
        Decision {
            segment: 0,
            segment_id: "s".into(),
            branched,
            variant,
            variant_id: "v".into(),
            offset,
            target: 0.5,
            pace: 1.0,
            anticipates: false,
            slope: 1.0,
            placements: vec![],
            t: 0.0,
            reason: String::new(),
        }
    }

    /// Every take the director's, three of them at a steered intensity: not "3 steered
    /// away from the director's cut".
    #[test]
    fn the_summary_tells_other_takes_from_steered_intensity() {
        let same_takes = [
            decision(0, false, 0.0),
            decision(0, false, 0.08),
            decision(0, false, -0.05),
            decision(0, false, 0.12),
        ];
        assert_eq!(
            decisions_summary(&same_takes),
            "4 decisions: 0 chose another take or branch than the director's, 3 played the \
             director's take at a steered intensity, 1 played exactly as in the director's cut"
        );
        let other = [decision(1, false, 0.0), decision(0, true, 0.1)];
        assert!(decisions_summary(&other).starts_with("2 decisions: 2 chose another take"));
        assert!(decisions_summary(&[decision(0, false, 0.0)]).starts_with("1 decision: 0 chose"));
    }
}
