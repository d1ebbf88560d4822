//! What a person can do while watching, from the keyboard or a script file: the same
//! [`Command`]s either way, so a scripted rehearsal exercises the real key path.

use std::path::{Path, PathBuf};

use livingfilm_biometrics::live_sim::SimCommand;

/// One action of the viewer or the film maker.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Pause or resume picture and sound.
    TogglePause,
    /// Show or hide the heads-up display.
    ToggleHud,
    /// Window or full screen.
    ToggleFullscreen,
    /// Back to the last decision point (or the one before, early in a segment).
    SeekPrevious,
    /// On to the next decision point.
    SeekNext,
    /// The director's cut on or off (no adaptation).
    ToggleDirectorsCut,
    /// Adaptation strength up (positive) or down by this much.
    Strength(f32),
    /// Consent to the uplink on or off.
    ToggleConsent,
    /// Drive the simulated viewer.
    Sim(SimCommand),
    /// Save what the window shows as `NAME.png` in the session folder.
    Screenshot(String),
    /// Resize the window to this many pixels (rehearses a viewer dragging its edge).
    Resize(u32, u32),
    /// Stop watching: the film ends here and the report is written.
    Quit,
}

/// How far one strength key moves the adaptation strength.
pub const STRENGTH_STEP: f32 = 0.25;

/// The key bindings, for `--help` and the HUD's help line.
pub const KEYS: &str = "space pause · h HUD · f fullscreen · ←/→ previous/next decision · d director's cut · [ ] strength · c consent · ↑/↓ heart rate · s startle · x drop sensor · p screenshot · q quit";

impl Command {
    /// The command a key name means (winit's logical key text, or a named key).
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            " " | "Space" => Command::TogglePause,
            "h" | "H" => Command::ToggleHud,
            "f" | "F" | "F11" => Command::ToggleFullscreen,
            "ArrowLeft" | "PageUp" => Command::SeekPrevious,
            "ArrowRight" | "PageDown" => Command::SeekNext,
            "d" | "D" => Command::ToggleDirectorsCut,
            "[" => Command::Strength(-STRENGTH_STEP),
            "]" => Command::Strength(STRENGTH_STEP),
            "c" | "C" => Command::ToggleConsent,
            "ArrowUp" => Command::Sim(SimCommand::Tenser),
            "ArrowDown" => Command::Sim(SimCommand::Calmer),
            "s" | "S" => Command::Sim(SimCommand::Startle),
            "x" | "X" => Command::Sim(SimCommand::ToggleSensor),
            "p" | "P" => Command::Screenshot(String::new()),
            "q" | "Q" | "Escape" => Command::Quit,
            _ => return None,
        })
    }

    /// The command a script word means (the words are listed in `--help`).
    fn from_word(word: &str, arg: Option<&str>) -> Result<Self, WordError> {
        let no_arg = |c: Command| match arg {
            None => Ok(c),
            Some(a) => Err(WordError::NoArgument {
                word: word.to_owned(),
                arg: a.to_owned(),
            }),
        };
        match word {
            "pause" => no_arg(Command::TogglePause),
            "hud" => no_arg(Command::ToggleHud),
            "fullscreen" => no_arg(Command::ToggleFullscreen),
            "prev" => no_arg(Command::SeekPrevious),
            "next" => no_arg(Command::SeekNext),
            "directors-cut" => no_arg(Command::ToggleDirectorsCut),
            "strength+" => no_arg(Command::Strength(STRENGTH_STEP)),
            "strength-" => no_arg(Command::Strength(-STRENGTH_STEP)),
            "consent" => no_arg(Command::ToggleConsent),
            "tenser" => no_arg(Command::Sim(SimCommand::Tenser)),
            "calmer" => no_arg(Command::Sim(SimCommand::Calmer)),
            "startle" => no_arg(Command::Sim(SimCommand::Startle)),
            "sensor" => no_arg(Command::Sim(SimCommand::ToggleSensor)),
            "quit" => no_arg(Command::Quit),
            "size" => {
                let (w, h) = parse_window_size(arg.ok_or(WordError::NoSize)?)?;
                Ok(Command::Resize(w, h))
            }
            "screenshot" => match arg {
                Some(name)
                    if !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
                {
                    Ok(Command::Screenshot(name.to_owned()))
                }
                _ => Err(WordError::ScreenshotName),
            },
            _ => Err(WordError::Unknown(word.to_owned())),
        }
    }
}

/// Why a script's command word was refused (the line number is added around it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum WordError {
    #[error("`{word}` takes no argument (got `{arg}`)")]
    NoArgument { word: String, arg: String },
    #[error("`size` needs WIDTHxHEIGHT")]
    NoSize,
    #[error(transparent)]
    Size(#[from] WindowSizeError),
    #[error("`screenshot` needs a NAME of letters, digits, `-` and `_`")]
    ScreenshotName,
    #[error("unknown command `{0}` (expected one of: {SCRIPT_WORDS})")]
    Unknown(String),
}

/// The words a script may use.
pub const SCRIPT_WORDS: &str = "pause, hud, fullscreen, prev, next, directors-cut, strength+, strength-, consent, tenser, calmer, startle, sensor, screenshot NAME, size WxH, quit";

/// Why a window size was refused; quotes what was written (`--window-size` is a clap
/// value parser, so this is also the command line's message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowSizeError {
    /// Not two sides joined by `x`.
    #[error("expected WIDTHxHEIGHT, got `{0}`")]
    Form(String),
    /// A side is not a number of pixels from 64 to 8192.
    #[error("`{0}` is not a size between 64 and 8192 pixels")]
    Side(String),
}

/// A window size `WIDTHxHEIGHT`, each side 64 to 8192 pixels (`--window-size`, `size`).
pub fn parse_window_size(s: &str) -> Result<(u32, u32), WindowSizeError> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| WindowSizeError::Form(s.to_owned()))?;
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (64..=8192).contains(n))
            .ok_or_else(|| WindowSizeError::Side(v.to_owned()))
    };
    Ok((n(w)?, n(h)?))
}

/// A script line that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// The file could not be read.
    #[error("cannot read input script {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line is wrong.
    #[error("{path}:{line}: {why}")]
    Line {
        path: PathBuf,
        line: usize,
        why: String,
    },
}

/// Commands at film times (seconds of viewing time, as the HUD shows it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    /// In time order.
    pub steps: Vec<(f64, Command)>,
}

impl Script {
    /// Reads a script: one `SECONDS COMMAND [ARG]` per line, `#` starts a comment.
    pub fn load(path: &Path) -> Result<Self, ScriptError> {
        let text =
            livingfilm_core::untrusted::read_text_bounded(path, 1 << 20).map_err(|source| {
                ScriptError::Read {
                    path: path.to_owned(),
                    source,
                }
            })?;
        Self::parse(&text).map_err(|(line, why)| ScriptError::Line {
            path: path.to_owned(),
            line,
            why: livingfilm_core::untrusted::shorten_quotes(&why),
        })
    }

    /// Parses script text; the error is (line number from 1, reason).
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut steps: Vec<(f64, Command)> = Vec::new();
        for (k, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(t), Some(word)) = (words.next(), words.next()) else {
                return Err((k + 1, format!("expected `SECONDS COMMAND`, got `{line}`")));
            };
            let t: f64 = t
                .parse()
                .ok()
                .filter(|t: &f64| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| (k + 1, format!("`{t}` is not a time in seconds")))?;
            let arg = words.next();
            if let Some(extra) = words.next() {
                return Err((k + 1, format!("unexpected `{extra}`")));
            }
            if steps.last().is_some_and(|(last, _)| *last > t) {
                return Err((k + 1, format!("{t} s comes before the line above")));
            }
            let c = Command::from_word(word, arg).map_err(|why| (k + 1, why.to_string()))?;
            steps.push((t, c));
        }
        Ok(Self { steps })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_read_with_line_numbers_in_errors() {
        let s = Script::parse("# rehearsal\n2 tenser\n2.5 screenshot mid-scene\n9 quit\n").unwrap();
        assert_eq!(s.steps.len(), 3);
        assert_eq!(s.steps[1], (2.5, Command::Screenshot("mid-scene".into())));
        assert_eq!(Script::parse("1 tenser\nx hud").unwrap_err().0, 2);
        assert!(Script::parse("3 jump")
            .unwrap_err()
            .1
            .contains("unknown command `jump`"));
        assert!(Script::parse("3 hud\n2 hud")
            .unwrap_err()
            .1
            .contains("before"));
        assert!(Script::parse("1 screenshot ../x").is_err());
        assert!(Script::parse("1 hud now").is_err());
        assert_eq!(
            Script::parse("1 size 400x720").unwrap().steps[0].1,
            Command::Resize(400, 720)
        );
        assert!(Script::parse("1 size 10x10").is_err());
        assert!(Script::parse("1 size").is_err());
        assert!(Script::parse("-1 hud").is_err());
        assert!(Script::parse("NaN hud").is_err());
    }

    #[test]
    fn window_sizes_quote_what_is_wrong() {
        assert_eq!(parse_window_size("1280X720"), Ok((1280, 720)));
        let e = |s: &str| parse_window_size(s).unwrap_err().to_string();
        assert_eq!(e("1280"), "expected WIDTHxHEIGHT, got `1280`");
        assert_eq!(
            e("1280x10"),
            "`10` is not a size between 64 and 8192 pixels"
        );
        assert_eq!(
            Script::parse("1 size 10x10").unwrap_err(),
            (
                1,
                "`10` is not a size between 64 and 8192 pixels".to_owned()
            )
        );
        assert_eq!(
            Script::parse("1 hud now").unwrap_err(),
            (1, "`hud` takes no argument (got `now`)".to_owned())
        );
    }

    #[test]
    fn every_key_in_the_help_line_maps_to_a_command() {
        for key in [" ", "h", "f", "ArrowLeft", "ArrowRight", "d", "[", "]", "c"] {
            assert!(Command::from_key(key).is_some(), "{key}");
        }
        for key in ["ArrowUp", "ArrowDown", "s", "x", "p", "q", "Escape"] {
            assert!(Command::from_key(key).is_some(), "{key}");
        }
        assert_eq!(Command::from_key("z"), None);
    }
}
