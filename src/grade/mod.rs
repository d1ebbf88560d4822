//! Colour grading: exact `.cube` LUTs (1D, 3D, shaper + 3D; trilinear and tetrahedral),
//! the same maths on the CPU and in WGSL, and the operators a colourist expects.

mod cube;

pub use cube::{parse_cube, CubeLut, Interp, Lut1d, Lut3d, LutError};
