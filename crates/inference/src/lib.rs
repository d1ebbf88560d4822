//! Inference stage: [`Features`](livingfilm_core::Features) in, [`Estimate`] out.
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
pub use livingfilm_core::Estimate;
pub use model::TensionModel;
pub use providers::{Provider, ProviderChoice, UnknownProvider, AUTO as AUTO_PROVIDERS};
pub use session::{
    InferenceError, IoInfo, ModelMeta, NamedOutput, OnnxModel, OutputError, SessionOptions,
};
