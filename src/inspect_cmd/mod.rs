//! `livingfilm inspect`: what any file the player reads really holds, for film makers
//! checking assets before they go into a manifest. The kind is told from the file's first
//! bytes, else its name ([`FileKind::recognise`]); each kind has its own describer.

mod audio;
mod film;
mod lut;
mod media;
mod scene;

use std::path::PathBuf;

use anyhow::Context;
use livingfilm_cli::file_kind::FileKind;

// The help text, with every kind, is the `Inspect` command's doc comment in main.rs.
#[derive(clap::Args)]
pub struct InspectArgs {
    /// The file (or a film folder).
    file: PathBuf,
    /// Print JSON (fields carry their units: _hz, _s, _dbfs).
    #[arg(long)]
    json: bool,
}

/// `value` as pretty JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).context("writing JSON")?
    );
    Ok(())
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let (file, json) = (args.file.as_path(), args.json);
    match FileKind::recognise(file)? {
        FileKind::Audio => audio::audio(file, json),
        FileKind::Lut => lut::lut(file, json),
        FileKind::Manifest => film::film(file, json),
        FileKind::Model => {
            let auto = super::parse_providers("auto").map_err(anyhow::Error::msg)?;
            super::model_cmd::inspect(file, auto, json)
        }
        FileKind::Scene => scene::lfscene(file, json),
        FileKind::Splats => scene::splats(file, json),
        FileKind::Sidecar => scene::sidecar(file, json),
        FileKind::Image => media::image(file, json),
        FileKind::Video => media::y4m(file, json),
        FileKind::Replay => media::replay(file, json),
        FileKind::Npy => media::npy(file, json),
    }
}
