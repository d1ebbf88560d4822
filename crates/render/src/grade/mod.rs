//! Colour grading: exact `.cube` LUTs (1D, 3D, shaper + 3D; trilinear and tetrahedral),
//! the operators a colourist expects, look blending, and the same maths on the CPU and
//! in WGSL ([`gpu`]).

mod blend;
mod cube;
pub mod gpu;
mod ops;
mod simd;

pub use blend::{LookMixer, COMMON_SIZE};
pub use cube::{
    parse_cube, CubeLut, Interp, Lut1d, Lut3d, LutError, PreparedLut3d, MAX_CUBE_BYTES,
};
pub use ops::{hash3, parse_rgb, Cdl, CdlError, Grade, GradeParams, RgbError, LUMA};
