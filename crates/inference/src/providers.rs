//! Execution providers: which accelerators onnxruntime may use, in preference order.
//!
//! The preference list comes from `--providers` / `LIVINGFILM_PROVIDERS` (e.g.
//! `qnn,xnnpack,cpu`). Each provider is registered only if the loaded onnxruntime was
//! built with it; a provider that is missing or fails to initialise is logged and the
//! next one is tried, ending with the CPU provider, so the session always runs and the
//! report says honestly which provider does.

use ort::ep::ExecutionProvider;
use ort::session::builder::SessionBuilder;

/// An execution provider livingfilm knows how to request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Qualcomm AI Engine (Hexagon NPU).
    Qnn,
    /// Android Neural Networks API.
    Nnapi,
    /// Apple Core ML (ANE).
    CoreMl,
    /// Rockchip NPU.
    Rknpu,
    /// Intel OpenVINO (CPU/iGPU/NPU).
    OpenVino,
    /// XNNPACK optimised CPU kernels (Arm/x86).
    Xnnpack,
    /// onnxruntime's default CPU provider; always available.
    Cpu,
}

/// A word in a provider list that names no provider (the list is `--providers`, the
/// environment or a host's JSON; the message lists the known words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown execution provider `{0}` (known: auto, qnn, nnapi, coreml, rknpu, openvino, xnnpack, cpu)")]
pub struct UnknownProvider(pub String);

/// Order tried by `auto`: NPUs first, then optimised CPU kernels, then plain CPU.
pub const AUTO: &[Provider] = &[
    Provider::Qnn,
    Provider::Nnapi,
    Provider::CoreMl,
    Provider::Rknpu,
    Provider::OpenVino,
    Provider::Xnnpack,
    Provider::Cpu,
];

impl Provider {
    /// onnxruntime's name for the provider.
    pub fn ort_name(self) -> &'static str {
        match self {
            Self::Qnn => ort::ep::QNN::NAME,
            Self::Nnapi => ort::ep::NNAPI::NAME,
            Self::CoreMl => ort::ep::CoreML::NAME,
            Self::Rknpu => ort::ep::RKNPU::NAME,
            Self::OpenVino => ort::ep::OpenVINO::NAME,
            Self::Xnnpack => ort::ep::XNNPACK::NAME,
            Self::Cpu => ort::ep::CPU::NAME,
        }
    }

    /// The short name used on the command line.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Qnn => "qnn",
            Self::Nnapi => "nnapi",
            Self::CoreMl => "coreml",
            Self::Rknpu => "rknpu",
            Self::OpenVino => "openvino",
            Self::Xnnpack => "xnnpack",
            Self::Cpu => "cpu",
        }
    }

    /// Parses a comma-separated preference list; `auto` expands to [`AUTO`]. CPU is always appended.
    pub fn parse_list(s: &str) -> Result<Vec<Provider>, UnknownProvider> {
        let mut out: Vec<Provider> = Vec::new();
        for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let add: &[Provider] = match word.to_ascii_lowercase().as_str() {
                "auto" => AUTO,
                "qnn" => &[Self::Qnn],
                "nnapi" => &[Self::Nnapi],
                "coreml" => &[Self::CoreMl],
                "rknpu" => &[Self::Rknpu],
                "openvino" => &[Self::OpenVino],
                "xnnpack" => &[Self::Xnnpack],
                "cpu" => &[Self::Cpu],
                other => return Err(UnknownProvider(other.to_owned())),
            };
            for p in add {
                if !out.contains(p) {
                    out.push(*p);
                }
            }
        }
        if !out.contains(&Self::Cpu) {
            out.push(Self::Cpu);
        }
        Ok(out)
    }

    /// Whether the loaded onnxruntime library was built with this provider.
    pub fn is_compiled_in(self) -> bool {
        let r = match self {
            Self::Qnn => ort::ep::QNN::is_available(),
            Self::Nnapi => ort::ep::NNAPI::is_available(),
            Self::CoreMl => ort::ep::CoreML::is_available(),
            Self::Rknpu => ort::ep::RKNPU::is_available(),
            Self::OpenVino => ort::ep::OpenVINO::is_available(),
            Self::Xnnpack => ort::ep::XNNPACK::is_available(),
            Self::Cpu => return true,
        };
        r.unwrap_or(false)
    }

    /// Registers the provider on a session builder.
    pub(crate) fn register(self, b: &mut SessionBuilder) -> ort::Result<()> {
        match self {
            Self::Qnn => ort::ep::QNN::default().register(b),
            Self::Nnapi => ort::ep::NNAPI::default().register(b),
            Self::CoreMl => ort::ep::CoreML::default().register(b),
            Self::Rknpu => ort::ep::RKNPU::default().register(b),
            Self::OpenVino => ort::ep::OpenVINO::default().register(b),
            Self::Xnnpack => ort::ep::XNNPACK::default().register(b),
            Self::Cpu => Ok(()),
        }
    }
}

/// What happened to each requested provider, for logs and reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProviderChoice {
    /// The provider the session runs on.
    pub active: String,
    /// One line per provider that was skipped, with the reason.
    pub skipped: Vec<String>,
}

/// Registers the first usable provider of `prefs` on `b`.
pub(crate) fn choose(prefs: &[Provider], b: &mut SessionBuilder) -> ProviderChoice {
    let mut skipped = Vec::new();
    for &p in prefs {
        if p == Provider::Cpu {
            return ProviderChoice {
                active: p.ort_name().to_owned(),
                skipped,
            };
        }
        if !p.is_compiled_in() {
            skipped.push(format!("{}: not in this onnxruntime build", p.ort_name()));
            continue;
        }
        match p.register(b) {
            Ok(()) => {
                return ProviderChoice {
                    active: p.ort_name().to_owned(),
                    skipped,
                }
            }
            Err(e) => skipped.push(format!("{}: failed to initialise: {e}", p.ort_name())),
        }
    }
    ProviderChoice {
        active: Provider::Cpu.ort_name().to_owned(),
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_preferences() {
        assert_eq!(
            Provider::parse_list("xnnpack").unwrap(),
            [Provider::Xnnpack, Provider::Cpu]
        );
        assert_eq!(
            Provider::parse_list("cpu, qnn").unwrap(),
            [Provider::Cpu, Provider::Qnn]
        );
        assert_eq!(Provider::parse_list("auto").unwrap(), AUTO);
        assert!(Provider::parse_list("tpu")
            .unwrap_err()
            .to_string()
            .contains("unknown execution provider `tpu`"));
    }
}
