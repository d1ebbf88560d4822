//! The command line's names for the libraries' choices. The libraries take no clap (the
//! C library must not carry it): each choice a flag offers is named here, with the help
//! `--help` prints for it, and turned into the library's own type.

use livingfilm_biometrics::recording::Format;
use livingfilm_player::AudioMode;
use livingfilm_render::grade::Interp;
use livingfilm_render::RenderBackend;

/// One enum of flag values mirroring a library enum variant for variant.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident => $lib:ident { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl From<$name> for $lib {
            fn from(choice: $name) -> Self {
                match choice {
                    $($name::$variant => $lib::$variant,)*
                }
            }
        }
    };
}

choice! {
    /// `--audio`: how the mix is played.
    AudioChoice => AudioMode {
        /// The audio device if one opens, else headless.
        Auto,
        /// The default audio device (error if none); its clock paces the video.
        Device,
        /// No device: write the mix to a WAV file on a virtual clock.
        Headless,
        /// No device and no file: mix on the virtual clock and discard it (firmware smoke
        /// runs, benchmarks); the report still carries the mix's level and hash.
        Null,
    }
}

choice! {
    /// `--render`: which renderer draws the frames.
    RenderChoice => RenderBackend {
        /// The GPU if an adapter opens, else the CPU renderer (the report says which and why).
        Auto,
        /// The GPU (error if no adapter opens).
        Gpu,
        /// The CPU renderer on every core: no GPU, no Vulkan loader needed.
        Cpu,
    }
}

choice! {
    /// `--biometrics-format`, `hrv --format`: what a recording file holds.
    FormatChoice => Format {
        /// Replay CSV (`t_s,rr_ms`, `rr_ms`, `t_s,hr_bpm`).
        Csv,
        /// Replay JSON lines (companion schema with `t`).
        Jsonl,
        /// One RR interval (ms) per line.
        Rr,
        /// Raw ECG samples.
        Ecg,
        /// Raw PPG samples.
        Ppg,
    }
}

choice! {
    /// `grade --interp`: how a 3D table is interpolated.
    InterpChoice => Interp {
        /// Eight corners of the cell, weighted per axis.
        Trilinear,
        /// Four corners of the tetrahedron holding the point (what colourists usually expect).
        Tetrahedral,
    }
}
