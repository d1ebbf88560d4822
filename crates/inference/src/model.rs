//! The tension model: an [`OnnxModel`] checked against the feature contract.

use std::path::Path;
use std::time::Instant;

use ort::value::{TensorElementType, TensorRef};

use super::contract::{model_input, FEATURE_CONTRACT, FEATURE_CONTRACT_KEY, N_FEATURES};
use super::session::{InferenceError, OnnxModel, SessionOptions};
use super::Estimate;
use livingfilm_core::Features;

/// A loaded tension model with its running cost statistics.
pub struct TensionModel {
    model: OnnxModel,
    input_name: String,
    calls: u64,
    total_ns: u128,
}

impl TensionModel {
    /// Loads `path` with default options (CPU).
    pub fn load(path: &Path) -> Result<Self, InferenceError> {
        Self::load_with(path, &SessionOptions::default())
    }

    /// Loads `path`, verifying its declared feature contract, input and output.
    pub fn load_with(path: &Path, opts: &SessionOptions) -> Result<Self, InferenceError> {
        let model = OnnxModel::load(path, opts)?;
        Self::check_contract(&model)?;
        let input_name = model.inputs()[0].name.clone();
        Ok(Self {
            model,
            input_name,
            calls: 0,
            total_ns: 0,
        })
    }

    /// Whether `model` can be the tension model: it declares the feature contract this
    /// player computes, takes one float32 `[N or 1, 4]` input and gives a float32 tensor
    /// first. Separate from loading so `inspect` can say it of any model.
    pub fn check_contract(model: &OnnxModel) -> Result<(), InferenceError> {
        let declared = model
            .meta()
            .custom
            .get(FEATURE_CONTRACT_KEY)
            .cloned()
            .unwrap_or_default();
        if declared != FEATURE_CONTRACT {
            return Err(InferenceError::Contract {
                path: model.path().to_owned(),
                found: declared,
                expected: FEATURE_CONTRACT,
            });
        }
        let [input] = model.inputs() else {
            return Err(model.mismatch(format!(
                "a tension model takes 1 input, this one takes {}",
                model.inputs().len()
            )));
        };
        let shape_ok =
            input.shape.len() == 2 && input.shape[1] == N_FEATURES as i64 && input.shape[0] <= 1;
        if input.element != Some(TensorElementType::Float32) || !shape_ok {
            return Err(model.mismatch(format!(
                "input `{}` is {}, the tension contract needs float32 [N or 1, {N_FEATURES}]",
                input.name, input.ty
            )));
        }
        match model.outputs().first() {
            Some(o) if o.element == Some(TensorElementType::Float32) => Ok(()),
            other => Err(model.mismatch(format!(
                "first output must be a float32 tensor, found {}",
                other.map_or("none".to_owned(), |o| o.ty.clone())
            ))),
        }
    }

    /// The model file in use.
    pub fn path(&self) -> &Path {
        self.model.path()
    }

    /// Execution provider actually running the session.
    pub fn provider(&self) -> &str {
        &self.model.providers().active
    }

    /// Providers that were requested but skipped, with reasons.
    pub fn skipped_providers(&self) -> &[String] {
        &self.model.providers().skipped
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
            .map_err(|e| self.model.run_err(e.to_string()))?;
        let result = self
            .model
            .session_mut()
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .and_then(|out| {
                out[0]
                    .try_extract_tensor::<f32>()
                    .map(|(_, d)| d.first().copied())
            });
        let y = match result {
            Ok(Some(y)) => y,
            Ok(None) => return Err(self.model.run_err("empty output".into())),
            Err(e) => return Err(self.model.run_err(e.to_string())),
        };
        self.calls += 1;
        self.total_ns += start.elapsed().as_nanos();
        Ok(y)
    }

    /// Tension estimate for one feature frame; no signal gives zero confidence,
    /// non-finite features or output are an error (the caller falls back).
    pub fn estimate(&mut self, f: &Features) -> Result<Estimate, InferenceError> {
        if f.quality <= 0.0 {
            return Ok(Estimate {
                t: f.t,
                tension: 0.0,
                confidence: 0.0,
            });
        }
        let x = model_input(f);
        if x.iter().any(|v| !v.is_finite()) {
            return Err(self
                .model
                .run_err(format!("non-finite features at t={:.2}s", f.t)));
        }
        let y = self.run_raw(&x)?;
        if !y.is_finite() {
            return Err(self
                .model
                .run_err(format!("model produced {y} at t={:.2}s", f.t)));
        }
        Ok(Estimate {
            t: f.t,
            tension: y.clamp(0.0, 1.0),
            confidence: f.quality,
        })
    }
}
