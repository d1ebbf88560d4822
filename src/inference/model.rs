//! The tension model: one ONNX session, checked against the feature contract.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ort::session::{builder::GraphOptimizationLevel, Session};
use ort::value::TensorRef;

use super::contract::{model_input, FEATURE_CONTRACT, FEATURE_CONTRACT_KEY, N_FEATURES};
use super::runtime::{self, RuntimeError};
use super::Estimate;
use crate::biometrics::Features;

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    /// onnxruntime itself is missing.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The model file does not exist.
    #[error("tension model {0} not found")]
    Missing(PathBuf),
    /// onnxruntime rejected the file.
    #[error("tension model {path} could not be loaded: {reason}")]
    Load { path: PathBuf, reason: String },
    /// The model was trained on other inputs than the biometrics stage produces.
    #[error("tension model {path}: feature contract mismatch: model declares {found:?}, player provides {FEATURE_CONTRACT:?}")]
    Contract { path: PathBuf, found: String },
    /// A run failed.
    #[error("tension model run failed: {0}")]
    Run(String),
}

/// A loaded tension model with its running cost statistics.
pub struct TensionModel {
    session: Session,
    input_name: String,
    path: PathBuf,
    calls: u64,
    total_ns: u128,
}

impl TensionModel {
    /// Loads `path`, verifying its declared feature contract and input shape.
    pub fn load(path: &Path) -> Result<Self, InferenceError> {
        let (_, env) = runtime::ensure()?;
        if !path.is_file() {
            return Err(InferenceError::Missing(path.to_owned()));
        }
        let load_err = |e: ort::Error| InferenceError::Load {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let session = Session::builder(env)
            .map_err(load_err)?
            .with_intra_threads(1)
            .map_err(|e| load_err(e.into()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| load_err(e.into()))?
            .commit_from_file(path)
            .map_err(load_err)?;
        let declared = session
            .metadata()
            .ok()
            .and_then(|m| m.custom(FEATURE_CONTRACT_KEY))
            .unwrap_or_default();
        if declared != FEATURE_CONTRACT {
            return Err(InferenceError::Contract {
                path: path.to_owned(),
                found: declared,
            });
        }
        let input_name = session
            .inputs()
            .first()
            .map(|i| i.name().to_owned())
            .ok_or_else(|| InferenceError::Load {
                path: path.to_owned(),
                reason: "model has no inputs".into(),
            })?;
        Ok(Self {
            session,
            input_name,
            path: path.to_owned(),
            calls: 0,
            total_ns: 0,
        })
    }

    /// The model file in use.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Execution provider actually running the session.
    pub fn provider(&self) -> &'static str {
        "CPUExecutionProvider"
    }

    /// Number of runs and mean time per run in microseconds.
    pub fn stats(&self) -> (u64, f64) {
        let mean = if self.calls == 0 {
            0.0
        } else {
            self.total_ns as f64 / self.calls as f64 / 1000.0
        };
        (self.calls, mean)
    }

    /// Raw model output for one normalised input vector.
    pub fn run_raw(&mut self, input: &[f32; N_FEATURES]) -> Result<f32, InferenceError> {
        let start = Instant::now();
        let tensor = TensorRef::from_array_view(([1usize, N_FEATURES], &input[..]))
            .map_err(|e| InferenceError::Run(e.to_string()))?;
        let outputs = self
            .session
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .map_err(|e| InferenceError::Run(e.to_string()))?;
        let (_, data) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| InferenceError::Run(e.to_string()))?;
        let y = *data
            .first()
            .ok_or_else(|| InferenceError::Run("empty output".into()))?;
        self.calls += 1;
        self.total_ns += start.elapsed().as_nanos();
        Ok(y)
    }

    /// Tension estimate for one feature frame; no signal gives zero confidence.
    pub fn estimate(&mut self, f: &Features) -> Result<Estimate, InferenceError> {
        if f.quality <= 0.0 {
            return Ok(Estimate {
                t: f.t,
                tension: 0.0,
                confidence: 0.0,
            });
        }
        let y = self.run_raw(&model_input(f))?;
        if !y.is_finite() {
            return Err(InferenceError::Run(format!(
                "model produced {y} at t={:.2}s",
                f.t
            )));
        }
        Ok(Estimate {
            t: f.t,
            tension: y.clamp(0.0, 1.0),
            confidence: f.quality,
        })
    }
}
