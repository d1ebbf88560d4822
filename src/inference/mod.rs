//! Inference stage: [`Features`](crate::biometrics::Features) in, [`Estimate`] out.
//!
//! The tension model is an ONNX file run by onnxruntime (loaded at run time, see
//! [`runtime`]); its input contract is checked against the model's metadata at load.

mod contract;
mod model;
pub mod runtime;

pub use contract::{model_input, FEATURE_CONTRACT, FEATURE_CONTRACT_KEY, N_FEATURES};
pub use model::{InferenceError, TensionModel};

/// The on-device tension estimate at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Viewing time, seconds.
    pub t: f64,
    /// Estimated tension 0 (relaxed) ..1 (very tense).
    pub tension: f32,
    /// How much to trust `tension`, 0..1 (0 = no usable signal).
    pub confidence: f32,
}
