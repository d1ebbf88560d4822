//! The film's scenes as a renderer holds them: loaded ahead of the cut that needs them
//! (the director's preload announcements), freed once no cut can reach them. The GPU
//! and the CPU renderer keep different things of a resident scene (bind groups and
//! buffers, or the scene itself), so the cache is generic over that; the bookkeeping,
//! the scene summary and the film-wide slot map are the same for both, and written once.

use std::path::{Path, PathBuf};

use livingfilm_core::Film;

use super::scene::SceneInfo;
use super::signage::Signage;

/// A scene in memory.
pub struct Resident<T> {
    /// What the renderer keeps of it.
    pub data: T,
    /// The scene without its texels or splats.
    pub info: SceneInfo,
    /// Film-wide slot name → this scene's slot.
    pub slot_map: Vec<Option<usize>>,
}

/// Every scene of a film, each resident or not.
pub struct SceneCache<T> {
    paths: Vec<PathBuf>,
    resident: Vec<Option<Resident<T>>>,
}

impl<T> SceneCache<T> {
    /// The film's scenes, none loaded.
    pub fn new(film: &Film) -> Self {
        let paths: Vec<PathBuf> = film.scene_paths().into_iter().map(Path::to_owned).collect();
        Self {
            resident: paths.iter().map(|_| None).collect(),
            paths,
        }
    }

    /// The file of scene `i` (`i` must be one of the film's scenes).
    pub fn path(&self, i: usize) -> &Path {
        &self.paths[i]
    }

    /// Whether scene `i` is one of the film's and not in memory: what `load_scene`
    /// checks before reading anything.
    pub fn wants(&self, i: usize) -> bool {
        self.resident.get(i).is_some_and(Option::is_none)
    }

    /// Keeps `data` for scene `i`, with its slots mapped onto the film's signs.
    pub fn insert(&mut self, i: usize, data: T, info: SceneInfo, signage: &Signage) {
        let slot_map = signage.scene_slots(&info);
        self.resident[i] = Some(Resident {
            data,
            info,
            slot_map,
        });
    }

    /// Scene `i`, if resident.
    pub fn get(&self, i: usize) -> Option<&Resident<T>> {
        self.resident.get(i)?.as_ref()
    }

    /// Frees every scene not in `keep`.
    pub fn retain(&mut self, keep: &[usize]) {
        for (i, s) in self.resident.iter_mut().enumerate() {
            if !keep.contains(&i) {
                *s = None;
            }
        }
    }

    /// Number of scenes in memory.
    pub fn resident_count(&self) -> usize {
        self.resident.iter().filter(|s| s.is_some()).count()
    }

    /// Indices of the scenes in memory (a recreated device reloads them).
    pub fn resident_indices(&self) -> Vec<usize> {
        (0..self.resident.len())
            .filter(|&i| self.resident[i].is_some())
            .collect()
    }
}
