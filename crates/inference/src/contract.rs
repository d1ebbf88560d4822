//! The feature contract between the biometrics stage and the tension model.

use livingfilm_core::Features;

/// Number of model inputs.
pub const N_FEATURES: usize = 4;

/// ONNX metadata key under which a tension model declares the contract it was trained on.
pub const FEATURE_CONTRACT_KEY: &str = "livingfilm.feature_contract";

/// Version and order of the inputs; a model must declare exactly this string.
pub const FEATURE_CONTRACT: &str = "v1:hr_delta_bpm/10,rmssd_ln_ratio,(hr_bpm-70)/20,quality";

/// Normalised model input for one feature frame, in contract order.
pub fn model_input(f: &Features) -> [f32; N_FEATURES] {
    [
        f.hr_delta_bpm / 10.0,
        f.rmssd_ln_ratio,
        (f.hr_bpm - 70.0) / 20.0,
        f.quality,
    ]
}
