//! The session report (`report.json`): what was played and why, without raw biometrics.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::{PlayerConfig, PlayerError};
use livingfilm_director::{CutId, Decision, Film, SegmentSummary};

/// What the director stage hands back at the end.
#[derive(Debug, Clone)]
pub struct DirectorOutput {
    /// What the controller learned about the viewer (if any signal came in).
    pub learned: Option<super::profile::ViewerProfile>,
    /// Decisions in order.
    pub decisions: Vec<Decision>,
    /// The cut ID's choice bytes.
    pub decision_bytes: Vec<u8>,
    /// Per-segment summaries.
    pub summaries: Vec<SegmentSummary>,
    /// Length of the delivered cut, seconds.
    pub duration_s: f64,
    /// Target and estimate once a second.
    pub trace: Vec<TracePoint>,
}

/// The director's target and the (derived, smoothed) tension estimate at one second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TracePoint {
    /// Viewing time, seconds.
    pub t: f64,
    /// The director's target tension.
    pub target: f32,
    /// Smoothed tension estimate, when any confident signal came in.
    pub tension: Option<f32>,
    /// Smoothed confidence of the estimate.
    pub confidence: f32,
    /// Offered tension (the director's drive plus the offset).
    pub drive: f32,
}

impl From<super::live::Tick> for TracePoint {
    fn from(k: super::live::Tick) -> Self {
        let round = |x: f32| (x * 1000.0).round() / 1000.0;
        Self {
            t: k.t,
            target: round(k.target),
            tension: k.tension.map(round),
            confidence: round(k.confidence),
            drive: round(k.drive),
        }
    }
}

/// Inference statistics.
#[derive(Debug, Clone, Serialize)]
pub struct InferenceReport {
    /// Model file.
    pub model: String,
    /// Execution provider that ran the model (`none` when the model could not load).
    pub provider: String,
    /// Requested providers that were skipped, with the reason.
    pub skipped_providers: Vec<String>,
    /// Number of model runs.
    pub calls: u64,
    /// Mean time per run, microseconds.
    pub mean_us: f64,
    /// Number of runs that failed (each became a zero-confidence estimate).
    pub error_count: u64,
    /// The load error or the first run errors, if any (the director then used its defaults).
    pub errors: Vec<String>,
}

/// What happened to the viewer profile.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProfileReport {
    /// The profile file.
    pub path: String,
    /// Sensitivity the viewing started from (none: the director's viewer).
    pub loaded: Option<f32>,
    /// Sensitivity written back at the end (none: nothing learned, or not written).
    pub saved: Option<f32>,
    /// Why the profile could not be read or written.
    pub error: Option<String>,
}

/// Render statistics and outputs.
#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    /// GPU adapter, or the CPU renderer.
    pub adapter: String,
    /// Why the CPU rendered although the GPU was tried first (`--render auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// What the renderer worked around (a downscaled scene, a recreated GPU device).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Film frame rate.
    pub fps: u32,
    /// Frames rendered.
    pub frames: u32,
    /// Frames per second of render-thread time spent in the renderer (submitting a frame and
    /// waiting for the previous one's read-back); the GPU overlaps its work with output encoding.
    pub render_fps: f64,
    /// SHA-256 over all RGBA frames (determinism check).
    pub frames_sha256: String,
    /// Scenes loaded ahead of their cut, when the director announced the candidates.
    pub scenes_preloaded: u32,
    /// Scenes that had to load at their cut (0 means every cut was seamless).
    pub scene_stalls: u32,
    /// Frames a live display was already past, skipped instead of drawn.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub late_skipped: u32,
    /// Most scenes resident on the GPU at once.
    pub peak_resident_scenes: usize,
    /// Largest gap between the audio clock and a shown frame's time, ms (device only).
    pub av_drift_max_ms: Option<f64>,
    /// Y4M file (none when the host took the frames).
    pub video: Option<String>,
    /// PNG folder, if written.
    pub frames_dir: Option<String>,
}

/// Audio statistics and outputs.
#[derive(Debug, Clone, Serialize)]
pub struct AudioReport {
    /// Where the mix went.
    pub sink: String,
    /// Mix sample rate.
    pub sample_rate: u32,
    /// Frames mixed.
    pub frames: u64,
    /// RMS over the whole mix, dBFS.
    pub rms_dbfs: f64,
    /// Peak absolute sample.
    pub peak: f32,
    /// Integrated loudness of what was played (ITU-R BS.1770 / EBU R128, gated), LUFS;
    /// null for a mix under the -70 LUFS gate.
    pub integrated_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: Option<f64>,
    /// Sample peak of what was played, dBFS (null for digital silence).
    pub peak_dbfs: Option<f64>,
    /// True peak (4x oversampled, BS.1770 Annex 2) of what was played, dBTP: at most
    /// the limiter's -1 dBTP ceiling, give or take the meters' 0.1-0.3 dB.
    pub true_peak_dbtp: Option<f64>,
    /// Samples at or over full scale going into the master limiter: what would have
    /// clipped without it (the stems' gains sum too hot; `livingfilm check` warns).
    pub clipped_samples_before_limiter: u64,
    /// Samples at or over full scale in the output (0: the limiter held).
    pub clipped_samples: u64,
    /// Deepest gain reduction the limiter applied, dB (0: it never acted).
    pub limiter_max_reduction_db: f32,
    /// Time the limiter spent reducing gain, seconds.
    pub limited_s: f64,
    /// Device buffer underruns (0 headless).
    pub underruns: u64,
    /// Per stem: underruns and failures.
    pub stems: Vec<StemReport>,
    /// Cue crossfades made.
    pub cue_changes: u32,
    /// Stingers played.
    pub stingers: u32,
    /// Time the music spent ducked under dialogue, seconds.
    pub ducked_s: f64,
    /// Slowest device callback, microseconds (device only).
    pub callback_worst_us: Option<f64>,
    /// The device's buffer period, microseconds (device only): the callback's budget.
    pub callback_period_us: Option<f64>,
    /// Times the device was lost and playback went on on the null sink.
    pub device_losses: u32,
    /// SHA-256 over the f32 mix (determinism check).
    pub sha256: String,
    /// WAV record of the mix (none with `--audio null`).
    pub wav: Option<String>,
}

/// How one stem fared.
#[derive(Debug, Clone, Serialize)]
pub struct StemReport {
    /// The stem's id.
    pub id: String,
    /// Mixer slices in which its ring ran dry (0 on the virtual clock).
    pub underruns: u64,
    /// Why it was muted, if it was.
    pub failed: Option<String>,
}

/// What the uplink did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UplinkReport {
    /// The viewer's consent for this viewing.
    pub consent: bool,
    /// Endpoint delivered to, if any.
    pub endpoint: Option<String>,
    /// Segments with a confident enough delta.
    pub records: usize,
    /// ε spent per record (one-bit randomized response, see uplink::ldp).
    pub epsilon: f64,
    /// Records appended to the durable queue this viewing.
    pub queued: usize,
    /// Records not made because the viewing's privacy budget was spent.
    pub over_budget: usize,
    /// Records the collector accepted this viewing (this and earlier viewings' records).
    pub delivered: usize,
    /// Records still waiting in the queue.
    pub pending: usize,
    /// Records ever dropped because the queue was full.
    pub dropped: u64,
    /// Bytes of a torn queue tail cut on opening (a crash during a write).
    pub truncated_bytes: u64,
    /// The queue's folder (with consent only).
    pub queue: Option<String>,
    /// Consent was withdrawn during the viewing: from then on nothing was queued or
    /// sent, and the queue stays deleted.
    pub withdrawn: bool,
    /// The queue's state file was corrupt or missing, and the queue was rebuilt from its
    /// logs (why); records may be sent again, which the collector de-duplicates.
    pub queue_rebuilt: Option<String>,
    /// The last problem, if any.
    pub error: Option<String>,
}

/// Film identity in the report.
#[derive(Debug, Clone, Serialize)]
pub struct FilmRef {
    /// Film id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Content hash prefix.
    pub version: String,
}

/// The whole session report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Which film.
    pub film: FilmRef,
    /// The cut ID that replays this viewing.
    pub cut_id: String,
    /// Seed used.
    pub seed: u32,
    /// Whether this was a cut-ID replay.
    pub replayed: bool,
    /// Length of the delivered cut, seconds.
    pub duration_s: f64,
    /// Decisions with reasons.
    pub decisions: Vec<Decision>,
    /// Per-segment tension summaries (derived estimates only).
    pub segments: Vec<SegmentSummary>,
    /// The director's target against the smoothed estimate, once a second (derived
    /// estimates only; plotted in `tension.png`).
    pub trace: Vec<TracePoint>,
    /// Inference stage.
    pub inference: InferenceReport,
    /// Render stage.
    pub render: RenderReport,
    /// Audio stage.
    pub audio: AudioReport,
    /// Uplink stage.
    pub uplink: UplinkReport,
    /// The viewer profile (`--profile`), if one was used.
    pub profile: Option<ProfileReport>,
    /// Wall-clock time of the whole viewing, seconds.
    pub wall_s: f64,
}

impl Report {
    /// Assembles the report from the stages' outputs.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        film: &Film,
        cfg: &PlayerConfig,
        seed: u32,
        cut_id: CutId,
        director: DirectorOutput,
        inference: InferenceReport,
        render: RenderReport,
        audio: AudioReport,
        uplink: UplinkReport,
        profile: Option<ProfileReport>,
        wall: Duration,
    ) -> Self {
        Self {
            film: FilmRef {
                id: film.info.id.clone(),
                title: film.info.title.clone(),
                version: film.version(),
            },
            cut_id: cut_id.to_string(),
            seed,
            replayed: cfg.cut.is_some(),
            duration_s: director.duration_s,
            decisions: director.decisions,
            segments: director.summaries,
            trace: director.trace,
            inference,
            render,
            audio,
            uplink,
            profile,
            wall_s: wall.as_secs_f64(),
        }
    }

    /// Writes `report.json` into `dir`, and with the `cli` feature (the command line and
    /// the desktop player) the plot `tension.png` and the page `report.html`. The C
    /// library writes the record alone: a TV app draws its own figures from it.
    pub fn write(&self, dir: &Path) -> Result<(), PlayerError> {
        let path = dir.join("report.json");
        let json = serde_json::to_string_pretty(self).map_err(|e| output_error(&path, e.into()))?;
        write_atomically(&path, (json + "\n").as_bytes()).map_err(|e| output_error(&path, e))?;
        #[cfg(feature = "cli")]
        self.write_figures(dir)?;
        Ok(())
    }

    #[cfg(feature = "cli")]
    fn write_figures(&self, dir: &Path) -> Result<(), PlayerError> {
        let png = dir.join("tension.png");
        let other = |e: String| output_error(&png, std::io::Error::other(e));
        let image = super::plot::tension_plot(self)
            .map_err(|e| output_error(&png, std::io::Error::other(e)))?;
        let mut bytes = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .map_err(|e| other(e.to_string()))?;
        write_atomically(&png, &bytes).map_err(|e| output_error(&png, e))?;
        let html = dir.join("report.html");
        write_atomically(&html, super::plot::html(self).as_bytes())
            .map_err(|e| output_error(&html, e))
    }
}

fn output_error(path: &Path, source: std::io::Error) -> PlayerError {
    PlayerError::Output {
        path: path.to_owned(),
        source,
    }
}

/// Writes through a temporary file and a rename, so a report is whole or absent even
/// when the viewing is closed or the machine stops mid-write.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
