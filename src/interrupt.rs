//! Ctrl-C and SIGTERM during a viewing: the film ends where it is and every output is
//! finished (frames, mix, report, profile), as when a viewer stops watching in the
//! desktop player, instead of leaving a half-written folder. A second signal quits at
//! once.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

/// The signal handler of one viewing; dropping it restores nothing (the process is
/// about to end), closing it stops its thread.
pub struct Interrupt {
    caught: Arc<AtomicI32>,
    #[cfg(unix)]
    handle: signal_hook::iterator::Handle,
}

impl Interrupt {
    /// Runs `end` (which ends the viewing) on the first SIGINT or SIGTERM.
    #[cfg(unix)]
    pub fn on_signal(end: impl FnOnce() + Send + 'static) -> std::io::Result<Self> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let handle = signals.handle();
        let caught = Arc::new(AtomicI32::new(0));
        let seen = caught.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let mut end = Some(end);
                for sig in signals.forever() {
                    if seen.swap(sig, Ordering::AcqRel) != 0 {
                        // SAFETY: ends the process without unwinding other threads, as
                        // the default disposition of the signal would.
                        unsafe { libc::_exit(128 + sig) };
                    }
                    eprintln!(
                        "\n{}: ending the viewing here and finishing its outputs (again to quit at once)",
                        if sig == SIGINT { "interrupted" } else { "terminated" }
                    );
                    if let Some(end) = end.take() {
                        end();
                    }
                }
            })?;
        Ok(Self { caught, handle })
    }

    /// Without Unix signals there is nothing to catch.
    #[cfg(not(unix))]
    pub fn on_signal(_end: impl FnOnce() + Send + 'static) -> std::io::Result<Self> {
        Ok(Self {
            caught: Arc::new(AtomicI32::new(0)),
        })
    }

    /// The signal that ended the viewing early, if one did.
    pub fn caught(&self) -> Option<i32> {
        Some(self.caught.load(Ordering::Acquire)).filter(|&s| s != 0)
    }

    /// Success, or like a shell 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(&self) -> std::process::ExitCode {
        self.caught()
            .map_or(std::process::ExitCode::SUCCESS, |sig| {
                std::process::ExitCode::from((128 + sig).clamp(0, 255) as u8)
            })
    }

    /// Stops listening (the viewing is over).
    pub fn close(&self) {
        #[cfg(unix)]
        self.handle.close();
    }
}
