//! Signs and placements: the images the director allows in each slot, loaded once per
//! viewing in the viewer's locale into the layers of one texture array, and the lookup
//! from a directive's placement choices to the (slot, layer) pairs the renderers draw on
//! the scene's slot planes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use livingfilm_core::{Directive, Film, MAX_PLACEMENT_SLOTS};

/// A sign a frame draws, as the CPU references hold it: its plane (centre and
/// half-extent vectors, scene units), opacity and image layer. The GPU gets the same
/// figures packed three `vec4`s to a sign (`frame::sign_uniforms`); this is
/// their one unpacking, for the grid and the splat references alike.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SignPlane {
    /// Centre.
    pub centre: [f32; 3],
    /// Half-width vector.
    pub right: [f32; 3],
    /// Half-height vector.
    pub up: [f32; 3],
    /// Opacity 0..1.
    pub opacity: f32,
    /// Layer in the sign images.
    pub layer: usize,
}

impl SignPlane {
    /// Unpacks one sign of the shaders' layout: `[centre, layer]`, `[right, opacity]`,
    /// `[up, 0]`.
    pub fn from_uniform(u: &[[f32; 4]; 3]) -> Self {
        Self {
            centre: [u[0][0], u[0][1], u[0][2]],
            right: [u[1][0], u[1][1], u[1][2]],
            up: [u[2][0], u[2][1], u[2][2]],
            opacity: u[1][3],
            layer: u[0][3] as usize,
        }
    }
}

/// Size every sign is resampled to (one texture-array layer each).
pub const SIGN_SIZE: [u32; 2] = [256, 128];
/// Most signs drawn in one frame.
pub const MAX_SIGNS: usize = MAX_PLACEMENT_SLOTS;
/// Most distinct sign images in one film (the texture array's layers).
pub const MAX_SIGN_LAYERS: usize = 256;

/// Why the signs could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// An image could not be read or decoded.
    #[error("sign image {path}: {problem}")]
    Image { path: PathBuf, problem: String },
    /// More distinct images than the renderer holds.
    #[error("the film uses {0} distinct sign images; at most {MAX_SIGN_LAYERS}")]
    TooMany(usize),
}

/// A sign to draw this frame: which slot (by film-wide name index) shows which layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignRef {
    /// Index into [`Signage::slot_names`].
    pub slot: u16,
    /// Texture-array layer.
    pub layer: u16,
}

/// A film's sign images and where each may appear.
#[derive(Debug, Clone, Default)]
pub struct Signage {
    /// Every slot name the film's segments use.
    pub slot_names: Vec<String>,
    /// Premultiplied RGBA8 images of [`SIGN_SIZE`], one per layer.
    pub layers: Vec<Vec<u8>>,
    /// (segment, slot position, item) → layer.
    by_item: HashMap<(usize, usize, usize), u16>,
    /// (segment, slot position) → index into `slot_names`.
    slot_of: HashMap<(usize, usize), u16>,
}

/// The item's image for `locale`: exact tag, then its language (`fr-CA` → `fr`), then
/// the default.
fn localized<'a>(
    item: &'a livingfilm_core::PlacementItem,
    locale: Option<&str>,
) -> Option<&'a Path> {
    let pick = locale.and_then(|l| {
        item.localized
            .get(l)
            .or_else(|| item.localized.get(l.split(['-', '_']).next().unwrap_or(l)))
    });
    pick.or(item.sign.as_ref()).map(|p| p.as_path())
}

/// The locale whose signs a viewing in `locale` shows: the tag itself where some item
/// is localized to it, else its language where some item is, else `None` (the default
/// signs everywhere). Signs picked with the result are the same as with `locale`, so
/// the cut ID carries this, the shortest exact record.
pub fn shown_locale(film: &Film, locale: Option<&str>) -> Option<String> {
    let locale = locale?;
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    [locale, language]
        .into_iter()
        .find(|tag| {
            film.placement_items()
                .any(|item| item.localized.contains_key(*tag))
        })
        .map(str::to_owned)
}

/// Decodes `path` and resamples it to [`SIGN_SIZE`] with premultiplied alpha.
pub fn load_sign_image(path: &Path) -> Result<Vec<u8>, SignError> {
    let err = |problem: String| SignError::Image {
        path: path.to_owned(),
        problem,
    };
    let img = crate::media::open_image(path).map_err(|e| match e {
        crate::media::MediaError::Io { source, .. } => err(source.to_string()),
        crate::media::MediaError::Invalid { problem, .. } => err(problem),
    })?;
    if img.width() == 0 || img.height() == 0 || img.width() > 8192 || img.height() > 8192 {
        return Err(err(format!(
            "{}x{} is outside 1..=8192 per side",
            img.width(),
            img.height()
        )));
    }
    let mut rgba = img.to_rgba8();
    for px in rgba.pixels_mut() {
        let a = px[3] as u32;
        for c in 0..3 {
            px[c] = ((px[c] as u32 * a + 127) / 255) as u8;
        }
    }
    let resized = image::imageops::resize(
        &rgba,
        SIGN_SIZE[0],
        SIGN_SIZE[1],
        image::imageops::FilterType::Triangle,
    );
    Ok(resized.into_raw())
}

impl Signage {
    /// Loads every sign the film may show, in `locale` where the director gave one.
    pub fn load(film: &Film, locale: Option<&str>) -> Result<Self, SignError> {
        let mut s = Self::default();
        let mut layer_of: HashMap<PathBuf, u16> = HashMap::new();
        for (si, seg) in film.segments.iter().enumerate() {
            for (k, slot) in seg.placements.iter().enumerate() {
                let name = match s.slot_names.iter().position(|n| *n == slot.slot) {
                    Some(i) => i,
                    None => {
                        s.slot_names.push(slot.slot.clone());
                        s.slot_names.len() - 1
                    }
                };
                s.slot_of.insert((si, k), name as u16);
                for (ii, item) in slot.items.iter().enumerate() {
                    let Some(path) = localized(item, locale) else {
                        continue;
                    };
                    let layer = match layer_of.get(path) {
                        Some(&l) => l,
                        None => {
                            if s.layers.len() == MAX_SIGN_LAYERS {
                                return Err(SignError::TooMany(MAX_SIGN_LAYERS + 1));
                            }
                            s.layers.push(load_sign_image(path)?);
                            let l = (s.layers.len() - 1) as u16;
                            layer_of.insert(path.to_owned(), l);
                            l
                        }
                    };
                    s.by_item.insert((si, k, ii), layer);
                }
            }
        }
        Ok(s)
    }

    /// The signs to draw under directive `d` (items without an image draw nothing).
    pub fn frame_signs(&self, d: &Directive) -> [Option<SignRef>; MAX_SIGNS] {
        std::array::from_fn(|k| {
            let item = *d.placements.get(k)?;
            Some(SignRef {
                slot: *self.slot_of.get(&(d.segment, k))?,
                layer: *self.by_item.get(&(d.segment, k, item as usize))?,
            })
        })
    }

    /// For a scene with `slots`, the scene slot index of each film-wide slot name.
    pub fn scene_slots(&self, scene: &super::SceneInfo) -> Vec<Option<usize>> {
        self.slot_names.iter().map(|n| scene.slot(n)).collect()
    }
}
