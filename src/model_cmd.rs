//! `livingfilm model …`: inspect, run and benchmark ONNX models.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use livingfilm_inference::npy::NpyArray;
use livingfilm_inference::{
    OnnxModel, SessionOptions, TensionModel, AUTO_PROVIDERS, FEATURE_CONTRACT,
};

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Inputs and outputs (names, dtypes, shapes), metadata, and which execution
    /// providers this onnxruntime has and which would run the model.
    Inspect {
        /// The ONNX model.
        model: PathBuf,
        /// Providers to try, in order.
        #[arg(long, value_name = "LIST", default_value = "auto", value_parser = super::parse_providers)]
        providers: super::Providers,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Run a model on NumPy .npy inputs (one --input per graph input, in order) and
    /// write each output to .npy (one --output per graph output, in order).
    ///
    /// Example: livingfilm model run m.onnx --input x.npy --output y.npy
    Run {
        /// The ONNX model.
        model: PathBuf,
        /// Input arrays, in the model's input order.
        #[arg(long = "input", value_name = "NPY", required = true)]
        inputs: Vec<PathBuf>,
        /// Where to write the outputs, in the model's output order (fewer = only the first ones).
        #[arg(long = "output", value_name = "NPY")]
        outputs: Vec<PathBuf>,
        /// Providers to try, in order.
        #[arg(long, value_name = "LIST", default_value = "auto", value_parser = super::parse_providers)]
        providers: super::Providers,
    },
    /// Latency percentiles of one run (inputs from --input, else a deterministic ramp).
    Bench {
        /// The ONNX model.
        model: PathBuf,
        /// Input arrays (optional).
        #[arg(long = "input", value_name = "NPY")]
        inputs: Vec<PathBuf>,
        /// Timed runs.
        #[arg(long, default_value_t = 20_000)]
        runs: usize,
        /// Untimed warm-up runs.
        #[arg(long, default_value_t = 1_000)]
        warmup: usize,
        /// Providers to try, in order.
        #[arg(long, value_name = "LIST", default_value = "auto", value_parser = super::parse_providers)]
        providers: super::Providers,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn load(model: &Path, providers: super::Providers) -> anyhow::Result<OnnxModel> {
    let opts = SessionOptions {
        providers: providers.0,
        ..SessionOptions::default()
    };
    let m = OnnxModel::load(model, &opts)?;
    if !m.providers().skipped.is_empty() {
        eprintln!(
            "note: running on {}; skipped {}",
            m.providers().active,
            super::summarize_skipped(&m.providers().skipped)
        );
    }
    Ok(m)
}

fn load_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<NpyArray>> {
    paths.iter().map(|p| Ok(NpyArray::load(p)?)).collect()
}

/// Percentile (nearest rank) of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `model inspect` (and `inspect` on a `.onnx`): inputs, outputs, metadata, whether it
/// meets the tension contract, and the providers that would run it.
pub fn inspect(model: &Path, providers: super::Providers, json: bool) -> anyhow::Result<()> {
    let m = load(model, providers)?;
    let available: Vec<&str> = AUTO_PROVIDERS
        .iter()
        .filter(|p| p.is_compiled_in())
        .map(|p| p.ort_name())
        .collect();
    // Whether the player could steer films with it (`--model`).
    let contract = TensionModel::check_contract(&m).map_err(|e| e.to_string());
    if json {
        let v = serde_json::json!({
            "model": model.display().to_string(),
            "inputs": m.inputs(),
            "outputs": m.outputs(),
            "metadata": m.meta(),
            "tension_contract": contract.as_ref().map(|()| FEATURE_CONTRACT).ok(),
            "tension_contract_problem": contract.as_ref().err(),
            "providers_available": available,
            "provider_active": m.providers().active,
            "providers_skipped": m.providers().skipped,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("model     {}", model.display());
    for i in m.inputs() {
        println!("input     {:<20} {}", i.name, i.ty);
    }
    for o in m.outputs() {
        println!("output    {:<20} {}", o.name, o.ty);
    }
    let meta = m.meta();
    if let Some(p) = &meta.producer {
        println!("producer  {p}");
    }
    for (k, v) in &meta.custom {
        println!("metadata  {k} = {v}");
    }
    match &contract {
        Ok(()) => println!("contract  {FEATURE_CONTRACT} (a tension model for --model)"),
        Err(why) => println!("contract  not a tension model: {why}"),
    }
    println!("providers in this onnxruntime: {}", available.join(", "));
    println!("would run on: {}", m.providers().active);
    Ok(())
}

pub fn run(cmd: ModelCommand) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Inspect {
            model,
            providers,
            json,
        } => inspect(&model, providers, json)?,
        ModelCommand::Run {
            model,
            inputs,
            outputs,
            providers,
        } => {
            let mut m = load(&model, providers)?;
            let arrays = load_inputs(&inputs)?;
            let results = m.run_npy(&arrays)?;
            if outputs.len() > results.len() {
                bail!(
                    "{} --output paths given, the model has {} outputs",
                    outputs.len(),
                    results.len()
                );
            }
            for (k, (name, r)) in results.iter().enumerate() {
                match (r, outputs.get(k)) {
                    (Ok(a), Some(path)) => {
                        a.save(path)
                            .with_context(|| format!("writing output `{name}`"))?;
                        eprintln!(
                            "output `{name}` {:?} {} -> {}",
                            a.shape,
                            a.data.descr(),
                            path.display()
                        );
                    }
                    (Ok(a), None) => eprintln!(
                        "output `{name}` {:?} {} (not written: no --output)",
                        a.shape,
                        a.data.descr()
                    ),
                    (Err(why), Some(path)) => bail!(
                        "output `{name}` cannot be written to {}: {why}",
                        path.display()
                    ),
                    (Err(why), None) => eprintln!("output `{name}` skipped: {why}"),
                }
            }
        }
        ModelCommand::Bench {
            model,
            inputs,
            runs,
            warmup,
            providers,
            json,
        } => {
            if runs == 0 {
                bail!("--runs must be at least 1");
            }
            let mut m = load(&model, providers)?;
            let arrays = if inputs.is_empty() {
                m.example_inputs()?
            } else {
                load_inputs(&inputs)?
            };
            let mut ns = m.bench(&arrays, warmup, runs)?;
            ns.sort_unstable();
            let (p50, p99) = (percentile(&ns, 50.0), percentile(&ns, 99.0));
            let mean = ns.iter().sum::<u64>() as f64 / ns.len() as f64;
            if json {
                let v = serde_json::json!({
                    "model": model.display().to_string(),
                    "provider": m.providers().active,
                    "runs": runs,
                    "p50_us": p50 as f64 / 1e3,
                    "p99_us": p99 as f64 / 1e3,
                    "mean_us": mean / 1e3,
                    "runs_per_s": 1e9 / mean,
                });
                println!("{v}");
            } else {
                println!(
                    "{}: {runs} runs on {}: p50 {:.2} us, p99 {:.2} us, mean {:.2} us ({:.0} runs/s)",
                    model.display(),
                    m.providers().active,
                    p50 as f64 / 1e3,
                    p99 as f64 / 1e3,
                    mean / 1e3,
                    1e9 / mean
                );
            }
        }
    }
    Ok(())
}
