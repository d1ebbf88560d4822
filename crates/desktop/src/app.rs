//! The window's event loop: picks the frame due on the audio clock, lays out the HUD,
//! turns keys and script lines into commands, seeks by restarting the viewing, and
//! writes the session's files when the film ends or the window closes.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::event::{ElementState, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::Key;
use winit::window::{Fullscreen, Window, WindowId};

use super::controls::Command;
use super::gfx::{Drawn, Gfx};
use super::hud::{self, HudState, Switches};
use super::stats::FrameStats;
use super::viewing::{self, Inputs, Viewing};
use super::{DesktopError, DesktopOptions, DesktopReport, Screenshot};
use livingfilm_biometrics::live_sim::SimCommand;
use livingfilm_director::Film;
use livingfilm_player::host::{HostFrame, PlayerEvent};
use livingfilm_player::{Control, Report};

/// Longest the loop sleeps between looks at the clock.
const POLL: Duration = Duration::from_millis(4);
/// How often the HUD is redrawn when no new picture comes (paused, waiting).
const HUD_REFRESH: Duration = Duration::from_millis(250);
/// Early in a segment, "previous" goes to the decision point before.
const PREVIOUS_GRACE_S: f64 = 2.0;

struct App {
    opts: DesktopOptions,
    film: Arc<Film>,
    window: Option<Arc<Window>>,
    gfx: Option<Gfx>,
    viewing: Option<Viewing>,
    state: HudState,
    hud_on: bool,
    directors_cut: bool,
    strength: f32,
    consent: bool,
    sensor_dropped: bool,
    shown: Option<HostFrame>,
    fresh: bool,
    pending: Option<HostFrame>,
    last_index: Option<u32>,
    dropped: u64,
    frames_shown: u64,
    intervals: FrameStats,
    redraws: FrameStats,
    last_picture: Option<Instant>,
    last_draw: Instant,
    script: VecDeque<(f64, Command)>,
    paused_total: Duration,
    paused_since: Option<Instant>,
    /// Seconds the seeks moved the picture back (positive) or on (negative), so the
    /// script's clock never jumps.
    seek_shift: f64,
    shots: Vec<String>,
    /// What the samples come from, for the HUD.
    input_label: String,
    report: DesktopReport,
    note: (String, Instant),
    outcome: Option<Result<Report, DesktopError>>,
    error: Option<DesktopError>,
}

/// Runs the window until the film ends or the viewer closes it.
pub fn run(opts: DesktopOptions) -> Result<(Option<Report>, DesktopReport), DesktopError> {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(DesktopError::NoDisplay(
            "neither DISPLAY nor WAYLAND_DISPLAY is set".into(),
        ));
    }
    let film =
        Arc::new(Film::load(&opts.player.film).map_err(livingfilm_player::PlayerError::from)?);
    let mut builder = EventLoop::builder();
    #[cfg(target_os = "linux")]
    {
        use winit::platform::x11::EventLoopBuilderExtX11;
        builder.with_any_thread(true);
    }
    let event_loop = builder
        .build()
        .map_err(|e| DesktopError::NoDisplay(e.to_string()))?;
    let mut app = App {
        hud_on: opts.hud,
        directors_cut: opts.player.viewer.directors_cut,
        strength: 1.0,
        consent: opts.player.uplink.consent,
        script: opts.script.steps.iter().cloned().collect(),
        input_label: if opts.player.reads_biometrics() {
            opts.input.describe()
        } else {
            viewing::NO_INPUT.to_owned()
        },
        opts,
        film,
        window: None,
        gfx: None,
        viewing: None,
        state: HudState::default(),
        sensor_dropped: false,
        shown: None,
        fresh: false,
        pending: None,
        last_index: None,
        dropped: 0,
        frames_shown: 0,
        intervals: FrameStats::default(),
        redraws: FrameStats::default(),
        last_picture: None,
        last_draw: Instant::now(),
        paused_total: Duration::ZERO,
        paused_since: None,
        seek_shift: 0.0,
        shots: Vec::new(),
        report: DesktopReport::default(),
        note: (String::new(), Instant::now()),
        outcome: None,
        error: None,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| DesktopError::Window(e.to_string()))?;
    if let Some(e) = app.error.take() {
        return Err(e);
    }
    let report = match app.outcome.take() {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => return Err(e),
        None => None,
    };
    Ok((report, app.report))
}

/// The key's name as [`Command::from_key`] reads it.
fn key_name(key: &Key) -> Option<String> {
    match key {
        Key::Character(s) => Some(s.to_string()),
        Key::Named(n) => Some(format!("{n:?}")),
        _ => None,
    }
}

impl App {
    fn start(&mut self, event_loop: &ActiveEventLoop) -> Result<(), DesktopError> {
        let title = format!("livingfilm — {}", self.film.info.title);
        let mut attrs = Window::default_attributes()
            .with_title(title)
            .with_inner_size(winit::dpi::PhysicalSize::new(
                self.opts.size.0,
                self.opts.size.1,
            ));
        if self.opts.fullscreen {
            attrs = attrs.with_fullscreen(Some(Fullscreen::Borderless(None)));
        }
        let window = Arc::new(
            event_loop
                .create_window(attrs)
                .map_err(|e| DesktopError::Window(e.to_string()))?,
        );
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle(
            Box::new(event_loop.owned_display_handle()),
        ));
        let gfx = Gfx::new(window.clone(), instance)?;
        self.report.adapter = gfx.adapter_name();
        self.report.surface = gfx.surface_description();
        self.gfx = Some(gfx);
        self.window = Some(window);
        self.restart(self.opts.player.start_at, Inputs::default())
    }

    /// Starts (or restarts, for a seek) the viewing at `t` with the inputs made so far.
    fn restart(&mut self, t: f64, inputs: Inputs) -> Result<(), DesktopError> {
        let mut cfg = self.opts.player.clone();
        cfg.start_at = t.max(0.0);
        // What the earlier changes left switched on.
        self.directors_cut = cfg.viewer.directors_cut;
        self.strength = 1.0;
        self.consent = cfg.uplink.consent;
        for c in &inputs.controls {
            match c.control {
                Control::DirectorsCut(on) => self.directors_cut = on,
                Control::Strength(s) => self.strength = s,
                Control::Consent(on) => self.consent = on,
                Control::End => {}
            }
        }
        self.sensor_dropped = !inputs.sim.connected(f64::INFINITY);
        self.state.clear();
        // The old picture goes: black until the restarted viewing's first frame.
        self.shown = None;
        self.fresh = false;
        if let Some(gfx) = self.gfx.as_mut() {
            gfx.clear_picture();
        }
        self.pending = None;
        self.last_index = None;
        self.last_picture = None;
        let viewing = Viewing::start(cfg, &self.opts.input, inputs, self.film.info.sample_rate)?;
        // A seek made while paused stays paused.
        viewing.set_paused(self.paused_since.is_some());
        self.viewing = Some(viewing);
        Ok(())
    }

    fn now(&self) -> f64 {
        self.viewing.as_ref().map_or(0.0, |v| v.now())
    }

    fn say(&mut self, note: String) {
        self.note = (note, Instant::now());
    }

    fn command(&mut self, c: Command, event_loop: &ActiveEventLoop) {
        let Some(v) = &self.viewing else { return };
        match c {
            Command::TogglePause => {
                let on = !v.paused();
                v.set_paused(on);
                match (on, self.paused_since.take()) {
                    (true, _) => self.paused_since = Some(Instant::now()),
                    (false, Some(since)) => self.paused_total += since.elapsed(),
                    _ => {}
                }
                self.last_picture = None;
            }
            Command::ToggleHud => self.hud_on = !self.hud_on,
            Command::ToggleFullscreen => {
                if let Some(w) = &self.window {
                    let full = w.fullscreen().is_some();
                    w.set_fullscreen((!full).then_some(Fullscreen::Borderless(None)));
                }
            }
            Command::Resize(w, h) => {
                if let Some(window) = &self.window {
                    // Granted or not by the window system; `Resized` follows when it is.
                    let _ = window.request_inner_size(winit::dpi::PhysicalSize::new(w, h));
                }
            }
            Command::ToggleDirectorsCut => {
                self.directors_cut = !self.directors_cut;
                v.control(Control::DirectorsCut(self.directors_cut));
            }
            Command::Strength(step) => {
                self.strength = (self.strength + step).clamp(0.0, 2.0);
                v.control(Control::Strength(self.strength));
            }
            Command::ToggleConsent => {
                self.consent = !self.consent;
                v.control(Control::Consent(self.consent));
            }
            Command::Sim(s) => {
                if matches!(self.opts.input, super::Input::Simulator) {
                    if s == SimCommand::ToggleSensor {
                        self.sensor_dropped = !self.sensor_dropped;
                    }
                    v.sim(s);
                } else {
                    self.say("the simulator keys act only with --input sim".into());
                }
            }
            Command::Screenshot(name) => {
                let name = if name.is_empty() {
                    format!("shot-{:07.2}", self.now())
                } else {
                    name
                };
                self.shots.push(name);
            }
            Command::SeekPrevious | Command::SeekNext => {
                let forward = c == Command::SeekNext;
                if let Err(e) = self.seek(forward) {
                    self.error = Some(e);
                    event_loop.exit();
                }
            }
            Command::Quit => self.close("closed by the viewer", event_loop),
        }
    }

    fn seek(&mut self, forward: bool) -> Result<(), DesktopError> {
        if !self.opts.input.seekable() {
            self.say(
                "seeking needs the simulator or a recording: a live sensor cannot rewind".into(),
            );
            return Ok(());
        }
        let now = self.now();
        let Some(tick) = self.state.tick_at(now).copied() else {
            return Ok(());
        };
        let target = if forward {
            tick.segment_end
        } else if now - tick.segment_start > PREVIOUS_GRACE_S {
            tick.segment_start
        } else {
            self.state
                .decisions
                .iter()
                .rev()
                .map(|d| d.t)
                .find(|&t| t < tick.segment_start - 1e-6)
                .unwrap_or(0.0)
        };
        let Some(v) = self.viewing.take() else {
            return Ok(());
        };
        let inputs = v.abandon();
        let inputs = if forward {
            inputs
        } else {
            inputs.until(target)
        };
        self.report.seeks.push([now, target]);
        self.seek_shift += now - target;
        self.say(format!("seek {now:.1} s → {target:.1} s"));
        self.restart(target, inputs)
    }

    /// Takes what the stages sent: events, samples, and the frame due now.
    fn pump(&mut self) {
        let Some(v) = &self.viewing else { return };
        for e in v.events.try_iter() {
            match e {
                PlayerEvent::Decision(d) => self.state.decisions.push(d),
                PlayerEvent::Tick(k) => self.state.tick(k),
                PlayerEvent::Provider(p) => self.state.provider = p,
                PlayerEvent::Warning(w) => self.state.warnings.push(w),
                PlayerEvent::End { .. } => {}
            }
        }
        for s in v.samples.try_iter() {
            self.state.vitals.push(s);
        }
        let now = v.now();
        let half_frame = 0.5 / self.film.info.fps as f64;
        while let Some(next) = self.pending.take().or_else(|| v.next_frame()) {
            if next.t > now + half_frame {
                self.pending = Some(next);
                break;
            }
            if let Some(last) = self.last_index {
                self.dropped += next.index.saturating_sub(last + 1) as u64;
            }
            if self.fresh {
                self.dropped += 1; // a newer one is due before this one was drawn
            }
            self.last_index = Some(next.index);
            if let Some(old) = self.shown.replace(next) {
                v.recycle(old);
            }
            self.fresh = true;
        }
    }

    fn run_script(&mut self, event_loop: &ActiveEventLoop) {
        let paused = self.paused_since.map_or(Duration::ZERO, |s| s.elapsed());
        let clock = self.now() + (self.paused_total + paused).as_secs_f64() + self.seek_shift;
        while self.script.front().is_some_and(|(t, _)| *t <= clock) {
            if let Some((_, c)) = self.script.pop_front() {
                self.command(c, event_loop);
            }
        }
    }

    fn redraw(&mut self) {
        let Some(gfx) = self.gfx.as_mut() else { return };
        let started = Instant::now();
        let new_picture = self.fresh;
        if self.fresh {
            if let Some(f) = &self.shown {
                let (w, h) = (
                    self.opts
                        .player
                        .render
                        .width
                        .unwrap_or(self.film.info.width),
                    self.opts
                        .player
                        .render
                        .height
                        .unwrap_or(self.film.info.height),
                );
                gfx.upload(&f.rgba, w, h);
            }
            self.fresh = false;
        }
        let t = self.viewing.as_ref().map_or(0.0, |v| v.now());
        if self.hud_on {
            let audio = self.viewing.as_ref().map_or("", |v| v.sink_label());
            let recent = self.intervals.recent();
            let note = if self.note.1.elapsed() < Duration::from_secs(4) {
                self.note.0.as_str()
            } else {
                ""
            };
            let sw = Switches {
                t,
                paused: self.paused_since.is_some(),
                directors_cut: self.directors_cut,
                strength: self.strength,
                consent: self.consent,
                sensor_dropped: self.sensor_dropped,
                frame_ms: (recent.p50, recent.p95),
                dropped: self.dropped,
                audio,
                input: &self.input_label,
                note,
            };
            hud::layout(gfx, &self.film, &mut self.state, &sw);
        } else {
            gfx.hud.clear();
        }
        let mut drawn = gfx.draw();
        if matches!(drawn, Drawn::Reconfigured) {
            drawn = gfx.draw();
        }
        if matches!(drawn, Drawn::Shown) {
            self.redraws.push(started.elapsed().as_secs_f64() * 1e3);
            if new_picture {
                self.frames_shown += 1;
                if let Some(last) = self.last_picture {
                    self.intervals.push(last.elapsed().as_secs_f64() * 1e3);
                }
                self.last_picture = Some(Instant::now());
            }
        }
        self.last_draw = Instant::now();
        for name in std::mem::take(&mut self.shots) {
            if let Err(e) = self.screenshot(&name, t) {
                self.error.get_or_insert(e);
            }
        }
    }

    fn screenshot(&mut self, name: &str, t: f64) -> Result<(), DesktopError> {
        let Some(gfx) = self.gfx.as_mut() else {
            return Ok(());
        };
        let image = gfx.screenshot()?;
        let dir = self.opts.player.out_dir.join("screenshots");
        let path = dir.join(format!("{name}.png"));
        let out = |source| DesktopError::Output {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(out)?;
        image
            .save(&path)
            .map_err(|e| out(std::io::Error::other(e)))?;
        let (w, h) = gfx.size();
        let (x, y, pw, ph) = gfx.letterbox(w, h);
        self.report.screenshots.push(Screenshot {
            name: name.to_owned(),
            path: path.display().to_string(),
            t,
            frame: self.shown.as_ref().map(|f| f.index),
            frame_t: self.shown.as_ref().map(|f| f.t),
            hud: self.hud_on,
            picture_rect: [x as u32, y as u32, pw.round() as u32, ph.round() as u32],
        });
        self.say(format!("saved {}", path.display()));
        Ok(())
    }

    /// Ends the viewing (the film's end, or the viewer's), writes the session files
    /// and leaves the loop.
    fn close(&mut self, why: &str, event_loop: &ActiveEventLoop) {
        if let Some(w) = &self.window {
            w.set_visible(false);
        }
        if let Some(since) = self.paused_since.take() {
            self.paused_total += since.elapsed();
        }
        if let Some(v) = self.viewing.take() {
            self.report.audio = v.sink_label().to_owned();
            let (result, inputs) = v.finish();
            self.report.controls = inputs.controls;
            self.report.simulator = inputs.sim.commands().to_vec();
            match &result {
                Ok(r) => self.report.cut_id = Some(r.cut_id.clone()),
                Err(e) => self.report.error = Some(e.to_string()),
            }
            self.outcome = Some(result.map_err(DesktopError::from));
        }
        self.report.ended_by = why.to_owned();
        self.report.frame_interval_ms = self.intervals.percentiles();
        self.report.redraw_ms = self.redraws.percentiles();
        self.report.frames_shown = self.frames_shown;
        self.report.frames_dropped = self.dropped;
        self.report.paused_s = self.paused_total.as_secs_f64();
        if let Some(gfx) = &self.gfx {
            let (w, h) = gfx.size();
            self.report.window = [w, h];
            self.report.surface_resets = gfx.surface_resets;
        }
        let dir = &self.opts.player.out_dir;
        let path = dir.join("desktop.json");
        let written = std::fs::create_dir_all(dir).and_then(|()| {
            let json = serde_json::to_string_pretty(&self.report).map_err(std::io::Error::other)?;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, json + "\n")?;
            std::fs::rename(&tmp, &path)
        });
        if let Err(source) = written {
            self.error
                .get_or_insert(DesktopError::Output { path, source });
        }
        event_loop.exit();
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        if let Err(e) = self.start(event_loop) {
            self.error = Some(e);
            event_loop.exit();
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => self.close("closed by the viewer", event_loop),
            WindowEvent::Resized(size) => {
                if let Some(gfx) = self.gfx.as_mut() {
                    gfx.resize(size.width, size.height);
                }
                if let Some(w) = &self.window {
                    w.request_redraw();
                }
            }
            WindowEvent::KeyboardInput { event, .. }
                if event.state == ElementState::Pressed && !event.repeat =>
            {
                if let Some(c) = key_name(&event.logical_key).and_then(|k| Command::from_key(&k)) {
                    self.command(c, event_loop);
                    if let Some(w) = &self.window {
                        w.request_redraw();
                    }
                }
            }
            WindowEvent::RedrawRequested => self.redraw(),
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        if self.viewing.is_none() {
            return;
        }
        self.run_script(event_loop);
        if self.viewing.is_none() {
            return;
        }
        if let Some(stop) = &self.opts.stop {
            if stop.load(std::sync::atomic::Ordering::Acquire) {
                self.close("ended by a signal", event_loop);
                return;
            }
        }
        self.pump();
        let done = self.viewing.as_ref().is_some_and(|v| v.finished()) && self.pending.is_none();
        if done {
            if self.fresh || !self.shots.is_empty() {
                self.redraw();
            }
            self.close("end of film", event_loop);
            return;
        }
        if self.fresh || !self.shots.is_empty() || self.last_draw.elapsed() >= HUD_REFRESH {
            if let Some(w) = &self.window {
                w.request_redraw();
            }
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(Instant::now() + POLL));
    }
}
