//! Inference through onnxruntime: the shipped tension model against its training
//! reference, third-party models against their reference outputs, and every failure mode.

use std::path::{Path, PathBuf};

use livingfilm_biometrics::Features;
use livingfilm_inference::npy::{NpyArray, NpyData};
use livingfilm_inference::{
    InferenceError, OnnxModel, Provider, SessionOptions, TensionModel, N_FEATURES,
};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data/onnx").join(name)
}

fn f32s(a: &NpyArray) -> &[f32] {
    match &a.data {
        NpyData::F32(v) => v,
        other => panic!("expected float32, got {}", other.descr()),
    }
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Reads the float data of an ONNX `TensorProto` (.pb): dims (field 1), float_data (4), raw_data (9).
fn tensor_proto_f32(bytes: &[u8]) -> (Vec<i64>, Vec<f32>) {
    fn varint(b: &[u8], i: &mut usize) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = b[*i];
            *i += 1;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        v
    }
    let (mut dims, mut floats) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let key = varint(bytes, &mut i);
        let (field, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                let v = varint(bytes, &mut i);
                if field == 1 {
                    dims.push(v as i64);
                }
            }
            2 => {
                let len = varint(bytes, &mut i) as usize;
                let body = &bytes[i..i + len];
                i += len;
                match field {
                    1 => {
                        let mut j = 0;
                        while j < body.len() {
                            dims.push(varint(body, &mut j) as i64);
                        }
                    }
                    4 | 9 => floats.extend(
                        body.chunks_exact(4)
                            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                    ),
                    _ => {}
                }
            }
            5 => i += 4,
            1 => i += 8,
            w => panic!("unexpected wire type {w}"),
        }
    }
    (dims, floats)
}

#[test]
fn shipped_model_matches_the_training_reference() {
    let mut m = TensionModel::load(&root().join("models/tension.onnx")).unwrap();
    assert_eq!(m.provider(), "CPUExecutionProvider");
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
fn generic_models_match_their_references() {
    // PyTorch Conv2d: input and output shipped with the model.
    let mut conv = OnnxModel::load(&data("conv2d.onnx"), &SessionOptions::default()).unwrap();
    let input = NpyArray::load(&data("conv2d_input.npy")).unwrap();
    let out = conv.run_npy(&[input]).unwrap();
    let got = out[0].1.as_ref().unwrap();
    assert_eq!(got.shape, [2, 4, 5, 4]);
    for reference in [
        "conv2d_output_reference.npy",
        "conv2d_output_onnxruntime.npy",
    ] {
        let want = NpyArray::load(&data(reference)).unwrap();
        let err = max_abs_diff(f32s(got), f32s(&want));
        assert!(err < 1e-4, "{reference}: max abs error {err}");
    }

    // SqueezeNet (opset 9, 8 op types): input by rule, output from the ONNX reference evaluator.
    let mut sq = OnnxModel::load(&data("squeezenet.onnx"), &SessionOptions::default()).unwrap();
    let inputs = sq.example_inputs().unwrap();
    assert_eq!(inputs[0].shape, [1, 3, 224, 224]);
    let out = sq.run_npy(&inputs).unwrap();
    let (dims, want) = tensor_proto_f32(&std::fs::read(data("squeezenet_output.pb")).unwrap());
    assert_eq!(dims, [1, 1000, 1, 1]);
    let got = out[0].1.as_ref().unwrap();
    assert!(max_abs_diff(f32s(got), &want) < 1e-4);

    // Logistic regression: int64 labels as a tensor, the ZipMap output refused for .npy.
    let mut iris = OnnxModel::load(&data("logreg_iris.onnx"), &SessionOptions::default()).unwrap();
    let out = iris
        .run_npy(&[NpyArray::load(&data("logreg_iris_input.npy")).unwrap()])
        .unwrap();
    assert_eq!(out[0].1.as_ref().unwrap().data, NpyData::I64(vec![0, 0, 0]));
    assert!(out[1]
        .1
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("tensors only"));
}

#[test]
fn wrong_inputs_are_named() {
    let mut conv = OnnxModel::load(&data("conv2d.onnx"), &SessionOptions::default()).unwrap();
    let wrong_shape = NpyArray {
        shape: vec![2, 3, 7],
        data: NpyData::F32(vec![0.0; 42]),
    };
    let e = conv.run_npy(&[wrong_shape]).unwrap_err().to_string();
    assert!(
        e.contains("conv2d.onnx") && e.contains("input `0` wants shape [2, 3, 7, 5]"),
        "{e}"
    );
    let wrong_type = NpyArray {
        shape: vec![2, 3, 7, 5],
        data: NpyData::F64(vec![0.0; 210]),
    };
    let e = conv.run_npy(&[wrong_type]).unwrap_err().to_string();
    assert!(e.contains("wants dtype <f4, got <f8"), "{e}");
    let e = conv.run_npy(&[]).unwrap_err().to_string();
    assert!(e.contains("takes 1 input(s), 0 given"), "{e}");
}

#[test]
fn a_model_without_the_feature_contract_is_refused() {
    match TensionModel::load(&data("conv2d.onnx")) {
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

#[test]
fn non_finite_features_are_an_error_not_an_estimate() {
    let mut m = TensionModel::load(&root().join("models/tension.onnx")).unwrap();
    let f = Features {
        t: 3.0,
        hr_bpm: f32::NAN,
        quality: 1.0,
        ..Features::default()
    };
    let e = m.estimate(&f).unwrap_err().to_string();
    assert!(e.contains("non-finite features at t=3.00s"), "{e}");
    let silent = Features {
        t: 4.0,
        ..Features::default()
    };
    assert_eq!(m.estimate(&silent).unwrap().confidence, 0.0);
}

#[test]
fn unavailable_providers_fall_back_to_cpu_and_say_so() {
    let opts = SessionOptions {
        providers: Provider::parse_list("xnnpack,qnn").unwrap(),
        ..SessionOptions::default()
    };
    let m = TensionModel::load_with(&root().join("models/tension.onnx"), &opts).unwrap();
    for p in [Provider::Xnnpack, Provider::Qnn] {
        if p.is_compiled_in() {
            // A build that has it must use it (XNNPACK first in the list).
            assert_eq!(m.provider(), Provider::Xnnpack.ort_name());
            return;
        }
        assert!(
            m.skipped_providers().iter().any(|s| s.starts_with(p.ort_name()) && s.contains("not in this onnxruntime build")),
            "{:?}",
            m.skipped_providers()
        );
    }
    assert_eq!(m.provider(), "CPUExecutionProvider");
}

#[test]
fn the_optimised_graph_cache_is_written_then_used() {
    let dir = root().join("target/test-out/model-cache");
    let _ = std::fs::remove_dir_all(&dir);
    let opts = SessionOptions {
        cache_dir: Some(dir.clone()),
        ..SessionOptions::default()
    };
    let x = [0.3, -0.1, 0.2, 1.0];
    let mut first = TensionModel::load_with(&root().join("models/tension.onnx"), &opts).unwrap();
    let cached: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].to_string_lossy().ends_with(".optimized.onnx"));
    let mut second = TensionModel::load_with(&root().join("models/tension.onnx"), &opts).unwrap();
    assert_eq!(first.run_raw(&x).unwrap(), second.run_raw(&x).unwrap());
}
