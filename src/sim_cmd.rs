//! `livingfilm simulate`: the tracking harness on the command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use livingfilm_director::Film;
use livingfilm_inference::TensionModel;

/// Arguments of `livingfilm simulate`.
#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Film folder (containing film.toml) or manifest file (default: the `arc` demo film
    /// shipped with livingfilm).
    film: Option<PathBuf>,
    /// Number of simulated viewers (each watches the director's cut, two steered viewings
    /// and the steered bound).
    #[arg(long, default_value_t = 100)]
    viewers: usize,
    /// Seed of the audience.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also steer each viewer learning from scratch until their true sensitivity is
    /// revealed at this second: what learning by then could at best give (a diagnostic
    /// for how early a film must teach the player its viewer).
    #[arg(long, value_name = "SECONDS")]
    reveal_at: Option<f64>,
    #[command(flatten)]
    model: crate::ModelArg,
    /// Print the whole report (every viewer) as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the harness and prints the table.
pub fn run(a: SimulateArgs) -> anyhow::Result<()> {
    let path = crate::film_or_demo(a.film, "arc")?;
    let film = Arc::new(Film::load(&path)?);
    let mut model = TensionModel::load(&a.model.resolve(&path)?)?;
    let pb = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(a.viewers as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Some(at) = a.reveal_at {
        anyhow::ensure!(
            at.is_finite() && at >= 0.0,
            "--reveal-at must be a number of seconds from the start (got {at})"
        );
    }
    let report =
        livingfilm_cli::tracking::run(film, &mut model, a.viewers, a.seed, a.reveal_at, |n| {
            pb.set_position(n as u64)
        })?;
    pb.finish_and_clear();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{} viewers, film {}; mean absolute tracking error (tension vs the director's curve):",
        report.viewers.len(),
        report.film
    );
    println!("| cut | MAE | vs fixed |");
    println!("|---|---|---|");
    println!(
        "| director's cut (fixed) | {:.4} | 1.00 |",
        report.fixed_mae
    );
    let row = |name: &str, mae: f64| {
        let ratio = mae / report.fixed_mae.max(1e-12);
        println!(
            "| {name} | {mae:.4} | {ratio:.2} ({}) |",
            versus_fixed(ratio)
        );
    };
    row(
        "steered, first viewing (learning the viewer)",
        report.adaptive_mae,
    );
    row(
        "steered, second viewing (profile from the first)",
        report.returning_mae,
    );
    row(
        "steered, sensitivity known (bound for learning)",
        report.known_mae,
    );
    if let Some((at, mae)) = report.revealed {
        row(&format!("steered, sensitivity revealed at {at:.0} s"), mae);
    }
    // By sensitivity: where the director's cut misses most, steering matters most.
    for (name, lo, hi) in [
        ("hard to move (s < 0.8)", 0.0, 0.8),
        ("average (0.8 <= s < 1.2)", 0.8, 1.2),
        ("easily moved (s >= 1.2)", 1.2, 9.0),
    ] {
        let group: Vec<_> = report
            .viewers
            .iter()
            .filter(|r| (lo..hi).contains(&r.viewer.sensitivity))
            .collect();
        if group.is_empty() {
            continue;
        }
        let mean = |f: fn(&&livingfilm_cli::tracking::ViewerResult) -> f64| {
            group.iter().map(f).sum::<f64>() / group.len() as f64
        };
        println!(
            "|   {name}, {} viewers | fixed {:.4} -> first {:.4}, second {:.4}, known {:.4} | |",
            group.len(),
            mean(|r| r.fixed_mae),
            mean(|r| r.adaptive_mae),
            mean(|r| r.returning_mae),
            mean(|r| r.known_mae)
        );
    }
    let learning: Vec<String> = report
        .learning_rms
        .iter()
        .map(|(t, rms)| format!("{t:.0} s {rms:.2}"))
        .collect();
    println!(
        "learned sensitivity, RMS error on a first viewing: {}",
        learning.join(", ")
    );
    println!("guardrail violations: {}", report.violations);
    if report.violations > 0 {
        anyhow::bail!("{} guardrail violation(s)", report.violations);
    }
    Ok(())
}

/// An error ratio against the director's cut in words: "31% lower", "4% higher", "the same".
fn versus_fixed(ratio: f64) -> String {
    let percent = (100.0 * (1.0 - ratio)).round();
    if percent > 0.0 {
        format!("{percent:.0}% lower")
    } else if percent < 0.0 {
        format!("{:.0}% higher", -percent)
    } else {
        "the same".into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratios_read_as_lower_higher_or_the_same() {
        assert_eq!(super::versus_fixed(0.69), "31% lower");
        assert_eq!(super::versus_fixed(1.04), "4% higher");
        assert_eq!(super::versus_fixed(1.001), "the same");
        assert_eq!(super::versus_fixed(0.999), "the same");
    }
}
