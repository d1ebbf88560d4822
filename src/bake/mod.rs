//! The demo film's assets, generated from code so they are reproducible and
//! carry no third-party licence: `livingfilm bake-demo <dir>` rewrites them byte for byte.

mod grids;
mod looks;
mod score;
mod signs;
mod viewers;

use std::path::Path;

pub use viewers::{viewer_series, ViewerProfile};

pub use grids::demo_scenes;

/// Writes every generated asset of the demo film under `dir` (scenes at `grid_size`³
/// texels, stored as `storage`) and returns the files written.
pub fn bake_demo(
    dir: &Path,
    grid_size: u32,
    storage: livingfilm_render::Storage,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    if !(8..=livingfilm_render::MAX_DIM).contains(&grid_size) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "grid size {grid_size} outside 8..={}",
                livingfilm_render::MAX_DIM
            ),
        ));
    }
    let mut written = Vec::new();
    let mut put = |rel: &str, bytes: &[u8]| -> std::io::Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        written.push(path);
        Ok(())
    };
    for (name, scene) in grids::demo_scenes(grid_size) {
        put(&format!("scenes/{name}.lfscene"), &scene.to_bytes(storage))?;
    }
    for (name, png) in signs::demo_signs() {
        put(&format!("signs/{name}"), &png)?;
    }
    let tension = looks::tension_look(17).to_cube("livingfilm tension look");
    put("luts/tension.cube", tension.as_bytes())?;
    let release = looks::release_look(17).to_cube("livingfilm release look");
    put("luts/release.cube", release.as_bytes())?;
    for (name, wav) in score::demo_stems(48_000) {
        put(&format!("audio/{name}.wav"), &wav)?;
    }
    for profile in [ViewerProfile::Calm, ViewerProfile::Tense] {
        put(
            &format!("viewers/{}.csv", profile.name()),
            viewers::viewer_csv(profile, 40.0).as_bytes(),
        )?;
    }
    Ok(written)
}
