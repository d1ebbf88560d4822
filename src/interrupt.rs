//! Ctrl-C and SIGTERM during a headless viewing: the film ends where it is and every
//! output is finished (frames, mix, report, profile), as when a viewer stops watching in
//! the desktop player, instead of leaving a half-written folder. A second signal quits
//! at once.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use crossbeam_channel::Sender;
use livingfilm::player::{Control, Stamped};

/// The signal handler of one viewing; dropping it restores nothing (the process is
/// about to end), closing it stops its thread.
pub struct Interrupt {
    caught: Arc<AtomicI32>,
    #[cfg(unix)]
    handle: signal_hook::iterator::Handle,
}

impl Interrupt {
    /// Ends the viewing fed by `controls` on the first SIGINT or SIGTERM.
    #[cfg(unix)]
    pub fn end_viewing_on_signal(controls: Sender<Stamped>) -> std::io::Result<Self> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let handle = signals.handle();
        let caught = Arc::new(AtomicI32::new(0));
        let seen = caught.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
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
                    // Stamped at 0 s: due at the director's next tick.
                    let _ = controls.send(Stamped {
                        t: 0.0,
                        control: Control::End,
                    });
                }
            })?;
        Ok(Self { caught, handle })
    }

    /// Without Unix signals there is nothing to catch.
    #[cfg(not(unix))]
    pub fn end_viewing_on_signal(_controls: Sender<Stamped>) -> std::io::Result<Self> {
        Ok(Self {
            caught: Arc::new(AtomicI32::new(0)),
        })
    }

    /// The signal that ended the viewing early, if one did.
    pub fn caught(&self) -> Option<i32> {
        Some(self.caught.load(Ordering::Acquire)).filter(|&s| s != 0)
    }

    /// Stops listening (the viewing is over).
    pub fn close(&self) {
        #[cfg(unix)]
        self.handle.close();
    }
}
