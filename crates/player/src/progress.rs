//! The terminal's progress line for a headless viewing. Only the command-line build
//! (`cli` feature) draws one; an embedded player (the C library) has no terminal, so
//! there the calls do nothing and `indicatif` is not linked.

/// Frames rendered so far, against the length the film is expected to have.
pub(crate) struct Progress {
    #[cfg(feature = "cli")]
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A progress line for `frames` frames; hidden unless `shown`.
    pub(crate) fn new(shown: bool, frames: u64) -> Self {
        #[cfg(feature = "cli")]
        {
            let bar = if shown {
                let bar = indicatif::ProgressBar::new(frames);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} rendering {pos}/{len} frames [{bar:30}] {per_sec} {msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar
            } else {
                indicatif::ProgressBar::hidden()
            };
            Self { bar }
        }
        #[cfg(not(feature = "cli"))]
        {
            let _ = (shown, frames);
            Self {}
        }
    }

    /// One more frame.
    pub(crate) fn inc(&self) {
        #[cfg(feature = "cli")]
        self.bar.inc(1);
    }

    /// The film turned out `frames` long (pacing and branches change it).
    pub(crate) fn set_length(&self, frames: u64) {
        #[cfg(feature = "cli")]
        self.bar.set_length(frames);
        #[cfg(not(feature = "cli"))]
        let _ = frames;
    }

    /// The segment now rendering.
    pub(crate) fn set_segment(&self, id: &str) {
        #[cfg(feature = "cli")]
        self.bar.set_message(id.to_owned());
        #[cfg(not(feature = "cli"))]
        let _ = id;
    }

    /// Takes the line off the terminal.
    pub(crate) fn finish(&self) {
        #[cfg(feature = "cli")]
        self.bar.finish_and_clear();
    }
}
