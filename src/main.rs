//! `livingfilm` command-line interface.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use choices::{AudioChoice, FormatChoice, RenderChoice};
use clap::{Parser, Subcommand};
use livingfilm_inference::{Provider, UnknownProvider};
use livingfilm_player::{
    AudioSettings, InferenceSettings, PlayerConfig, RenderSettings, UplinkSettings, ViewerSettings,
};
use livingfilm_uplink::consent::{default_data_dir, ConsentStore, NOTICE};

mod choices;
mod grade_cmd;
mod hrv_cmd;
mod inspect_cmd;
mod interrupt;
mod listen_cmd;
mod model_cmd;
mod sim_cmd;
mod uplink_cmd;

/// A provider preference list as given on the command line.
#[derive(Clone)]
struct Providers(Vec<Provider>);

fn parse_providers(s: &str) -> Result<Providers, UnknownProvider> {
    Provider::parse_list(s).map(Providers)
}

/// Player runtime for adaptive ("living") films.
///
/// A film is a director-authored possibility space; while you watch, on-device
/// biometrics steer pacing, branches, grade and score inside the director's bounds.
/// Every viewing gets a cut ID that replays exactly the same version.
#[derive(Parser)]
#[command(name = "livingfilm", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Play a film, writing frames, the mix and a session report to a folder.
    ///
    /// Example: livingfilm play assets/demo --biometrics assets/demo/viewers/tense.csv --out out/
    ///
    /// Headless (no display or audio device) the film runs on a virtual clock as fast as
    /// the GPU allows, and the same film, replay and seed give byte-identical outputs.
    /// Ctrl-C or SIGTERM ends the viewing there and finishes its outputs (exit status 130
    /// or 143); a second one quits at once.
    ///
    /// Desktop test player: livingfilm play assets/demo --window (keys in --help below).
    Play(Box<PlayArgs>),
    /// Replay a cut ID: the same film, frame for frame, without any biometric input.
    ///
    /// Example: livingfilm replay lf1-… --film assets/demo --out replay/
    Replay(ReplayArgs),
    /// Simulate an audience and report how closely the delivered tension follows the
    /// director's curve, steered versus the fixed director's cut (see src/tracking).
    ///
    /// Example: livingfilm simulate assets/arc --viewers 100
    Simulate(sim_cmd::SimulateArgs),
    /// Apply a .cube look and grade operators to a still (PNG/EXR) or a Y4M clip.
    Grade(grade_cmd::GradeArgs),
    /// Tools for ONNX models: inspect, run on .npy tensors, benchmark.
    ///
    /// For OEM engineers bringing their own models; results compare directly with
    /// Python onnxruntime on the same .npy files.
    #[command(subcommand)]
    Model(model_cmd::ModelCommand),
    /// Time-domain HRV of a recording (RR, replay, ECG/PPG) with artifact correction.
    Hrv(hrv_cmd::HrvArgs),
    /// Your consent to sending anonymised tension deltas: show the disclosure, grant,
    /// or revoke (revoking deletes anything waiting to be sent).
    ///
    /// Example: livingfilm consent show
    Consent(uplink_cmd::ConsentArgs),
    /// Run a collector for instructional metadata: receive batches, de-duplicate, and
    /// write the de-biased population tension curve (population.json, population.png).
    ///
    /// Example: livingfilm collect --listen 127.0.0.1:8787 --dir collected/
    Collect(uplink_cmd::CollectArgs),
    /// What any file livingfilm reads holds; its kind is told from its first bytes, else
    /// its name.
    ///
    /// audio (WAV, FLAC, Ogg Vorbis, MP3, AAC/M4A, ALAC, AIFF, CAF, MKV/WebM): codec, rate,
    /// channels, bit depth, length, RMS and peak per channel in dBFS (encoder delay and
    /// padding trimmed, as ffmpeg does).
    ///
    /// LUT (.cube): title, 3D size and domain, 1D shaper size and domain, output range.
    ///
    /// film manifest (film.toml, or a film folder): segments, decision and branch points,
    /// endings, variants, and the shortest, director's and longest viewing.
    ///
    /// ONNX model (.onnx): inputs, outputs, metadata, whether it meets the tension
    /// contract, providers (as `livingfilm model inspect`).
    ///
    /// scene (.lfscene): grid, bounds, occupancy, sign slots, camera paths, GPU size.
    ///
    /// Gaussian-splat capture (.ply) and its sidecar (.ply.json): splats, bounds in file
    /// and player axes, sign slots, camera paths.
    ///
    /// image (PNG, OpenEXR): size, colour type, alpha. Y4M clip (.y4m): size, frame rate,
    /// chroma. Biometrics replay (.csv, .jsonl): samples, time span, heart rate. NumPy
    /// array (.npy): shape, dtype.
    ///
    /// Examples: livingfilm inspect assets/demo/audio/pad.wav --json;
    /// livingfilm inspect assets/demo/luts/tension.cube; livingfilm inspect assets/demo
    Inspect(inspect_cmd::InspectArgs),
    /// Explain a cut ID: for each decision point, the variant chosen and the tension range
    /// that choice implies against the director's target (no biometric data needed).
    ///
    /// Example: livingfilm explain lf1-… --film assets/demo
    Explain {
        /// The cut ID (from a report or a shared link).
        cut: String,
        /// The film it was made for (default: the demo film shipped with livingfilm).
        #[arg(long)]
        film: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a film: every problem in its manifest and referenced assets, each at the
    /// line (and, for TOML syntax, column) where the parser found it, with its field; one
    /// message per rule, each asset reported once (exit status 1 when there are any).
    ///
    /// Example: livingfilm check assets/demo
    Check {
        /// Film folder (containing film.toml) or manifest file.
        film: PathBuf,
        /// Print the problems as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print live features from the companion port or a Bluetooth strap (bridge check).
    Listen(listen_cmd::ListenArgs),
    /// Regenerate the demo film's scenes, LUT, stems and simulated viewers.
    ///
    /// The committed files in assets/demo were written by this command; it rewrites
    /// them byte for byte.
    BakeDemo {
        /// Folder to write into (the film folder).
        #[arg(default_value = "assets/demo")]
        dir: PathBuf,
        /// Grid resolution per axis of the baked scenes (8..=1024; the committed
        /// scenes are 64).
        #[arg(long, default_value_t = 64)]
        grid: u32,
        /// Store the scene tensors as half floats instead of bytes (twice the size,
        /// no quantisation).
        #[arg(long)]
        f16: bool,
    },
}

/// The tension model, for every command that runs it.
#[derive(clap::Args)]
struct ModelArg {
    /// Tension model (ONNX) to run on-device; replaceable without rebuilding. Without
    /// it the shipped models/tension.onnx is found next to this program, then in its
    /// installed data folder (../share/livingfilm), $XDG_DATA_HOME/livingfilm and
    /// $XDG_DATA_DIRS/livingfilm, then in the film's folder, then in the source checkout
    /// it was built from; never in the working directory (docs/install.md).
    #[arg(long = "model", value_name = "FILE", env = "LIVINGFILM_MODEL")]
    path: Option<PathBuf>,
}

impl ModelArg {
    /// The model given, or the shipped one for `film`.
    fn resolve(
        &self,
        film: &std::path::Path,
    ) -> Result<PathBuf, livingfilm_player::shipped::NotShipped> {
        match &self.path {
            Some(p) => Ok(p.clone()),
            None => livingfilm_player::shipped::find_model(Some(film)),
        }
    }
}

/// A demo film given by name when the command names none (`demo`, `arc`), found like the
/// model: never relative to the working directory.
fn film_or_demo(film: Option<PathBuf>, demo: &str) -> anyhow::Result<PathBuf> {
    match film {
        Some(f) => Ok(f),
        None => livingfilm_player::shipped::find_film(demo)
            .with_context(|| format!("no film named; the demo film `{demo}` is not installed")),
    }
}

#[derive(clap::Args)]
struct PlayArgs {
    /// Film folder (containing film.toml) or manifest file.
    film: PathBuf,
    /// Biometric replay (CSV with `t_s,rr_ms`, `rr_ms` or `t_s,hr_bpm`, or JSON lines), or a
    /// simulated viewer `sim:calm|rising|startle|dropout` (seeded by --seed); without it the
    /// director's cut plays.
    #[arg(short, long, value_name = "FILE", conflicts_with = "cut")]
    biometrics: Option<PathBuf>,
    /// Layout of --biometrics when it is not a replay CSV/JSONL: RR lines, or raw ECG/PPG
    /// turned into beats by R-peak / pulse-peak detection (a WFDB .hea is found by itself).
    #[arg(long, value_enum, value_name = "FORMAT", requires = "biometrics")]
    biometrics_format: Option<FormatChoice>,
    /// Sampling rate of raw ECG/PPG text given with --biometrics-format, Hz.
    #[arg(long, value_name = "HZ", requires = "biometrics")]
    biometrics_rate: Option<f64>,
    /// Replay an earlier viewing exactly from its cut ID (no biometrics are read).
    #[arg(long, value_name = "CUT_ID")]
    cut: Option<String>,
    #[command(flatten)]
    model: ModelArg,
    /// Execution providers to try, in order (auto = qnn,nnapi,coreml,rknpu,openvino,xnnpack,cpu).
    #[arg(long, value_name = "LIST", env = "LIVINGFILM_PROVIDERS", default_value = "auto", value_parser = parse_providers)]
    providers: Providers,
    /// Cache optimised model graphs here so later starts skip graph optimisation.
    #[arg(long, value_name = "DIR", env = "LIVINGFILM_MODEL_CACHE")]
    model_cache: Option<PathBuf>,
    /// Output folder: film.y4m, mix.wav, report.json (and frames/ with --png).
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Seed of this viewing (film grain); part of the cut ID.
    #[arg(long, default_value_t = 1)]
    seed: u32,
    /// Override the film's frame width.
    #[arg(long)]
    width: Option<u32>,
    /// Override the film's frame height.
    #[arg(long)]
    height: Option<u32>,
    #[command(flatten)]
    output: OutputArgs,
    /// Allow anonymised tension deltas to be sent to --uplink-url for this viewing only
    /// (off by default; `livingfilm consent grant` stores the choice).
    #[arg(long)]
    consent: bool,
    /// The viewer profile's data folder (stored consent, uplink queue).
    #[arg(long, value_name = "DIR", env = "LIVINGFILM_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Trust only this CA (PEM) for an https --uplink-url (a private collector).
    #[arg(long, value_name = "PEM")]
    uplink_ca: Option<PathBuf>,
    /// Privacy parameter ε per uplink record: smaller is more private and noisier.
    #[arg(long, default_value_t = 1.0, value_name = "EPS")]
    epsilon: f64,
    /// Most ε one viewing may spend on uplink records.
    #[arg(long, default_value_t = 4.0, value_name = "EPS")]
    epsilon_budget: f64,
    /// Allow placements the director marked `needs_consent` (off by default).
    #[arg(long)]
    placement_consent: bool,
    /// Watch the director's cut: no biometrics are read and nothing is steered.
    #[arg(long, conflicts_with = "cut")]
    directors_cut: bool,
    /// Keep what the player learns about you (one number: your sensitivity to the film's
    /// tension) in this file on this device, so your next viewing starts informed. Never
    /// sent anywhere; delete the file to forget.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Endpoint for instructional metadata (HTTP POST, JSON); used only with --consent.
    #[arg(long, value_name = "URL")]
    uplink_url: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
    #[cfg(feature = "window")]
    #[command(flatten)]
    window: WindowArgs,
}

/// The desktop test player.
#[cfg(feature = "window")]
#[derive(clap::Args, Default)]
#[command(next_help_heading = "Desktop player (--window)")]
struct WindowArgs {
    /// Watch in a window with a HUD, live controls and a biometric simulator; the report
    /// (report.json, tension.png, report.html) and desktop.json land in --out when the
    /// film ends or the window closes. Keys: space pause · h HUD · f fullscreen ·
    /// ←/→ previous/next decision point · d director's cut · [ ] adaptation strength ·
    /// c consent · ↑/↓ simulated heart rate · s startle · x drop the sensor ·
    /// p screenshot · q quit. Without --biometrics or --companion the keys drive a
    /// simulated viewer.
    #[arg(long)]
    window: bool,
    /// Window size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = livingfilm_desktop::parse_window_size, requires = "window")]
    window_size: (u32, u32),
    /// Start full screen.
    #[arg(long, requires = "window")]
    fullscreen: bool,
    /// Start with the HUD hidden (h shows it).
    #[arg(long, requires = "window")]
    no_hud: bool,
    /// Start the picture at this viewing time (the film is decided and mixed up to it).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0.0,
        requires = "window"
    )]
    start_at: f64,
    /// Take live samples from the companion bridge (JSON lines over UDP/TCP) on this
    /// address instead of the simulator.
    #[arg(
        long,
        value_name = "ADDR",
        requires = "window",
        conflicts_with = "biometrics"
    )]
    companion: Option<std::net::SocketAddr>,
    /// Take live heart rate from a Bluetooth LE strap whose name contains NAME ("" = any;
    /// needs a build with `--features ble`).
    #[arg(long, value_name = "NAME", requires = "window", conflicts_with_all = ["biometrics", "companion"])]
    ble: Option<String>,
    /// Commands at film times, one `SECONDS COMMAND [ARG]` per line: pause, hud,
    /// fullscreen, prev, next, directors-cut, strength+, strength-, consent, tenser,
    /// calmer, startle, sensor, screenshot NAME, size WxH, quit (`#` comments). SECONDS is viewing
    /// time; while paused the script's clock runs on in real time, and a seek does not
    /// move it.
    #[arg(long, value_name = "FILE", requires = "window")]
    input_script: Option<PathBuf>,
}

/// Where frames and sound go; the same for `play` and `replay`.
#[derive(clap::Args)]
struct OutputArgs {
    /// Also write every frame as frames/frame_NNNNN.png.
    #[arg(long)]
    png: bool,
    /// Audio output: `auto` uses the device when one opens; `device` requires one;
    /// `headless` writes mix.wav on a virtual clock; `null` mixes and discards.
    #[arg(long, value_enum, default_value_t = AudioChoice::Auto)]
    audio: AudioChoice,
    /// Output device to play on: the first whose name contains this text (the
    /// default device when left out). An unknown name is an error listing the devices.
    #[arg(long, value_name = "NAME", env = "LIVINGFILM_AUDIO_DEVICE")]
    audio_device: Option<String>,
    /// Renderer: `auto` uses the GPU when an adapter opens and falls back to the CPU
    /// (the report says why); `gpu` requires one; `cpu` never touches the GPU (the same
    /// image within 40 dB PSNR, much slower: for devices without one).
    #[arg(long, value_enum, default_value_t = RenderChoice::Auto, env = "LIVINGFILM_RENDER")]
    render: RenderChoice,
    /// Your locale (`fr`, `pt-BR`): signs the director localized are shown in it
    /// (`fr-CA` falls back to `fr`, then to the film's default sign).
    #[arg(long, value_name = "TAG", env = "LIVINGFILM_LOCALE")]
    locale: Option<String>,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// The cut ID (printed by `play`, in report.json, or shared).
    cut: String,
    /// The film it was made for (another version is refused; default: the demo film
    /// shipped with livingfilm).
    #[arg(long)]
    film: Option<PathBuf>,
    /// Output folder: film.y4m, mix.wav, report.json.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Frame width (default: the film's). The cut is the same at any size.
    #[arg(long)]
    width: Option<u32>,
    /// Frame height (default: the film's).
    #[arg(long)]
    height: Option<u32>,
    #[command(flatten)]
    output: OutputArgs,
    /// Allow placements that need consent (a replay never shows them without it).
    #[arg(long)]
    placement_consent: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

fn run_replay(a: ReplayArgs) -> anyhow::Result<ExitCode> {
    run_play(PlayArgs {
        film: film_or_demo(a.film, "demo")?,
        biometrics: None,
        biometrics_format: None,
        biometrics_rate: None,
        cut: Some(a.cut),
        model: ModelArg { path: None },
        providers: Providers(vec![]),
        model_cache: None,
        out: a.out,
        seed: 1,
        width: a.width,
        height: a.height,
        output: a.output,
        consent: false,
        data_dir: None,
        uplink_ca: None,
        epsilon: 1.0,
        epsilon_budget: 4.0,
        placement_consent: a.placement_consent,
        directors_cut: false,
        profile: None,
        uplink_url: None,
        quiet: a.quiet,
        #[cfg(feature = "window")]
        window: WindowArgs::default(),
    })
}

fn run_play(a: PlayArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        a.epsilon > 0.0 && a.epsilon <= 10.0 && a.epsilon_budget >= 0.0,
        "--epsilon must lie in (0, 10] and --epsilon-budget be at least 0"
    );
    // A URL that may not carry records is refused now, not after the film has played.
    if let Some(url) = &a.uplink_url {
        livingfilm_uplink::sender::Endpoint::parse(url)?;
    }
    let data_dir = a.data_dir.unwrap_or_else(default_data_dir);
    let stored = ConsentStore::new(&data_dir).load()?;
    #[cfg(feature = "window")]
    let windowed = a.window.window;
    #[cfg(not(feature = "window"))]
    let windowed = false;
    // In the window the simulator (or the companion) is the body when no file is given.
    let reads_body = a.cut.is_none() && !a.directors_cut && (a.biometrics.is_some() || windowed);
    let mut model = a.model.path.clone();
    if reads_body {
        eprintln!("note: {NOTICE}");
        // Up front: without a model the viewing cannot be steered, whatever the sensors say.
        // The path found is handed on, so the player does not search again.
        match a.model.resolve(&a.film) {
            Ok(p) if p.is_file() => model = Some(p),
            Ok(p) => eprintln!(
                "warning: no tension model: {} is not a file; playing the director's cut",
                p.display()
            ),
            Err(e) => eprintln!(
                "warning: no tension model: {e}; playing the director's cut (give --model FILE or set LIVINGFILM_MODEL)"
            ),
        }
    }
    let cfg = PlayerConfig {
        film: a.film,
        out_dir: a.out,
        seed: a.seed,
        start_at: 0.0,
        progress: !a.quiet && std::io::stderr().is_terminal(),
        viewer: ViewerSettings {
            biometrics: a.biometrics,
            biometrics_format: a.biometrics_format.map(Into::into),
            biometrics_rate: a.biometrics_rate,
            cut: a.cut,
            directors_cut: a.directors_cut,
            profile: a.profile,
            placement_consent: a.placement_consent,
            locale: a.output.locale,
        },
        inference: InferenceSettings {
            model,
            providers: a.providers.0,
            cache: a.model_cache,
        },
        render: RenderSettings {
            backend: a.output.render.into(),
            width: a.width,
            height: a.height,
            png: a.output.png,
        },
        audio: AudioSettings {
            mode: a.output.audio.into(),
            device: a.output.audio_device,
        },
        uplink: UplinkSettings {
            consent: reads_body && (a.consent || stored.granted),
            url: a.uplink_url,
            ca: a.uplink_ca,
            data_dir,
            epsilon: a.epsilon,
            epsilon_budget: a.epsilon_budget,
            ..Default::default()
        },
    };
    #[cfg(feature = "window")]
    if windowed {
        return run_window(cfg, a.window);
    }
    if cfg.viewer.directors_cut {
        eprintln!("note: the director's cut, as chosen: no biometrics are read");
    } else if cfg.viewer.biometrics.is_none() && cfg.viewer.cut.is_none() {
        eprintln!("note: no --biometrics given: playing the director's cut");
    }
    let (controls, inbox) = crossbeam_channel::unbounded();
    // Stamped at 0 s: due at the director's next tick.
    let end = move || {
        let _ = controls.send(livingfilm_player::Stamped {
            t: 0.0,
            control: livingfilm_player::Control::End,
        });
    };
    let interrupt =
        interrupt::Interrupt::on_signal(end).context("listening for Ctrl-C / SIGTERM")?;
    let host = livingfilm_player::HostIo {
        controls: Some(inbox),
        ..Default::default()
    };
    let played = livingfilm_player::play_with(&cfg, host);
    interrupt.close();
    let r = played?;
    if let Some(why) = &r.render.fallback {
        eprintln!("warning: render: {why}");
    }
    for d in &r.decisions {
        eprintln!(
            "  {:>6.2}s  {} -> {}: {}",
            d.t, d.segment_id, d.variant_id, d.reason
        );
    }
    if r.replayed {
        eprintln!("  replayed without biometrics");
    }
    let figure = |x: Option<f64>, unit: &str| x.map_or("-inf".into(), |v| format!("{v:.1} {unit}"));
    eprintln!(
        "  {} frames {}x{} in {:.1}s ({:.1} fps render), audio {} (true peak {}) via {}",
        r.render.frames,
        r.render.width,
        r.render.height,
        r.wall_s,
        r.render.render_fps,
        figure(r.audio.integrated_lufs, "LUFS"),
        figure(r.audio.true_peak_dbtp, "dBTP"),
        r.audio.sink
    );
    if r.audio.clipped_samples_before_limiter > 0 {
        eprintln!(
            "  warning: the stems summed over full scale: {} samples would have clipped; the \
             limiter held them (up to {:.1} dB of gain reduction over {:.1} s). Lower the stem \
             gains for a clean mix (`livingfilm check` shows the headroom)",
            r.audio.clipped_samples_before_limiter,
            r.audio.limiter_max_reduction_db,
            r.audio.limited_s
        );
    }
    if r.audio.clipped_samples > 0 {
        eprintln!(
            "  warning: {} samples clipped in the output",
            r.audio.clipped_samples
        );
    }
    if let Some(p) = &r.profile {
        match (&p.error, p.loaded, p.saved) {
            (Some(e), _, _) => eprintln!("  warning: {e}"),
            (None, loaded, Some(saved)) => eprintln!(
                "  viewer profile {}: sensitivity {} -> {saved:.2}",
                p.path,
                loaded.map_or("none".into(), |l| format!("{l:.2}"))
            ),
            _ => {}
        }
    }
    if let Some(e) = &r.uplink.error {
        eprintln!("  warning: {e}");
    }
    if !r.inference.skipped_providers.is_empty() {
        eprintln!(
            "  inference on {} (skipped {})",
            r.inference.provider,
            summarize_skipped(&r.inference.skipped_providers)
        );
    }
    for e in &r.inference.errors {
        eprintln!("  warning: inference: {e}");
    }
    eprintln!("  outputs in {}", cfg.out_dir.display());
    println!("cut ID: {}", r.cut_id);
    if interrupt.caught().is_some() {
        eprintln!(
            "  stopped at {:.2} s: the outputs cover the viewing up to there; the cut ID replays \
             it with the director's choices after that point",
            r.duration_s
        );
    }
    Ok(interrupt.exit_code())
}

/// "QNN, NNAPI: not in this onnxruntime build; X: failed …" from one line per provider.
fn summarize_skipped(lines: &[String]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in lines {
        let (name, why) = line.split_once(": ").unwrap_or((line, ""));
        let name = name.trim_end_matches("ExecutionProvider");
        match groups.iter_mut().find(|g| g.0 == why) {
            Some(g) => g.1.push(name),
            None => groups.push((why, vec![name])),
        }
    }
    groups
        .iter()
        .map(|(why, names)| format!("{}: {why}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn run_explain(cut: &str, film: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let id = livingfilm_director::CutId::parse(cut)?;
    let film = livingfilm_director::Film::load(film)?;
    let lines = livingfilm_director::explain::explain(&film, &id)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else {
        println!(
            "{} ({}), seed {}:",
            film.info.title,
            film.version(),
            id.seed
        );
        lines.iter().for_each(|l| println!("  {}", l.text));
    }
    Ok(())
}

fn run_check(film: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let report = livingfilm_cli::check::check_film(film)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.problems.is_empty() {
        report.lines().iter().for_each(|l| println!("{l}"));
        match report.warnings.len() {
            0 => println!("{}: ok", report.manifest.display()),
            n => println!("{}: ok, {n} warning(s)", report.manifest.display()),
        }
    } else {
        report.lines().iter().for_each(|l| println!("{l}"));
    }
    if report.problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} problem(s) in {}",
            report.problems.len(),
            report.manifest.display()
        )
    }
}

/// `play --window`: the desktop test player.
#[cfg(feature = "window")]
fn run_window(mut cfg: PlayerConfig, w: WindowArgs) -> anyhow::Result<ExitCode> {
    use livingfilm_desktop::{DesktopOptions, Input, Script};
    anyhow::ensure!(
        w.start_at.is_finite() && w.start_at >= 0.0,
        "--start-at must be a time in seconds, 0 or more"
    );
    anyhow::ensure!(
        cfg.viewer.cut.is_none(),
        "--window plays live; to watch a cut ID in the window, replay it headless instead"
    );
    if let Some(_name) = &w.ble {
        #[cfg(not(feature = "ble"))]
        anyhow::bail!("this build has no Bluetooth support: rebuild with --features ble");
    }
    let input = match (&w.companion, &cfg.viewer.biometrics) {
        #[cfg(feature = "ble")]
        _ if w.ble.is_some() => Input::Ble(w.ble.clone().unwrap_or_default()),
        (Some(addr), _) => Input::Companion(*addr),
        (None, Some(p)) if p.to_str().is_some_and(|s| s.starts_with("sim:")) => {
            anyhow::bail!("--window drives its own simulated viewer with the keys; leave out --biometrics sim:…")
        }
        (None, Some(p)) => Input::Replay(p.clone()),
        (None, None) => Input::Simulator,
    };
    cfg.viewer.biometrics = None;
    cfg.start_at = w.start_at;
    let script = match &w.input_script {
        Some(p) => Script::load(p)?,
        None => Script::default(),
    };
    let out = cfg.out_dir.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let interrupt = interrupt::Interrupt::on_signal(move || {
        flag.store(true, std::sync::atomic::Ordering::Release)
    })
    .context("listening for Ctrl-C / SIGTERM")?;
    let played = livingfilm_desktop::run(DesktopOptions {
        player: cfg,
        input,
        size: w.window_size,
        fullscreen: w.fullscreen,
        hud: !w.no_hud,
        script,
        stop: Some(stop),
    });
    interrupt.close();
    let (report, d) = played?;
    let f = d.frame_interval_ms;
    eprintln!(
        "  window {}x{} on {} ({}): {} pictures shown, {} dropped; frame interval p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        d.window[0], d.window[1], d.adapter, d.surface, d.frames_shown, d.frames_dropped, f.p50, f.p95, f.p99
    );
    if let Some(r) = report {
        for d in &r.decisions {
            eprintln!(
                "  {:>6.2}s  {} -> {}: {}",
                d.t, d.segment_id, d.variant_id, d.reason
            );
        }
        eprintln!("  {} ({})", d.ended_by, r.cut_id);
        println!("{}", r.cut_id);
    }
    eprintln!("  report: {}", out.join("report.html").display());
    Ok(interrupt.exit_code())
}

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away
    // (`livingfilm hrv … | head`) instead of panicking on a failed print.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Before any thread starts: onnxruntime's telemetry reads this when it loads.
    livingfilm_inference::runtime::disable_vendor_telemetry();
    // And before any adapter is listed: no display probe on a headless machine.
    livingfilm_render::quiet_headless_device_select();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Play(a) => run_play(*a),
        Command::Replay(a) => run_replay(a),
        command => run_other(command).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The commands that end with success or an error.
fn run_other(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Play(_) | Command::Replay(_) => unreachable!("handled by main"),
        Command::Simulate(a) => sim_cmd::run(a),
        Command::Model(m) => model_cmd::run(m),
        Command::Hrv(h) => hrv_cmd::run(h),
        Command::Consent(a) => uplink_cmd::consent(a),
        Command::Collect(a) => uplink_cmd::collect(a),
        Command::Inspect(a) => inspect_cmd::run(a),
        Command::Explain { cut, film, json } => {
            run_explain(&cut, &film_or_demo(film, "demo")?, json)
        }
        Command::Check { film, json } => run_check(&film, json),
        Command::Listen(l) => listen_cmd::run(l),
        Command::Grade(g) => grade_cmd::run(g, std::io::stderr().is_terminal()),
        Command::BakeDemo { dir, grid, f16 } => {
            let storage = if f16 {
                livingfilm_render::Storage::F16
            } else {
                livingfilm_render::Storage::U8
            };
            livingfilm_cli::bake::bake_demo(&dir, grid, storage)
                .with_context(|| format!("baking the demo into {}", dir.display()))
                .map(|files| eprintln!("wrote {} files under {}", files.len(), dir.display()))
        }
    }
}
