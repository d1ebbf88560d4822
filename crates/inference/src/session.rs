//! A generic ONNX model session: any model an OEM supplies, with provider choice and
//! NumPy tensors in and out. The tension model is one user of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ort::session::{builder::GraphOptimizationLevel, Session, SessionInputValue};
use ort::value::{DynValue, Tensor, TensorElementType, ValueType};

use super::npy::{NpyArray, NpyData};
use super::providers::{self, Provider, ProviderChoice};
use super::runtime::{self, RuntimeError};

/// Why a model could not be loaded or run; names the model file.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    /// onnxruntime itself is missing.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The model file does not exist.
    #[error("model {0} not found")]
    Missing(PathBuf),
    /// onnxruntime rejected the file (corrupt, truncated, unsupported opset...).
    #[error("model {path} could not be loaded: {reason}")]
    Load { path: PathBuf, reason: String },
    /// The model does not take what the caller provides.
    #[error("model {path}: {problem}")]
    Mismatch { path: PathBuf, problem: String },
    /// The tension model was trained on other inputs than the biometrics stage produces.
    #[error("model {path}: feature contract mismatch: model declares {found:?}, player provides {expected:?}")]
    Contract {
        path: PathBuf,
        found: String,
        expected: &'static str,
    },
    /// A run failed.
    #[error("model {path}: run failed: {reason}")]
    Run { path: PathBuf, reason: String },
}

/// How to build a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Execution providers in preference order (CPU last).
    pub providers: Vec<Provider>,
    /// Threads inside one operator; 1 is best for tiny models (no hand-off cost).
    pub intra_threads: usize,
    /// Folder caching optimised graphs (keyed by model content), so later loads skip
    /// graph optimisation; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            providers: vec![Provider::Cpu],
            intra_threads: 1,
            cache_dir: None,
        }
    }
}

/// One input or output of a model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IoInfo {
    /// Name in the graph.
    pub name: String,
    /// Type as onnxruntime prints it, e.g. `Tensor<f32>(-1, 4)`.
    pub ty: String,
    /// Element type for tensors.
    #[serde(skip)]
    pub element: Option<TensorElementType>,
    /// Dimensions for tensors (-1 = dynamic).
    pub shape: Vec<i64>,
}

impl IoInfo {
    fn from_outlet(name: &str, vt: &ValueType) -> Self {
        let (element, shape) = match vt {
            ValueType::Tensor { ty, shape, .. } => (Some(*ty), shape.to_vec()),
            _ => (None, Vec::new()),
        };
        Self {
            name: name.to_owned(),
            ty: vt.to_string(),
            element,
            shape,
        }
    }
}

/// Model-level metadata.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ModelMeta {
    /// Producer name.
    pub producer: Option<String>,
    /// Graph description.
    pub description: Option<String>,
    /// Model version.
    pub version: Option<i64>,
    /// Custom key/value metadata.
    pub custom: BTreeMap<String, String>,
}

/// Why one output of a run cannot be a `.npy` array; the run itself succeeded, so the
/// other outputs are still there.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The model declares the output but the run did not return it.
    #[error("missing")]
    Missing,
    /// Not a tensor (a sequence or a map, e.g. scikit-learn's ZipMap).
    #[error("{0} cannot be written as .npy (tensors only)")]
    NotTensor(Box<ValueType>),
    /// A tensor of an element type `.npy` files here do not hold.
    #[error("tensor of {0:?} cannot be written as .npy")]
    Element(TensorElementType),
    /// onnxruntime could not hand over the tensor's data.
    #[error(transparent)]
    Extract(#[from] ort::Error),
}

/// One named output of a run: the array, or why it cannot be one (e.g. a ZipMap).
pub type NamedOutput = (String, Result<NpyArray, OutputError>);

/// A loaded ONNX model.
pub struct OnnxModel {
    session: Session,
    path: PathBuf,
    choice: ProviderChoice,
    inputs: Vec<IoInfo>,
    outputs: Vec<IoInfo>,
    meta: ModelMeta,
}

/// `<dir>/<stem>-<first 8 bytes of SHA-256>.optimized.onnx` for the model at `path`.
fn cached_graph_path(dir: &Path, path: &Path) -> std::io::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    std::fs::create_dir_all(dir)?;
    let hash = Sha256::digest(std::fs::read(path)?);
    let key = data_encoding::HEXLOWER.encode(&hash[..8]);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("model");
    Ok(dir.join(format!("{stem}-{key}.optimized.onnx")))
}

fn npy_to_value(a: &NpyArray) -> ort::Result<DynValue> {
    let shape: Vec<i64> = a.shape.iter().map(|&d| d as i64).collect();
    Ok(match &a.data {
        NpyData::F32(v) => Tensor::from_array((shape, v.clone()))?.into_dyn(),
        NpyData::F64(v) => Tensor::from_array((shape, v.clone()))?.into_dyn(),
        NpyData::I64(v) => Tensor::from_array((shape, v.clone()))?.into_dyn(),
        NpyData::I32(v) => Tensor::from_array((shape, v.clone()))?.into_dyn(),
        NpyData::U8(v) => Tensor::from_array((shape, v.clone()))?.into_dyn(),
        NpyData::Bool(v) => Tensor::from_array((shape, v.clone()))?.into_dyn(),
    })
}

fn value_to_npy(v: &DynValue) -> Result<NpyArray, OutputError> {
    let ValueType::Tensor { ty, .. } = v.dtype() else {
        return Err(OutputError::NotTensor(Box::new(v.dtype().clone())));
    };
    fn grab<T: ort::value::PrimitiveTensorElementType + Clone>(
        v: &DynValue,
    ) -> Result<(Vec<usize>, Vec<T>), OutputError> {
        let (shape, data) = v.try_extract_tensor::<T>()?;
        Ok((
            shape.iter().map(|&d| d.max(0) as usize).collect(),
            data.to_vec(),
        ))
    }
    let (shape, data) = match ty {
        TensorElementType::Float32 => grab::<f32>(v).map(|(s, d)| (s, NpyData::F32(d)))?,
        TensorElementType::Float64 => grab::<f64>(v).map(|(s, d)| (s, NpyData::F64(d)))?,
        TensorElementType::Int64 => grab::<i64>(v).map(|(s, d)| (s, NpyData::I64(d)))?,
        TensorElementType::Int32 => grab::<i32>(v).map(|(s, d)| (s, NpyData::I32(d)))?,
        TensorElementType::Uint8 => grab::<u8>(v).map(|(s, d)| (s, NpyData::U8(d)))?,
        TensorElementType::Bool => grab::<bool>(v).map(|(s, d)| (s, NpyData::Bool(d)))?,
        other => return Err(OutputError::Element(*other)),
    };
    Ok(NpyArray { shape, data })
}

impl OnnxModel {
    /// Loads `path` with the given options; logs (to the returned choice) every provider skipped.
    pub fn load(path: &Path, opts: &SessionOptions) -> Result<Self, InferenceError> {
        let (_, env) = runtime::ensure()?;
        if !path.is_file() {
            return Err(InferenceError::Missing(path.to_owned()));
        }
        let load_err = |reason: String| InferenceError::Load {
            path: path.to_owned(),
            reason,
        };
        let mut builder = Session::builder(env)
            .map_err(|e| load_err(e.to_string()))?
            .with_intra_threads(opts.intra_threads)
            .map_err(|e| load_err(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| load_err(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| load_err(e.to_string()))?
            .with_memory_pattern(true)
            .map_err(|e| load_err(e.to_string()))?;
        let mut source = path.to_owned();
        if let Some(dir) = &opts.cache_dir {
            let cached = cached_graph_path(dir, path)
                .map_err(|e| load_err(format!("model cache {}: {e}", dir.display())))?;
            if cached.is_file() {
                source = cached;
            } else {
                builder = builder
                    .with_optimized_model_path(&cached)
                    .map_err(|e| load_err(e.to_string()))?;
            }
        }
        let choice = providers::choose(&opts.providers, &mut builder);
        let session = builder
            .commit_from_file(&source)
            .map_err(|e| load_err(e.to_string()))?;
        let inputs = session
            .inputs()
            .iter()
            .map(|o| IoInfo::from_outlet(o.name(), o.dtype()))
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(|o| IoInfo::from_outlet(o.name(), o.dtype()))
            .collect();
        let meta = session
            .metadata()
            .map(|m| ModelMeta {
                producer: m.producer(),
                description: m.description(),
                version: m.version(),
                custom: m
                    .custom_keys()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|k| m.custom(&k).map(|v| (k, v)))
                    .collect(),
            })
            .unwrap_or_default();
        Ok(Self {
            session,
            path: path.to_owned(),
            choice,
            inputs,
            outputs,
            meta,
        })
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Which provider runs the session and which were skipped, with reasons.
    pub fn providers(&self) -> &ProviderChoice {
        &self.choice
    }

    /// Graph inputs.
    pub fn inputs(&self) -> &[IoInfo] {
        &self.inputs
    }

    /// Graph outputs.
    pub fn outputs(&self) -> &[IoInfo] {
        &self.outputs
    }

    /// Model metadata.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    pub(crate) fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    pub(crate) fn mismatch(&self, problem: String) -> InferenceError {
        InferenceError::Mismatch {
            path: self.path.clone(),
            problem,
        }
    }

    pub(crate) fn run_err(&self, reason: String) -> InferenceError {
        InferenceError::Run {
            path: self.path.clone(),
            reason,
        }
    }

    /// Checks `arrays` against the graph inputs (count, dtype, rank, fixed dimensions).
    fn check_inputs(&self, arrays: &[NpyArray]) -> Result<(), InferenceError> {
        if arrays.len() != self.inputs.len() {
            return Err(self.mismatch(format!(
                "takes {} input(s), {} given",
                self.inputs.len(),
                arrays.len()
            )));
        }
        for (info, a) in self.inputs.iter().zip(arrays) {
            let want = match info.element {
                Some(TensorElementType::Float32) => "<f4",
                Some(TensorElementType::Float64) => "<f8",
                Some(TensorElementType::Int64) => "<i8",
                Some(TensorElementType::Int32) => "<i4",
                Some(TensorElementType::Uint8) => "|u1",
                Some(TensorElementType::Bool) => "|b1",
                _ => {
                    return Err(self.mismatch(format!(
                        "input `{}` is {}, which .npy input cannot feed",
                        info.name, info.ty
                    )))
                }
            };
            if a.data.descr() != want {
                return Err(self.mismatch(format!(
                    "input `{}` wants dtype {want}, got {}",
                    info.name,
                    a.data.descr()
                )));
            }
            let fits = info.shape.len() == a.shape.len()
                && info
                    .shape
                    .iter()
                    .zip(&a.shape)
                    .all(|(&w, &g)| w < 0 || w as usize == g);
            if !fits {
                return Err(self.mismatch(format!(
                    "input `{}` wants shape {:?} (-1 = any), got {:?}",
                    info.name, info.shape, a.shape
                )));
            }
        }
        Ok(())
    }

    /// Runs the model on NumPy arrays (one per input, in order); returns every output,
    /// each as an array or the reason it cannot be one.
    pub fn run_npy(&mut self, arrays: &[NpyArray]) -> Result<Vec<NamedOutput>, InferenceError> {
        self.check_inputs(arrays)?;
        let mut values = Vec::with_capacity(arrays.len());
        for (info, a) in self.inputs.iter().zip(arrays) {
            let v = npy_to_value(a).map_err(|e| self.run_err(e.to_string()))?;
            values.push((info.name.clone(), v));
        }
        let names: Vec<String> = self.outputs.iter().map(|o| o.name.clone()).collect();
        let path = self.path.clone();
        let outputs = self.session.run(values).map_err(|e| InferenceError::Run {
            path,
            reason: e.to_string(),
        })?;
        Ok(names
            .into_iter()
            .map(|n| {
                let r = outputs
                    .get(&n)
                    .ok_or(OutputError::Missing)
                    .and_then(value_to_npy);
                (n, r)
            })
            .collect())
    }

    /// Times `runs` calls on `arrays` after `warmup` calls; returns per-call durations in ns.
    pub fn bench(
        &mut self,
        arrays: &[NpyArray],
        warmup: usize,
        runs: usize,
    ) -> Result<Vec<u64>, InferenceError> {
        self.check_inputs(arrays)?;
        let mut values = Vec::with_capacity(arrays.len());
        for (info, a) in self.inputs.iter().zip(arrays) {
            values.push((
                info.name.clone(),
                npy_to_value(a).map_err(|e| self.run_err(e.to_string()))?,
            ));
        }
        // Inputs are checked to be in graph order: pass them positionally (no name lookups).
        let positional: Vec<SessionInputValue> = values.iter().map(|(_, v)| v.into()).collect();
        let mut times = Vec::with_capacity(runs);
        for i in 0..warmup + runs {
            let start = Instant::now();
            let out = self.session.run(&positional[..]);
            let ns = start.elapsed().as_nanos() as u64;
            out.map_err(|e| InferenceError::Run {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
            if i >= warmup {
                times.push(ns);
            }
        }
        Ok(times)
    }

    /// A deterministic example input for each graph input (dynamic dimensions = 1):
    /// `k / n` for element `k` of `n`, the rule the shared reference cases use.
    pub fn example_inputs(&self) -> Result<Vec<NpyArray>, InferenceError> {
        self.inputs
            .iter()
            .map(|info| {
                let shape: Vec<usize> = info
                    .shape
                    .iter()
                    .map(|&d| if d < 0 { 1 } else { d as usize })
                    .collect();
                let n: usize = shape.iter().product();
                let ramp = (0..n).map(|k| k as f64 / n.max(1) as f64);
                let data = match info.element {
                    Some(TensorElementType::Float32) => {
                        NpyData::F32(ramp.map(|x| x as f32).collect())
                    }
                    Some(TensorElementType::Float64) => NpyData::F64(ramp.collect()),
                    Some(TensorElementType::Int64) => NpyData::I64((0..n as i64).collect()),
                    Some(TensorElementType::Int32) => NpyData::I32((0..n as i32).collect()),
                    Some(TensorElementType::Uint8) => {
                        NpyData::U8((0..n).map(|k| k as u8).collect())
                    }
                    Some(TensorElementType::Bool) => {
                        NpyData::Bool((0..n).map(|k| k % 2 == 0).collect())
                    }
                    _ => {
                        return Err(self.mismatch(format!(
                            "no example input for `{}` ({})",
                            info.name, info.ty
                        )))
                    }
                };
                Ok(NpyArray { shape, data })
            })
            .collect()
    }
}
