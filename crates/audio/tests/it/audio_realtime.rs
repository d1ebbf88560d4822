//! Real-time safety, counted: the mixer (fed by the real decode thread from the demo's
//! stems, one of them resampled) and the device callback's body allocate nothing.
//! A counting global allocator records allocations made on this test's thread while
//! it is armed; the feeder thread decodes (and allocates) freely meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use livingfilm_audio::sink::fill_from_ring;
use livingfilm_audio::{score, MixCommand, ScorePlan};
use livingfilm_core::Film;

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    // Per thread: tests run in parallel, and another armed test's allocations must not
    // land in this one's count.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    if ARMED.with(|a| a.get()) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with this thread's allocations counted; returns the count.
fn counted(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(|n| n.get());
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    ALLOCATIONS.with(|n| n.get()) - before
}

#[test]
fn the_counter_sees_allocations() {
    // The instrument works: a Vec allocates.
    let n = counted(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert!(n >= 1);
}

#[test]
fn the_mixer_allocates_nothing_while_mixing() {
    let film = Film::load(&crate::root().join("assets/demo")).unwrap();
    let mut plan = ScorePlan::new(&film);
    let (_feeder, mut mixer) = score::open(&film, &plan).unwrap();
    let rate = film.info.sample_rate;
    let mut block = vec![0f32; 256 * 2];
    let mut allocations = 0;
    let mut cue = 0u16;
    // 20 s of mix in 256-frame device-sized blocks, with intensity changes every
    // 0.5 s, a cue change every 2 s and a stinger every 4 s (`hit` is stinger 0).
    for k in 0..(20 * rate as usize / 256) {
        let at = (k * 256) as u64;
        mixer.wait_for_input(256);
        allocations += counted(|| {
            if at % (rate as u64 / 2) < 256 {
                let beat = (at / (rate as u64 / 2)) as f32;
                let stinger = (at % (4 * rate as u64) < 256).then_some(0);
                if at % (2 * rate as u64) < 256 {
                    cue ^= 1;
                }
                mixer.schedule(MixCommand {
                    at_frame: at + 100,
                    intensity: (beat * 0.37).sin().abs(),
                    cue: Some(cue),
                    stinger,
                });
            }
            mixer.process(&mut block);
        });
    }
    assert_eq!(allocations, 0, "allocations on the mixing thread");
    let stats = mixer.stats();
    assert!(stats.cue_changes >= 5 && stats.stingers >= 5, "{stats:?}");
    assert_eq!(stats.underruns, vec![0; 3]);
    // The plan is used by the player; keep it honest here too.
    let _ = &mut plan;
}

#[test]
fn the_limiter_allocates_nothing_while_limiting() {
    // The demo's stems at 4x (+12 dB) sum over the ceiling: the master limiter works
    // in most blocks, on the mixing thread, without allocating.
    let mut film = Film::load(&crate::root().join("assets/demo")).unwrap();
    for s in &mut film.music.stems {
        s.gain = [4.0, 4.0];
        s.curve.clear();
    }
    let plan = ScorePlan::new(&film);
    let (_feeder, mut mixer) = score::open(&film, &plan).unwrap();
    let rate = film.info.sample_rate as usize;
    let mut block = vec![0f32; 256 * 2];
    let mut allocations = 0;
    for _ in 0..(5 * rate / 256) {
        mixer.wait_for_input(256);
        allocations += counted(|| mixer.process(&mut block));
    }
    assert_eq!(allocations, 0, "allocations on the mixing thread");
    let l = mixer.stats().limiter;
    assert!(
        l.limited_frames > rate as u64 && l.clipped_out == 0,
        "{l:?}"
    );
}

#[test]
fn the_device_callback_body_allocates_nothing() {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<f32>::new(4096);
    let mut out = vec![0f32; 512 * 2];
    let mut frames = 0;
    let mut allocations = 0;
    for k in 0..1000 {
        // Sometimes full, sometimes short (an underrun: silence fills the rest).
        let n = if k % 7 == 0 { 300 } else { 1024 };
        if let Ok(mut chunk) = producer.write_chunk(n.min(producer.slots())) {
            let (a, b) = chunk.as_mut_slices();
            a.fill(0.1);
            b.fill(0.1);
            chunk.commit_all();
        }
        allocations += counted(|| frames += fill_from_ring(&mut consumer, &mut out));
    }
    assert_eq!(allocations, 0);
    assert!(frames > 400_000);
}
