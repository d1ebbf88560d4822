//! livingfilm: a player runtime for adaptive ("living") films.
//!
//! Data flows one way through the stages, each a module with one type in and one out:
//! [`biometrics`] (`Sample` → `Features`) → [`inference`] (`Features` → `Estimate`) →
//! [`director`] (`Estimate` → `Directive`) → [`render`] / [`audio`] / [`uplink`];
//! [`player`] runs them on threads joined by bounded channels. See ARCHITECTURE.md.

pub mod audio;
pub mod bake;
pub mod biometrics;
#[cfg(feature = "window")]
pub mod desktop;
pub mod director;
#[cfg(feature = "ffi")]
pub mod ffi;
pub mod file_kind;
pub mod fonts;
pub mod grade;
pub mod inference;
pub mod media;
pub mod player;
pub mod render;
pub mod shipped;
pub mod splat;
pub mod tracking;
pub mod untrusted;
pub mod uplink;

pub use player::{play, AudioMode, PlayerConfig, PlayerError, Report};
