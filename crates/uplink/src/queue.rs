//! A bounded, crash-safe, on-disk queue of records waiting to go upstream.
//!
//! Layout in its folder:
//! - `queue.<gen>.log`: frames `[len u32 LE][crc32 u32 LE][payload]`, appended and
//!   `fsync`ed before `push` returns (a returned push survives `kill -9` and power loss);
//! - `queue.state`: `{gen, acked, dropped}` as JSON, replaced atomically (write a temp
//!   file, fsync, rename, fsync the folder).
//!
//! Opening scans the log and truncates it at the first frame that is short or fails its
//! checksum (a write cut off by a crash), counting what it cut. A state file that is
//! unreadable, missing beside logs, names a log that is not there or an offset that is
//! not a frame boundary is not trusted: the queue is rebuilt from every generation's
//! log (each record once, in order) into a new generation, and opening says so. No
//! pushed record is lost that way; delivered ones may be sent again. Delivery is at least
//! once: records are acknowledged after the collector said yes, so a crash in between
//! sends them again (the collector de-duplicates by record id). When full, the oldest
//! records are dropped and counted. Compaction writes the live records to the next
//! generation's log and only then switches the state to it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Why the queue could not be used; names the path.
#[derive(Debug, thiserror::Error)]
#[error("uplink queue {path}: {source}")]
pub struct QueueError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// Largest record accepted, bytes.
pub const MAX_RECORD: usize = 64 * 1024;

/// Log size past which acknowledged records are compacted away, bytes.
const COMPACT_AT: u64 = 256 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct State {
    gen: u64,
    /// Byte offset in the log of the first unacknowledged frame.
    acked: u64,
    /// Records dropped because the queue was full, ever.
    dropped: u64,
}

/// Why the state file's description of the queue was not trusted (the queue is then
/// rebuilt from its logs, so none of these loses a pushed record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Distrust {
    /// `queue.state` is not the JSON this queue writes (serde's words).
    #[error("queue.state is unreadable ({0})")]
    Unreadable(String),
    /// Only logs of later generations exist, so the state was lost after a compaction.
    #[error("queue.state is missing beside a compacted log")]
    Missing,
    /// The state names a generation with no log.
    #[error("queue.state names generation {0}, whose log is missing")]
    NoLog(u64),
    /// The acknowledged offset falls inside a record of generation `generation`'s log.
    #[error("queue.state's acknowledged offset {acked} is not a record boundary of {log}", log = log_name(*.generation))]
    NotBoundary { acked: u64, generation: u64 },
}

/// What opening found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// Bytes cut from the end of the log (a torn or corrupted tail).
    pub truncated_bytes: u64,
    /// The state could not be trusted (why), and the queue was rebuilt from its logs.
    pub rebuilt: Option<Distrust>,
}

/// The queue.
pub struct Queue {
    dir: PathBuf,
    log: File,
    state: State,
    /// (offset, payload length) of each live frame, oldest first.
    frames: std::collections::VecDeque<(u64, u32)>,
    end: u64,
    capacity: usize,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> QueueError + '_ {
    move |source| QueueError {
        path: path.to_owned(),
        source,
    }
}

impl Queue {
    /// Opens (or creates) the queue in `dir`, holding at most `capacity` records.
    pub fn open(dir: &Path, capacity: usize) -> Result<(Self, Recovery), QueueError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        match Self::open_trusting_state(dir, capacity)? {
            Ok(opened) => Ok(opened),
            Err(why) => {
                rebuild(dir)?;
                let (q, mut recovery) =
                    Self::open_trusting_state(dir, capacity)?.map_err(|again| {
                        io(dir)(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("rebuilt after `{why}`, still unusable: {again}"),
                        ))
                    })?;
                recovery.rebuilt = Some(why);
                Ok((q, recovery))
            }
        }
    }

    /// Opens the queue as its state file describes it; `Ok(Err(why))`, having changed
    /// nothing, when that description cannot be trusted.
    fn open_trusting_state(
        dir: &Path,
        capacity: usize,
    ) -> Result<Result<(Self, Recovery), Distrust>, QueueError> {
        let gens = generations(dir)?;
        let state_path = dir.join("queue.state");
        let state: State = match std::fs::read(&state_path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(s) => s,
                Err(e) => return Ok(Err(Distrust::Unreadable(e.to_string()))),
            },
            // A queue that has only been pushed to has no state yet.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && gens.iter().all(|&g| g == 0) => {
                State::default()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Err(Distrust::Missing))
            }
            Err(e) => return Err(io(&state_path)(e)),
        };
        if !gens.is_empty() && !gens.contains(&state.gen) {
            return Ok(Err(Distrust::NoLog(state.gen)));
        }
        let path = dir.join(log_name(state.gen));
        let mut log = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut bytes = Vec::new();
        log.read_to_end(&mut bytes).map_err(io(&path))?;
        let (mut frames, at) = scan(&bytes);
        let boundary = state.acked == at as u64 || frames.iter().any(|&(o, _)| o == state.acked);
        if !boundary {
            return Ok(Err(Distrust::NotBoundary {
                acked: state.acked,
                generation: state.gen,
            }));
        }
        // Logs of other generations are leftovers of an interrupted compaction: the
        // state names the complete one.
        for g in gens.into_iter().filter(|&g| g != state.gen) {
            let _ = std::fs::remove_file(dir.join(log_name(g)));
        }
        let recovery = Recovery {
            truncated_bytes: (bytes.len() - at) as u64,
            rebuilt: None,
        };
        if recovery.truncated_bytes > 0 {
            log.set_len(at as u64).map_err(io(&path))?;
            log.sync_all().map_err(io(&path))?;
        }
        // Frames before the acknowledged offset were delivered.
        while frames.front().is_some_and(|&(o, _)| o < state.acked) {
            frames.pop_front();
        }
        let mut q = Self {
            dir: dir.to_owned(),
            log,
            state,
            frames,
            end: at as u64,
            capacity: capacity.max(1),
        };
        q.state.acked = q.frames.front().map_or(q.end, |&(o, _)| o);
        Ok(Ok((q, recovery)))
    }

    /// Records waiting.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Records dropped because the queue was full, over its whole life.
    pub fn dropped(&self) -> u64 {
        self.state.dropped
    }

    /// Appends a record durably (returns after fsync); drops the oldest when full.
    pub fn push(&mut self, payload: &[u8]) -> Result<(), QueueError> {
        let path = self.log_path();
        if payload.len() > MAX_RECORD {
            return Err(io(&path)(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("record of {} bytes (at most {MAX_RECORD})", payload.len()),
            )));
        }
        if self.frames.len() >= self.capacity {
            let excess = self.frames.len() + 1 - self.capacity;
            self.frames.drain(..excess);
            self.state.dropped += excess as u64;
            self.state.acked = self.frames.front().map_or(self.end, |&(o, _)| o);
            self.save_state()?;
        }
        let frame = encode_frame(payload);
        self.log.write_all(&frame).map_err(io(&path))?;
        self.log.sync_data().map_err(io(&path))?;
        self.frames.push_back((self.end, payload.len() as u32));
        self.end += frame.len() as u64;
        Ok(())
    }

    /// Up to `max` of the oldest records, oldest first.
    pub fn peek(&mut self, max: usize) -> Result<Vec<Vec<u8>>, QueueError> {
        let path = self.log_path();
        let mut out = Vec::new();
        for &(offset, len) in self.frames.iter().take(max) {
            let mut buf = vec![0u8; len as usize];
            self.log
                .seek(SeekFrom::Start(offset + 8))
                .map_err(io(&path))?;
            self.log.read_exact(&mut buf).map_err(io(&path))?;
            out.push(buf);
        }
        Ok(out)
    }

    /// Marks the `n` oldest records delivered (durably), compacting when worthwhile.
    pub fn ack(&mut self, n: usize) -> Result<(), QueueError> {
        let n = n.min(self.frames.len());
        if n == 0 {
            return Ok(());
        }
        self.frames.drain(..n);
        self.state.acked = self.frames.front().map_or(self.end, |&(o, _)| o);
        if self.state.acked > COMPACT_AT && self.state.acked * 2 > self.end {
            return self.compact();
        }
        self.save_state()
    }

    /// Deletes the queue and everything in it (consent withdrawn).
    pub fn destroy(self) -> Result<(), QueueError> {
        let dir = self.dir.clone();
        drop(self);
        std::fs::remove_dir_all(&dir).map_err(io(&dir))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join(log_name(self.state.gen))
    }

    fn compact(&mut self) -> Result<(), QueueError> {
        let live = self.peek(self.frames.len())?;
        let next = State {
            gen: self.state.gen + 1,
            acked: 0,
            dropped: self.state.dropped,
        };
        let path = self.dir.join(log_name(next.gen));
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut frames = std::collections::VecDeque::new();
        let mut end = 0u64;
        for p in &live {
            let frame = encode_frame(p);
            file.write_all(&frame).map_err(io(&path))?;
            frames.push_back((end, p.len() as u32));
            end += frame.len() as u64;
        }
        file.sync_all().map_err(io(&path))?;
        let old = self.log_path();
        self.state = next;
        self.save_state()?;
        let _ = std::fs::remove_file(old);
        self.log = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        self.frames = frames;
        self.end = end;
        Ok(())
    }

    fn save_state(&self) -> Result<(), QueueError> {
        save_state(&self.dir, &self.state)
    }
}

/// Writes `state` atomically: a temp file, fsync, rename, fsync the folder.
fn save_state(dir: &Path, state: &State) -> Result<(), QueueError> {
    let path = dir.join("queue.state");
    let tmp = dir.join("queue.state.tmp");
    let bytes = serde_json::to_vec(state).unwrap_or_default();
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(&bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn log_name(gen: u64) -> String {
    format!("queue.{gen}.log")
}

/// The generations whose logs are in `dir`, oldest first.
fn generations(dir: &Path) -> Result<Vec<u64>, QueueError> {
    let mut gens: Vec<u64> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            name.strip_prefix("queue.")?
                .strip_suffix(".log")?
                .parse()
                .ok()
        })
        .collect();
    gens.sort_unstable();
    Ok(gens)
}

/// The whole, checksum-valid frames of a log as (offset, payload length), and where
/// they end.
fn scan(bytes: &[u8]) -> (std::collections::VecDeque<(u64, u32)>, usize) {
    let mut frames = std::collections::VecDeque::new();
    let mut at = 0usize;
    while let Some(len) = frame_at(bytes, at) {
        frames.push_back((at as u64, len as u32));
        at += 8 + len;
    }
    (frames, at)
}

/// Rebuilds an untrusted queue: every valid record of every generation's log, each once
/// (a compaction copies records, so both logs may hold one), oldest generation first,
/// into a new generation's log; then a state naming it, then the old logs go.
fn rebuild(dir: &Path) -> Result<(), QueueError> {
    let gens = generations(dir)?;
    let next = gens.last().map_or(0, |g| g + 1);
    let path = dir.join(log_name(next));
    let mut out = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    let mut seen = std::collections::HashSet::new();
    for &g in &gens {
        let old = dir.join(log_name(g));
        let bytes = std::fs::read(&old).map_err(io(&old))?;
        let (frames, _) = scan(&bytes);
        for (offset, len) in frames {
            let start = offset as usize + 8;
            let payload = &bytes[start..start + len as usize];
            if seen.insert(payload.to_vec()) {
                out.write_all(&encode_frame(payload)).map_err(io(&path))?;
            }
        }
    }
    out.sync_all().map_err(io(&path))?;
    save_state(
        dir,
        &State {
            gen: next,
            acked: 0,
            dropped: 0,
        },
    )?;
    for g in gens {
        let _ = std::fs::remove_file(dir.join(log_name(g)));
    }
    Ok(())
}

/// `[len u32 LE][crc32 u32 LE][payload]`.
fn encode_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(8 + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// Length of a whole, checksum-valid frame at `at`, if there is one.
fn frame_at(bytes: &[u8], at: usize) -> Option<usize> {
    let header = bytes.get(at..at + 8)?;
    let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
    if len > MAX_RECORD {
        return None;
    }
    let payload = bytes.get(at + 8..at + 8 + len)?;
    (crc32fast::hash(payload) == crc).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lf-queue-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn records_survive_reopening_and_acks_are_durable() {
        let d = dir("reopen");
        let (mut q, _) = Queue::open(&d, 100).unwrap();
        for i in 0..10 {
            q.push(format!("r{i}").as_bytes()).unwrap();
        }
        q.ack(4).unwrap();
        drop(q);
        let (mut q, rec) = Queue::open(&d, 100).unwrap();
        assert_eq!(rec.truncated_bytes, 0);
        assert_eq!(q.len(), 6);
        assert_eq!(q.peek(1).unwrap(), vec![b"r4".to_vec()]);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_torn_or_corrupted_tail_is_cut_and_counted() {
        let d = dir("torn");
        let (mut q, _) = Queue::open(&d, 100).unwrap();
        q.push(b"kept").unwrap();
        q.push(b"also kept").unwrap();
        drop(q);
        let log = d.join("queue.0.log");
        let mut bytes = std::fs::read(&log).unwrap();
        let good = bytes.len();
        // A frame header promising 40 bytes, then 5 bytes: a write cut off by a crash.
        bytes.extend_from_slice(&40u32.to_le_bytes());
        bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        std::fs::write(&log, &bytes).unwrap();
        let (mut q, rec) = Queue::open(&d, 100).unwrap();
        assert_eq!(rec.truncated_bytes, 13);
        assert_eq!(std::fs::metadata(&log).unwrap().len(), good as u64);
        assert_eq!(
            q.peek(10).unwrap(),
            vec![b"kept".to_vec(), b"also kept".to_vec()]
        );
        // A flipped bit in the last record fails its checksum: it goes, the first stays.
        drop(q);
        let mut bytes = std::fs::read(&log).unwrap();
        let n = bytes.len();
        bytes[n - 2] ^= 0x10;
        std::fs::write(&log, &bytes).unwrap();
        let (mut q, rec) = Queue::open(&d, 100).unwrap();
        assert_eq!(rec.truncated_bytes, 8 + 9);
        assert_eq!(q.peek(10).unwrap(), vec![b"kept".to_vec()]);
        std::fs::remove_dir_all(&d).ok();
    }

    /// Two generations on disk, as an interrupted compaction leaves them: the older log
    /// with 10 records, the newer with the 10 it still had to send.
    fn two_generations(d: &Path) -> Vec<Vec<u8>> {
        let (mut q, _) = Queue::open(d, 1000).unwrap();
        let records: Vec<Vec<u8>> = (0..20)
            .map(|i| format!("record-{i:02}").into_bytes())
            .collect();
        for r in &records {
            q.push(r).unwrap();
        }
        q.ack(10).unwrap();
        drop(q);
        let mut next = Vec::new();
        for r in &records[10..] {
            next.extend_from_slice(&encode_frame(r));
        }
        std::fs::write(d.join(log_name(1)), next).unwrap();
        records
    }

    #[test]
    fn a_corrupt_state_is_reported_and_rebuilt_from_every_generation() {
        for (name, corrupt, kind) in [
            (
                "garbage",
                Some(&b"{\"gen\": 1, \"ack"[..]),
                Distrust::Unreadable(String::new()),
            ),
            ("missing", None, Distrust::Missing),
            (
                "wrong-gen",
                Some(&br#"{"gen":7,"acked":0,"dropped":0}"#[..]),
                Distrust::NoLog(7),
            ),
            (
                "mid-frame",
                Some(&br#"{"gen":0,"acked":5,"dropped":0}"#[..]),
                Distrust::NotBoundary {
                    acked: 5,
                    generation: 0,
                },
            ),
        ] {
            let d = dir(&format!("corrupt-{name}"));
            let records = two_generations(&d);
            match corrupt {
                Some(bytes) => std::fs::write(d.join("queue.state"), bytes).unwrap(),
                None => std::fs::remove_file(d.join("queue.state")).unwrap(),
            }
            let (mut q, rec) = Queue::open(&d, 1000).unwrap();
            let why = rec
                .rebuilt
                .unwrap_or_else(|| panic!("{name}: not reported"));
            match (&why, &kind) {
                // serde's words vary; the kind is what matters.
                (Distrust::Unreadable(_), Distrust::Unreadable(_)) => {}
                _ => assert_eq!(why, kind, "{name}"),
            }
            // Every record pushed is still there, once, in order (the 10 delivered
            // ones may go again: at least once).
            assert_eq!(q.peek(100).unwrap(), records, "{name}");
            assert_eq!(generations(&d).unwrap(), vec![2], "{name}");
            drop(q);
            let (q, rec) = Queue::open(&d, 1000).unwrap();
            assert_eq!((q.len(), rec.rebuilt), (20, None), "{name}: rebuilt once");
            std::fs::remove_dir_all(&d).ok();
        }
        assert_eq!(
            Distrust::NotBoundary {
                acked: 5,
                generation: 0
            }
            .to_string(),
            "queue.state's acknowledged offset 5 is not a record boundary of queue.0.log"
        );
    }

    #[test]
    fn a_good_state_still_discards_a_leftover_generation() {
        let d = dir("leftover");
        two_generations(&d);
        // The state names generation 0: the compaction into 1 never switched over.
        let (mut q, rec) = Queue::open(&d, 1000).unwrap();
        assert_eq!(rec.rebuilt, None);
        assert_eq!(q.len(), 10);
        assert_eq!(q.peek(1).unwrap(), vec![b"record-10".to_vec()]);
        assert_eq!(generations(&d).unwrap(), vec![0]);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_them() {
        let d = dir("full");
        let (mut q, _) = Queue::open(&d, 3).unwrap();
        for i in 0..5 {
            q.push(format!("r{i}").as_bytes()).unwrap();
        }
        assert_eq!(q.dropped(), 2);
        drop(q);
        let (mut q, _) = Queue::open(&d, 3).unwrap();
        assert_eq!(q.dropped(), 2);
        assert_eq!(
            q.peek(10).unwrap(),
            vec![b"r2".to_vec(), b"r3".to_vec(), b"r4".to_vec()]
        );
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn compaction_keeps_exactly_the_unacknowledged_records() {
        let d = dir("compact");
        let (mut q, _) = Queue::open(&d, 100_000).unwrap();
        let big = vec![b'x'; 1000];
        let mut next_ack = 0;
        for i in 0..1000u32 {
            let mut p = big.clone();
            p.extend_from_slice(&i.to_le_bytes());
            q.push(&p).unwrap();
            if i % 10 == 9 {
                q.ack(8).unwrap();
                next_ack += 8;
            }
        }
        drop(q);
        let (mut q, _) = Queue::open(&d, 100_000).unwrap();
        assert_eq!(q.len(), 1000 - next_ack);
        let first = q.peek(1).unwrap().remove(0);
        assert_eq!(&first[1000..], &(next_ack as u32).to_le_bytes());
        // Compaction happened: the log is far smaller than 1000 frames.
        let logs: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .collect();
        assert_eq!(logs.len(), 1);
        assert!(logs[0].metadata().unwrap().len() < 500 * 1008);
        std::fs::remove_dir_all(&d).ok();
    }
}
