//! The `livingfilm` package's integration tests, as one test binary (as ripgrep does):
//! each file is a module, so the suite links once instead of once per file. Tests of
//! one crate alone live in that crate (`crates/*/tests/it/`).

mod assets;
mod audio_device;
mod av_sync;
mod c_abi;
mod check_cli;
mod cli;
mod common;
mod companion;
mod desktop;
mod disclosure;
mod explain;
mod fuzz_parsers;
mod grade_cli;
mod hostile_assets;
mod hrv_cli;
mod inference;
mod inspect_cli;
mod loudness;
mod pipeline;
mod play_sources;
mod privacy_trace;
mod render_cpu;
mod render_splats;
mod tracking;
mod uplink;
mod uplink_queue;
mod viewer_profile;
