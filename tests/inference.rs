//! The shipped tension model through onnxruntime, against the training script's reference.

use std::path::Path;

use livingfilm::inference::{InferenceError, TensionModel, N_FEATURES};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn shipped_model_matches_the_training_reference() {
    let mut m = TensionModel::load(&root().join("models/tension.onnx")).unwrap();
    // Printed by `python3 models/train_tension.py` (float64 numpy forward pass).
    let cases: [([f32; N_FEATURES], f32); 3] = [
        ([0.0, 0.0, 0.0, 1.0], 0.404754),
        ([2.0, -0.6, 1.0, 1.0], 0.985863),
        ([-1.0, 0.4, -0.5, 1.0], 0.050336),
    ];
    for (x, want) in cases {
        let got = m.run_raw(&x).unwrap();
        assert!((got - want).abs() < 1e-5, "{x:?}: {got} vs {want}");
    }
    let (calls, mean_us) = m.stats();
    assert_eq!(calls, 3);
    assert!(mean_us > 0.0);
}

#[test]
fn a_model_without_the_feature_contract_is_refused() {
    match TensionModel::load(&root().join("tests/data/pytorch_conv2d.onnx")) {
        Err(InferenceError::Contract { found, .. }) => assert_eq!(found, ""),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("accepted a model with another contract"),
    }
}

#[test]
fn missing_and_corrupt_models_are_clear_errors() {
    let e = TensionModel::load(Path::new("/nonexistent/tension.onnx"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("/nonexistent/tension.onnx"), "{e}");
    let dir = std::env::temp_dir().join("livingfilm-corrupt-model");
    std::fs::create_dir_all(&dir).unwrap();
    let full = std::fs::read(root().join("models/tension.onnx")).unwrap();
    for (name, bytes) in [
        ("garbage.onnx", b"\x08\x07garbage".to_vec()),
        ("truncated.onnx", full[..full.len() / 2].to_vec()),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = TensionModel::load(&p).err().expect("corrupt model refused");
        assert!(e.to_string().contains(name), "{e}");
    }
}
