//! The C ABI (`--features ffi`; header `include/livingfilm.h`, made by cbindgen) for TV
//! and streaming-stick hosts that own Bluetooth, the compositor and the audio device.
//!
//! A host creates a player from a film and a JSON config, optionally sets consent and an
//! event callback, starts it, pushes biometric samples as its sensors deliver them, and
//! pulls frames (into its own RGBA buffer) and audio (interleaved stereo f32). Playback
//! runs on the player's own threads on the virtual clock: the same samples give the same
//! cut ID as `livingfilm play`, however the host paces its calls.
//!
//! Rules every function keeps: a null or dangling-looking argument is an error, never a
//! crash; no panic crosses the boundary (each body runs under `catch_unwind` and a panic
//! becomes `LF_ERR_PANIC`); the reason for the last error on the calling thread is
//! `lf_last_error()`.
//!
//! Handles. An `LfPlayer *` is not an address but a handle: a slot in a fixed table of
//! [`LF_MAX_PLAYERS`] and that slot's generation. Every call looks it up with atomics
//! only (no lock, so the audio callback may too), so a freed, double-freed or made-up
//! handle is reported (`LF_ERR_HANDLE`) instead of dereferenced. Freeing waits for the
//! calls still inside the player. Sizes the host gives are bounded (audio frames,
//! samples per push and queued, stride × height), and calls that would wait on the
//! player's threads are refused from inside its event callback (`LF_ERR_STATE`), where
//! they would deadlock.
//!
//! Threads: one player may be used from several threads. `lf_player_read_audio` is
//! meant for the host's real-time audio callback: it never blocks, allocates or locks
//! (it only *tries* a lock that no other call holds while playing). The event callback
//! runs on the player's threads and must return quickly.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use crossbeam_channel::Receiver;

use livingfilm_biometrics::{Reading, Sample};
use livingfilm_player::host::{
    host_audio, host_samples, AudioPuller, HostFrame, HostSettings, PushError, SamplePusher,
    SAMPLE_QUEUE,
};
use livingfilm_player::{HostIo, PlayerConfig, PlayerEvent, Report};

/// Success.
pub const LF_OK: i32 = 0;
/// A required pointer was null.
pub const LF_ERR_NULL: i32 = -1;
/// An argument was invalid (bad JSON, wrong frame size, non-UTF-8 path…).
pub const LF_ERR_ARG: i32 = -2;
/// The call does not fit the player's state (consent after start, start twice…).
pub const LF_ERR_STATE: i32 = -3;
/// The film could not be loaded or playback failed.
pub const LF_ERR_PLAYBACK: i32 = -4;
/// A bug inside livingfilm was caught at the boundary.
pub const LF_ERR_PANIC: i32 = -5;
/// Not a live player: freed already (use after free, double free) or never created.
pub const LF_ERR_HANDLE: i32 = -7;
/// The sample queue is full (`LF_MAX_QUEUED_SAMPLES`): the host is pushing far ahead of
/// the viewing; nothing of this push was queued, push it again later.
pub const LF_ERR_FULL: i32 = -8;
/// Most players alive at once in one process.
pub const LF_MAX_PLAYERS: usize = 64;
/// Most samples waiting in a player's queue (pushed, not yet read by the viewing).
pub const LF_MAX_QUEUED_SAMPLES: usize = 65_536;
// A literal for cbindgen, kept equal to the queue's own bound.
const _: () = assert!(LF_MAX_QUEUED_SAMPLES == SAMPLE_QUEUE);
/// Most frames one `lf_player_read_audio` call may ask for.
pub const LF_MAX_AUDIO_FRAMES: usize = 65_536;
/// `lf_player_next_frame` wrote a frame.
pub const LF_FRAME: i32 = 1;
/// No more frames (or audio): the film has ended.
pub const LF_END: i32 = 0;

/// An interval between two heartbeats, ms (ends at the sample's time).
pub const LF_SAMPLE_RR_MS: u32 = 1;
/// A heart rate from a sensor without beat-to-beat data, bpm.
pub const LF_SAMPLE_HR_BPM: u32 = 2;
/// A pupil diameter, mm (0 or less during a blink).
pub const LF_SAMPLE_PUPIL_MM: u32 = 3;

/// The director chose what a segment plays (`segment`, `variant`, `message` = reason).
pub const LF_EVENT_DECISION: u32 = 1;
/// Something degraded but playback goes on (`message`).
pub const LF_EVENT_WARNING: u32 = 2;
/// The film ended; `message` is the cut ID.
pub const LF_EVENT_END: u32 = 3;
/// Playback failed (`message`); no more frames will come.
pub const LF_EVENT_ERROR: u32 = 4;

/// One biometric reading from the host's sensors.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LfSample {
    /// Viewing time in seconds since the film started.
    pub t_s: f64,
    /// `LF_SAMPLE_*`.
    pub kind: u32,
    /// The value in the unit `kind` names.
    pub value: f64,
}

/// What an event says; strings are valid only during the callback.
#[repr(C)]
pub struct LfEvent {
    /// `LF_EVENT_*`.
    pub kind: u32,
    /// Viewing time of a decision, seconds (0 for other events).
    pub t_s: f64,
    /// Segment id of a decision, else null.
    pub segment: *const c_char,
    /// Variant id of a decision, else null.
    pub variant: *const c_char,
    /// The reason, warning, error or cut ID.
    pub message: *const c_char,
}

/// Where a pulled frame sits in the film.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct LfFrameInfo {
    /// Frame number from 0.
    pub index: u32,
    /// Viewing time of the frame, seconds.
    pub t_s: f64,
}

/// The host's event handler: `user` is what was given with it.
pub type LfEventCallback = Option<unsafe extern "C" fn(user: *mut c_void, event: *const LfEvent)>;

/// The host's user pointer, handed back on the player's threads (the host promised it
/// may be, by registering it).
#[derive(Clone, Copy)]
struct UserData(*mut c_void);
// SAFETY: the header documents that the callback and its user data are called from the
// player's threads; the host takes responsibility for that by registering them.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

struct Running {
    thread: Option<JoinHandle<Result<Report, livingfilm_player::PlayerError>>>,
    pusher: Option<SamplePusher>,
    frames: Receiver<HostFrame>,
    /// Why playback failed (set before the frame channel closes), so the end of the
    /// frames after a failure is an error, not `LF_END`.
    failure: Arc<OnceLock<String>>,
}

struct Outcome {
    cut_id: Option<CString>,
    report: Option<CString>,
}

/// The host's handle to a player: opaque, never dereferenced (see the module doc).
pub struct LfPlayer {
    _opaque: (),
}

/// A player, behind a handle.
struct Player {
    cfg: Mutex<PlayerConfig>,
    pull_audio: bool,
    size: (u32, u32),
    /// The film's mix rate: the audio ring holds one second.
    rate: u32,
    callback: Mutex<Option<(unsafe extern "C" fn(*mut c_void, *const LfEvent), UserData)>>,
    running: Mutex<Option<Running>>,
    audio: Mutex<Option<AudioPuller>>,
    stop: Mutex<Option<Arc<AtomicBool>>>,
    outcome: Mutex<Option<Outcome>>,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(msg: impl std::fmt::Display) {
    let text = CString::new(msg.to_string().replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
}

/// Runs `f`, turning a panic into `on_panic` and a recorded error.
fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            set_error(format!("internal error (panic: {what}); please report it"));
            on_panic
        }
    }
}

fn fail(code: i32, msg: impl std::fmt::Display) -> i32 {
    set_error(msg);
    code
}

/// A borrowed C string as UTF-8, or the error to return.
unsafe fn utf8<'a>(p: *const c_char, what: &str) -> Result<&'a str, i32> {
    if p.is_null() {
        return Err(fail(LF_ERR_NULL, format!("{what} is null")));
    }
    // SAFETY: the caller passes a NUL-terminated string (documented in the header).
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| fail(LF_ERR_ARG, format!("{what} is not UTF-8")))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One entry of the handle table.
struct Slot {
    /// Even: free; odd: live. Bumped when a player is created and when it is freed, so
    /// a handle names one lifetime of its slot.
    gen: AtomicU32,
    /// Calls inside the player right now; freeing waits for none.
    users: AtomicU32,
    player: AtomicPtr<Player>,
}

static SLOTS: [Slot; LF_MAX_PLAYERS] = [const {
    Slot {
        gen: AtomicU32::new(0),
        users: AtomicU32::new(0),
        player: AtomicPtr::new(std::ptr::null_mut()),
    }
}; LF_MAX_PLAYERS];

/// The handle of slot `index` in generation `gen`: the slot in the low byte (from 1,
/// so never null), the generation above it (wrapping alike on 32- and 64-bit).
fn handle(index: usize, gen: u32) -> usize {
    (gen as usize).wrapping_shl(8) | (index + 1)
}

/// The slot a handle names, if it could name one.
fn slot_of(h: usize) -> Option<(usize, &'static Slot)> {
    let index = (h & 0xff).checked_sub(1)?;
    SLOTS.get(index).map(|s| (index, s))
}

/// A call's hold on a live player; the slot cannot be freed under it.
struct Held {
    slot: &'static Slot,
    player: &'static Player,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.slot.users.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::ops::Deref for Held {
    type Target = Player;
    fn deref(&self) -> &Player {
        self.player
    }
}

/// Looks up the host's handle with atomics only: `LF_ERR_NULL`, or `LF_ERR_HANDLE` for
/// a handle that is not live (freed, double-freed, made up).
fn player(p: *const LfPlayer) -> Result<Held, i32> {
    let h = p as usize;
    if h == 0 {
        return Err(fail(LF_ERR_NULL, "player is null"));
    }
    let not_live = || {
        fail(
            LF_ERR_HANDLE,
            "not a live player (freed already, or never created)",
        )
    };
    let (index, slot) = slot_of(h).ok_or_else(not_live)?;
    // Announce the use first, then check the generation: a free that bumped it before
    // this sees the use and waits; one after it is seen here.
    slot.users.fetch_add(1, Ordering::SeqCst);
    let gen = slot.gen.load(Ordering::SeqCst);
    let ptr = slot.player.load(Ordering::SeqCst);
    if gen % 2 == 0 || handle(index, gen) != h || ptr.is_null() {
        slot.users.fetch_sub(1, Ordering::SeqCst);
        return Err(not_live());
    }
    // SAFETY: the slot is live in this generation and counts this use, so the player is
    // not freed before `Held` drops (see `lf_player_free`).
    Ok(Held {
        slot,
        player: unsafe { &*ptr },
    })
}

thread_local! {
    /// This thread is inside an event callback (the player's own threads).
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// `LF_ERR_STATE` when called from inside the event callback, where waiting on the
/// player's threads would wait on this very thread.
fn refuse_in_callback(what: &str) -> Result<(), i32> {
    if IN_CALLBACK.with(Cell::get) {
        Err(fail(
            LF_ERR_STATE,
            format!("{what} may not be called from inside the event callback (it would wait on the thread running the callback)"),
        ))
    } else {
        Ok(())
    }
}

/// The library version, e.g. "0.1.0" (static; never free it).
#[no_mangle]
pub extern "C" fn lf_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Why the last call on this thread failed ("" if none yet). Valid until the next
/// failing call on the same thread; never free it.
#[no_mangle]
pub extern "C" fn lf_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Creates a player for the film (`film.toml` or its folder) with a JSON config (may be
/// null or "" for defaults). Fields: `model`, `seed`, `width`, `height`,
/// `render` ("auto"|"gpu"|"cpu"), `audio` ("pull"|"none"), `out_dir` (report.json goes
/// there; absent: nothing is written), `directors_cut`, `cut` (replay a cut ID),
/// `data_dir`, `uplink_url`, `profile`, `providers`, `locale`. Returns null on error (see
/// `lf_last_error`). Free it with `lf_player_free`.
///
/// # Safety
/// `film` must be a NUL-terminated string; `config_json` NUL-terminated or null.
#[no_mangle]
pub unsafe extern "C" fn lf_player_new(
    film: *const c_char,
    config_json: *const c_char,
) -> *mut LfPlayer {
    guard(std::ptr::null_mut(), || {
        // SAFETY: forwarded from the caller's contract.
        let Ok(film) = (unsafe { utf8(film, "film") }) else {
            return std::ptr::null_mut();
        };
        let json = if config_json.is_null() {
            ""
        } else {
            // SAFETY: as above.
            match unsafe { utf8(config_json, "config_json") } {
                Ok(s) => s,
                Err(_) => return std::ptr::null_mut(),
            }
        };
        // Before the player's threads exist: onnxruntime reads it when it loads.
        livingfilm_inference::runtime::disable_vendor_telemetry();
        let settings = match HostSettings::from_json(film, json) {
            Ok(s) => s,
            Err(e) => {
                set_error(e);
                return std::ptr::null_mut();
            }
        };
        let ptr = Box::into_raw(Box::new(Player {
            cfg: Mutex::new(settings.cfg),
            pull_audio: settings.pull_audio,
            size: settings.size,
            rate: settings.rate,
            callback: Mutex::new(None),
            running: Mutex::new(None),
            audio: Mutex::new(None),
            stop: Mutex::new(None),
            outcome: Mutex::new(None),
        }));
        for (index, slot) in SLOTS.iter().enumerate() {
            // Claim a free slot by its pointer, then make it live by its generation.
            let claimed = slot
                .player
                .compare_exchange(
                    std::ptr::null_mut(),
                    ptr,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok();
            if claimed {
                let gen = slot.gen.fetch_add(1, Ordering::SeqCst) + 1;
                return handle(index, gen) as *mut LfPlayer;
            }
        }
        // SAFETY: `ptr` came from `Box::into_raw` above and was never shared.
        drop(unsafe { Box::from_raw(ptr) });
        set_error(format!(
            "{LF_MAX_PLAYERS} players are alive already; free one first"
        ));
        std::ptr::null_mut()
    })
}

/// Frame size in pixels. Any thread.
///
/// # Safety
/// `p` from `lf_player_new`; `width` and `height` writable.
#[no_mangle]
pub unsafe extern "C" fn lf_player_size(
    p: *const LfPlayer,
    width: *mut u32,
    height: *mut u32,
) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if width.is_null() || height.is_null() {
            return fail(LF_ERR_NULL, "width or height is null");
        }
        // SAFETY: checked non-null; the caller gives writable u32s.
        unsafe {
            *width = pl.size.0;
            *height = pl.size.1;
        }
        LF_OK
    })
}

/// Consent for this viewing, before `lf_player_start`: `uplink` allows anonymised
/// tension deltas to go to the config's `uplink_url`; `placements` allows placements
/// the director marked as needing consent. Both are off until set.
///
/// # Safety
/// `p` from `lf_player_new`.
#[no_mangle]
pub unsafe extern "C" fn lf_player_set_consent(
    p: *const LfPlayer,
    uplink: bool,
    placements: bool,
) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if lock(&pl.running).is_some() {
            return fail(LF_ERR_STATE, "consent must be set before lf_player_start");
        }
        let mut cfg = lock(&pl.cfg);
        cfg.uplink.consent = uplink;
        cfg.viewer.placement_consent = placements;
        LF_OK
    })
}

/// Registers the event callback (null to remove), before `lf_player_start`. It is
/// called on the player's threads, one event at a time; `user` is passed back as is.
///
/// # Safety
/// `p` from `lf_player_new`; `callback` and `user` usable from other threads until the
/// player is freed.
#[no_mangle]
pub unsafe extern "C" fn lf_player_set_event_callback(
    p: *const LfPlayer,
    callback: LfEventCallback,
    user: *mut c_void,
) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if lock(&pl.running).is_some() {
            return fail(
                LF_ERR_STATE,
                "the callback must be set before lf_player_start",
            );
        }
        *lock(&pl.callback) = callback.map(|c| (c, UserData(user)));
        LF_OK
    })
}

fn deliver(cb: unsafe extern "C" fn(*mut c_void, *const LfEvent), user: UserData, e: &PlayerEvent) {
    let text = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
    let (kind, t_s, segment, variant, message) = match e {
        PlayerEvent::Decision(d) => (
            LF_EVENT_DECISION,
            d.t,
            Some(text(&d.segment_id)),
            Some(text(&d.variant_id)),
            text(&d.reason),
        ),
        PlayerEvent::Warning(w) => (LF_EVENT_WARNING, 0.0, None, None, text(w)),
        PlayerEvent::End { cut_id } => (LF_EVENT_END, 0.0, None, None, text(cut_id)),
        // The live display's feed; the C ABI keeps its three event kinds.
        PlayerEvent::Tick(_) | PlayerEvent::Provider(_) => return,
    };
    let ev = LfEvent {
        kind,
        t_s,
        segment: segment.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
        variant: variant.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
        message: message.as_ptr(),
    };
    call_back(cb, user, &ev);
}

/// Calls the host's callback, marking this thread as inside it.
fn call_back(cb: unsafe extern "C" fn(*mut c_void, *const LfEvent), user: UserData, ev: &LfEvent) {
    let was = IN_CALLBACK.with(|f| f.replace(true));
    // SAFETY: the host registered `cb` for exactly this; `ev` outlives the call.
    unsafe { cb(user.0, ev) };
    IN_CALLBACK.with(|f| f.set(was));
}

/// Starts playback on the player's threads. Then push samples, pull frames and audio.
///
/// # Safety
/// `p` from `lf_player_new`.
#[no_mangle]
pub unsafe extern "C" fn lf_player_start(p: *const LfPlayer) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if let Err(code) = refuse_in_callback("lf_player_start") {
            return code;
        }
        let mut running = lock(&pl.running);
        if running.is_some() {
            return fail(LF_ERR_STATE, "the player was already started");
        }
        let cfg = lock(&pl.cfg).clone();
        let callback = *lock(&pl.callback);
        let (samples, pusher) = host_samples();
        let (frames_tx, frames_rx) = crossbeam_channel::bounded(2);
        let (sink, puller, stop) = host_audio(pl.rate as usize);
        let audio: Box<dyn livingfilm_audio::sink::AudioSink + Send> = if pl.pull_audio {
            *lock(&pl.audio) = Some(puller);
            Box::new(sink)
        } else {
            Box::new(livingfilm_audio::sink::NullSink)
        };
        *lock(&pl.stop) = Some(stop);
        let events = callback.map(|(cb, user)| {
            let serial = Arc::new(Mutex::new(()));
            Arc::new(move |e: PlayerEvent| {
                let _one_at_a_time = lock(&serial);
                deliver(cb, user, &e);
            }) as livingfilm_player::host::EventHandler
        });
        let failure = Arc::new(OnceLock::new());
        let failed = Arc::clone(&failure);
        // Held by the thread until the failure is recorded: the frames end only then.
        let frames_open = frames_tx.clone();
        let host = HostIo {
            samples: Some(Box::new(samples)),
            frames: Some(frames_tx),
            audio: Some(audio),
            events: events.clone(),
            open_audio: None,
            controls: None,
            late_by: None,
            recycle: None,
        };
        let thread = std::thread::Builder::new()
            .name("livingfilm-player".into())
            .spawn(move || {
                let r = livingfilm_player::play_with(&cfg, host);
                if let Err(e) = &r {
                    let _ = failed.set(e.to_string());
                }
                drop(frames_open);
                if let (Err(e), Some((cb, user))) = (&r, callback) {
                    let msg = CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
                    let ev = LfEvent {
                        kind: LF_EVENT_ERROR,
                        t_s: 0.0,
                        segment: std::ptr::null(),
                        variant: std::ptr::null(),
                        message: msg.as_ptr(),
                    };
                    call_back(cb, user, &ev);
                }
                r
            });
        match thread {
            Ok(t) => {
                *running = Some(Running {
                    thread: Some(t),
                    pusher: Some(pusher),
                    frames: frames_rx,
                    failure,
                });
                LF_OK
            }
            Err(e) => fail(
                LF_ERR_PLAYBACK,
                format!("cannot start the player thread: {e}"),
            ),
        }
    })
}

/// Queues `count` samples (in time order). Never blocks. The player reads them as the
/// viewing clock reaches their times and waits for samples up to each moment it renders,
/// so push as readings arrive and call `lf_player_end_samples` when there will be none.
/// All or nothing: `LF_ERR_ARG` for a bad sample or more than `LF_MAX_QUEUED_SAMPLES` at
/// once, `LF_ERR_FULL` when the queue has no room for all of them (push them later).
///
/// # Safety
/// `p` from `lf_player_new`; `samples` points to `count` readable `LfSample`s.
#[no_mangle]
pub unsafe extern "C" fn lf_player_push_samples(
    p: *const LfPlayer,
    samples: *const LfSample,
    count: usize,
) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if count == 0 {
            return LF_OK;
        }
        if samples.is_null() {
            return fail(LF_ERR_NULL, "samples is null");
        }
        if count > LF_MAX_QUEUED_SAMPLES {
            return fail(
                LF_ERR_ARG,
                format!("{count} samples at once; at most {LF_MAX_QUEUED_SAMPLES}"),
            );
        }
        // SAFETY: non-null, at most LF_MAX_QUEUED_SAMPLES, and the caller gives `count`
        // readable samples.
        let given = unsafe { std::slice::from_raw_parts(samples, count) };
        let mut batch = Vec::with_capacity(count);
        for (i, s) in given.iter().enumerate() {
            let reading = match s.kind {
                LF_SAMPLE_RR_MS => Reading::Rr { ms: s.value },
                LF_SAMPLE_HR_BPM => Reading::Hr { bpm: s.value },
                LF_SAMPLE_PUPIL_MM => Reading::Pupil { mm: s.value },
                k => return fail(LF_ERR_ARG, format!("sample {i}: unknown kind {k}")),
            };
            if !(s.t_s.is_finite() && s.value.is_finite()) {
                return fail(
                    LF_ERR_ARG,
                    format!("sample {i}: time and value must be finite"),
                );
            }
            batch.push(Sample { t: s.t_s, reading });
        }
        let running = lock(&pl.running);
        let Some(pusher) = running.as_ref().and_then(|r| r.pusher.as_ref()) else {
            return fail(
                LF_ERR_STATE,
                "push samples after lf_player_start and before lf_player_end_samples",
            );
        };
        if pusher.room() < count {
            return fail(
                LF_ERR_FULL,
                format!(
                    "the sample queue holds {} of {LF_MAX_QUEUED_SAMPLES}; no room for {count} more",
                    LF_MAX_QUEUED_SAMPLES - pusher.room()
                ),
            );
        }
        for (i, s) in batch.into_iter().enumerate() {
            match pusher.try_push(s) {
                Ok(()) => {}
                // A viewing that has ended reads no more; that is not the host's error.
                Err(PushError::Ended) => break,
                Err(PushError::Full) => {
                    return fail(
                        LF_ERR_FULL,
                        format!("the sample queue filled after {i} of {count} (pushed from another thread meanwhile)"),
                    )
                }
            }
        }
        LF_OK
    })
}

/// Says no more samples will come (the sensor is gone or the host has no more): the
/// player stops waiting for them and plays on with what it has.
///
/// # Safety
/// `p` from `lf_player_new`.
#[no_mangle]
pub unsafe extern "C" fn lf_player_end_samples(p: *const LfPlayer) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        let mut running = lock(&pl.running);
        match running.as_mut() {
            Some(r) => {
                r.pusher = None;
                LF_OK
            }
            None => fail(LF_ERR_STATE, "the player has not started"),
        }
    })
}

/// Waits for the next frame and copies it into the host's `rgba` buffer: `height` rows
/// of `width` RGBA8 pixels, `stride` bytes apart (at least `width * 4`). The size must
/// be `lf_player_size`'s. Returns `LF_FRAME`, `LF_END` when the film is over, or an
/// error. Pull audio too (unless the config said `"audio": "none"`): the player does
/// not run ahead of either by more than a second.
///
/// # Safety
/// `p` from `lf_player_new`; `rgba` writable for `stride * height` bytes; `info` null
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn lf_player_next_frame(
    p: *const LfPlayer,
    rgba: *mut u8,
    stride: usize,
    width: u32,
    height: u32,
    info: *mut LfFrameInfo,
) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if let Err(code) = refuse_in_callback("lf_player_next_frame") {
            return code;
        }
        if rgba.is_null() {
            return fail(LF_ERR_NULL, "rgba is null");
        }
        if (width, height) != pl.size {
            return fail(
                LF_ERR_ARG,
                format!(
                    "buffer is {width}x{height}, frames are {}x{}",
                    pl.size.0, pl.size.1
                ),
            );
        }
        let row = width as usize * 4;
        if stride < row {
            return fail(
                LF_ERR_ARG,
                format!("stride {stride} is less than width * 4 = {row}"),
            );
        }
        if stride
            .checked_mul(height as usize)
            .is_none_or(|n| n > isize::MAX as usize)
        {
            return fail(
                LF_ERR_ARG,
                format!("stride {stride} × height {height} overflows"),
            );
        }
        let Some((rx, failure)) = lock(&pl.running)
            .as_ref()
            .map(|r| (r.frames.clone(), Arc::clone(&r.failure)))
        else {
            return fail(LF_ERR_STATE, "the player has not started");
        };
        let Ok(frame) = rx.recv() else {
            // The player thread records a failure before the frames end.
            return match failure.get() {
                Some(why) => fail(LF_ERR_PLAYBACK, format!("playback failed: {why}")),
                None => LF_END,
            };
        };
        for (y, src) in frame.rgba.chunks_exact(row).enumerate() {
            // SAFETY: the caller gives `stride * height` writable bytes; y < height.
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr(), rgba.add(y * stride), row);
            }
        }
        if !info.is_null() {
            // SAFETY: non-null and writable by contract.
            unsafe {
                *info = LfFrameInfo {
                    index: frame.index,
                    t_s: frame.t,
                };
            }
        }
        LF_FRAME
    })
}

/// Copies up to `frames` stereo frames of the mix (interleaved f32, the film's rate)
/// into `out`; returns how many (0 when none are ready yet), or `LF_AUDIO_END` once the
/// mix is over and drained. What is not filled is silence. `frames` is at most
/// `LF_MAX_AUDIO_FRAMES` (else `LF_ERR_ARG`, and `out` is not touched). Real-time safe:
/// never blocks, allocates or does I/O, so call it from the host's audio callback.
///
/// # Safety
/// `p` from `lf_player_new`; `out` writable for `frames * 2` floats.
#[no_mangle]
pub unsafe extern "C" fn lf_player_read_audio(
    p: *const LfPlayer,
    out: *mut f32,
    frames: usize,
) -> i64 {
    guard(LF_ERR_PANIC as i64, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code as i64,
        };
        if out.is_null() {
            return fail(LF_ERR_NULL, "out is null") as i64;
        }
        if frames > LF_MAX_AUDIO_FRAMES {
            return fail(
                LF_ERR_ARG,
                format!("{frames} frames asked for; at most {LF_MAX_AUDIO_FRAMES} per call"),
            ) as i64;
        }
        // SAFETY: at most LF_MAX_AUDIO_FRAMES, and the caller gives `frames * 2`
        // writable floats.
        let buf = unsafe { std::slice::from_raw_parts_mut(out, frames * 2) };
        let Ok(mut audio) = pl.audio.try_lock() else {
            buf.fill(0.0);
            return 0;
        };
        match audio.as_mut() {
            Some(a) => match a.pull(buf) {
                Some(n) => {
                    buf[n * 2..].fill(0.0);
                    n as i64
                }
                None => {
                    buf.fill(0.0);
                    LF_AUDIO_END
                }
            },
            None => {
                buf.fill(0.0);
                // A real-time caller must not wait, so only try the lock.
                if pl.running.try_lock().is_ok_and(|r| r.is_none()) {
                    fail(LF_ERR_STATE, "the player has not started") as i64
                } else {
                    LF_AUDIO_END
                }
            }
        }
    })
}

/// `lf_player_read_audio`: the mix has ended and everything was read.
pub const LF_AUDIO_END: i64 = -6;

/// Waits until playback has finished (every frame pulled), then makes the cut ID and
/// report available. Returns `LF_OK` or `LF_ERR_PLAYBACK` (see `lf_last_error`).
///
/// # Safety
/// `p` from `lf_player_new`.
#[no_mangle]
pub unsafe extern "C" fn lf_player_wait(p: *const LfPlayer) -> i32 {
    guard(LF_ERR_PANIC, || {
        let pl = match player(p) {
            Ok(pl) => pl,
            Err(code) => return code,
        };
        if let Err(code) = refuse_in_callback("lf_player_wait") {
            return code;
        }
        let thread = match lock(&pl.running).as_mut() {
            Some(r) => r.thread.take(),
            None => return fail(LF_ERR_STATE, "the player has not started"),
        };
        let Some(thread) = thread else {
            return if lock(&pl.outcome)
                .as_ref()
                .is_some_and(|o| o.cut_id.is_some())
            {
                LF_OK
            } else {
                fail(LF_ERR_PLAYBACK, "playback failed (see the earlier error)")
            };
        };
        let result = thread.join();
        let mut outcome = lock(&pl.outcome);
        match result {
            Ok(Ok(report)) => {
                let json = serde_json::to_string_pretty(&report).unwrap_or_default();
                *outcome = Some(Outcome {
                    cut_id: CString::new(report.cut_id.clone()).ok(),
                    report: CString::new(json).ok(),
                });
                LF_OK
            }
            Ok(Err(e)) => {
                *outcome = Some(Outcome {
                    cut_id: None,
                    report: None,
                });
                fail(LF_ERR_PLAYBACK, e)
            }
            Err(_) => {
                *outcome = Some(Outcome {
                    cut_id: None,
                    report: None,
                });
                fail(LF_ERR_PANIC, "the player thread panicked")
            }
        }
    })
}

/// A string of the finished viewing picked by `pick`, owned by the player; null (and
/// the last error set) before `lf_player_wait` succeeded.
unsafe fn outcome_text(
    p: *const LfPlayer,
    what: &str,
    pick: fn(&Outcome) -> Option<&CString>,
) -> *const c_char {
    guard(std::ptr::null(), || {
        let Ok(pl) = player(p) else {
            return std::ptr::null();
        };
        let outcome = lock(&pl.outcome);
        match outcome.as_ref().and_then(pick) {
            Some(c) => c.as_ptr(),
            None => {
                set_error(format!(
                    "no {what} yet: call lf_player_wait after the last frame"
                ));
                std::ptr::null()
            }
        }
    })
}

/// The cut ID of a finished viewing (after `lf_player_wait` returned `LF_OK`), else
/// null. Owned by the player: valid until `lf_player_free`.
///
/// # Safety
/// `p` from `lf_player_new`.
#[no_mangle]
pub unsafe extern "C" fn lf_player_cut_id(p: *const LfPlayer) -> *const c_char {
    // SAFETY: forwarded from the caller's contract.
    unsafe { outcome_text(p, "cut ID", |o| o.cut_id.as_ref()) }
}

/// The viewing's report (the JSON `report.json` holds) after `lf_player_wait`, else
/// null. Owned by the player: valid until `lf_player_free`.
///
/// # Safety
/// `p` from `lf_player_new`.
#[no_mangle]
pub unsafe extern "C" fn lf_player_report_json(p: *const LfPlayer) -> *const c_char {
    // SAFETY: forwarded from the caller's contract.
    unsafe { outcome_text(p, "report", |o| o.report.as_ref()) }
}

/// Stops playback if it runs (nothing is left half-written) and frees the player.
/// Returns `LF_OK`; null is ignored (`LF_OK`); a handle already freed (double free) or
/// never created is `LF_ERR_HANDLE` and touches nothing. Waits for calls on this
/// player still running on other threads (a `lf_player_next_frame` waiting for a
/// frame ends with `LF_END`). Not from inside the event callback (`LF_ERR_STATE`).
///
/// # Safety
/// `p` from `lf_player_new` (a stale or made-up handle is reported, not used).
#[no_mangle]
pub unsafe extern "C" fn lf_player_free(p: *mut LfPlayer) -> i32 {
    guard(LF_ERR_PANIC, || {
        let h = p as usize;
        if h == 0 {
            return LF_OK;
        }
        if let Err(code) = refuse_in_callback("lf_player_free") {
            return code;
        }
        let not_live = || {
            fail(
                LF_ERR_HANDLE,
                "not a live player (freed already, or never created)",
            )
        };
        let Some((index, slot)) = slot_of(h) else {
            return not_live();
        };
        let gen = slot.gen.load(Ordering::SeqCst);
        // Only one free of this generation wins; later ones find it dead.
        if gen % 2 == 0
            || handle(index, gen) != h
            || slot
                .gen
                .compare_exchange(gen, gen.wrapping_add(1), Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        {
            return not_live();
        }
        // SAFETY: this call made the slot dead, so it alone frees the player; calls that
        // got in before hold uses and are waited for below.
        let pl = unsafe { &*slot.player.load(Ordering::SeqCst) };
        if let Some(stop) = lock(&pl.stop).as_ref() {
            stop.store(true, Ordering::Release);
        }
        let running = lock(&pl.running).take();
        *lock(&pl.audio) = None;
        if let Some(mut r) = running {
            r.pusher = None;
            let thread = r.thread.take();
            drop(r); // the frame channel closes: the render stage stops
            if let Some(t) = thread {
                let _ = t.join();
            }
        }
        while slot.users.load(Ordering::SeqCst) != 0 {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        let ptr = slot.player.swap(std::ptr::null_mut(), Ordering::SeqCst);
        // SAFETY: from `Box::into_raw` in `lf_player_new`; no use is left.
        drop(unsafe { Box::from_raw(ptr) });
        LF_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_never_null_and_name_one_lifetime_of_one_slot() {
        for index in [0, 1, LF_MAX_PLAYERS - 1] {
            for gen in [1u32, 3, u32::MAX] {
                let h = handle(index, gen);
                assert_ne!(h, 0);
                assert_eq!(slot_of(h).map(|(i, _)| i), Some(index));
                assert_ne!(h, handle(index, gen.wrapping_add(2)));
            }
        }
        assert!(slot_of(0x100).is_none(), "slot byte 0 is no slot");
        assert!(slot_of(LF_MAX_PLAYERS + 1).is_none());
    }

    #[test]
    fn made_up_and_stale_handles_are_reported() {
        for h in [0x0deadusize, 0x41, handle(3, 7)] {
            let e = player(h as *const LfPlayer).err();
            assert_eq!(e, Some(LF_ERR_HANDLE), "{h:#x}");
            // SAFETY: a made-up handle is reported, never dereferenced.
            assert_eq!(unsafe { lf_player_free(h as *mut LfPlayer) }, LF_ERR_HANDLE);
        }
    }
}
