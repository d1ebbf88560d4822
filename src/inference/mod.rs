//! Inference stage: [`Features`](crate::biometrics::Features) in, [`Estimate`] out.
//!
//! Models are ONNX files run by onnxruntime, loaded at run time ([`runtime`]) on the
//! best available execution provider ([`providers`]). [`OnnxModel`] runs any model
//! (OEMs bring their own); [`TensionModel`] adds the feature contract check.

mod contract;
mod model;
pub mod npy;
pub mod providers;
pub mod runtime;
mod session;

pub use contract::{model_input, FEATURE_CONTRACT, FEATURE_CONTRACT_KEY, N_FEATURES};
pub use model::TensionModel;
pub use providers::{Provider, ProviderChoice, AUTO as AUTO_PROVIDERS};
pub use session::{InferenceError, IoInfo, ModelMeta, NamedOutput, OnnxModel, SessionOptions};

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
