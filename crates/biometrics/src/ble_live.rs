//! Live Bluetooth heart-rate source (feature `ble`): scans for a sensor advertising the
//! Heart Rate service (0x180D), subscribes to Heart Rate Measurement (0x2A37) and feeds
//! the notifications through [`parse_heart_rate`]. A dropped link is retried every few
//! seconds; playback never waits for it (the features' confidence decays meanwhile).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use btleplug::api::bleuuid::uuid_from_u16;
use btleplug::api::{Central, CharPropFlags, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::Manager;
use crossbeam_channel::Sender;
use futures::stream::StreamExt;

use super::ble::{parse_heart_rate, HEART_RATE_MEASUREMENT_UUID16};
use super::source::{Inbox, SampleSource};
use super::Sample;

/// GATT Heart Rate service.
const HEART_RATE_SERVICE_UUID16: u16 = 0x180D;
const RETRY: Duration = Duration::from_secs(3);
const SCAN: Duration = Duration::from_secs(4);

/// Link state and counters, shared with the Bluetooth thread.
#[derive(Debug, Default)]
pub struct BleStatus {
    /// True while subscribed to a sensor.
    pub connected: AtomicBool,
    /// Notifications decoded.
    pub packets: AtomicU64,
    /// Notifications that failed to decode.
    pub bad_packets: AtomicU64,
    /// The last problem (adapter missing, sensor lost, bad packet).
    pub last_error: Mutex<Option<String>>,
}

/// A heart-rate strap or watch over Bluetooth LE.
pub struct BleHeartRateSource {
    /// Link state and counters.
    pub status: Arc<BleStatus>,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BleHeartRateSource {
    /// Starts looking for a sensor whose name contains `name_filter` (any, if empty),
    /// with the viewing at time `viewing_t` now.
    pub fn start(name_filter: &str, viewing_t: f64) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        let status = Arc::new(BleStatus::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp, filter) = (status.clone(), stop.clone(), name_filter.to_owned());
        let started = Instant::now();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return note(&st, format!("cannot start the Bluetooth runtime: {e}")),
            };
            let clock = move || viewing_t + started.elapsed().as_secs_f64();
            while !sp.load(Ordering::Relaxed) {
                if let Err(e) = rt.block_on(session(&filter, &tx, &st, &sp, &clock)) {
                    note(&st, e.to_string());
                }
                st.connected.store(false, Ordering::Relaxed);
                std::thread::sleep(RETRY);
            }
        });
        Self {
            status,
            inbox: Inbox::new(rx),
            stop,
            thread: Some(thread),
        }
    }
}

/// Why one Bluetooth session ended; kept as text in [`BleStatus::last_error`] while
/// the link is retried.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    /// A btleplug call failed; `step` says which.
    #[error("{step}: {err}")]
    Step {
        step: &'static str,
        err: btleplug::Error,
    },
    #[error("no Bluetooth adapter")]
    NoAdapter,
    #[error("no heart-rate sensor in range")]
    NoSensor,
    #[error("sensor has no Heart Rate Measurement characteristic")]
    NoMeasurement,
    #[error("sensor disconnected")]
    Disconnected,
}

/// Names the step a btleplug error comes from.
fn e(step: &'static str) -> impl Fn(btleplug::Error) -> LinkError {
    move |err| LinkError::Step { step, err }
}

fn note(status: &BleStatus, e: String) {
    *status.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
}

/// One scan → connect → subscribe → notifications cycle; returns when the link drops.
async fn session(
    filter: &str,
    tx: &Sender<Sample>,
    status: &BleStatus,
    stop: &AtomicBool,
    clock: &impl Fn() -> f64,
) -> Result<(), LinkError> {
    let manager = Manager::new().await.map_err(e("Bluetooth unavailable"))?;
    let adapter = manager
        .adapters()
        .await
        .map_err(e("no Bluetooth adapter"))?
        .into_iter()
        .next()
        .ok_or(LinkError::NoAdapter)?;
    let service = uuid_from_u16(HEART_RATE_SERVICE_UUID16);
    adapter
        .start_scan(ScanFilter {
            services: vec![service],
        })
        .await
        .map_err(e("scan failed"))?;
    tokio::time::sleep(SCAN).await;
    let mut chosen = None;
    for p in adapter.peripherals().await.map_err(e("scan failed"))? {
        let props = p.properties().await.ok().flatten();
        let name = props
            .as_ref()
            .and_then(|p| p.local_name.clone())
            .unwrap_or_default();
        let offers_hr = props.is_some_and(|p| p.services.contains(&service));
        if offers_hr && name.contains(filter) {
            chosen = Some(p);
            break;
        }
    }
    let _ = adapter.stop_scan().await;
    let p = chosen.ok_or(LinkError::NoSensor)?;
    if !p.is_connected().await.unwrap_or(false) {
        p.connect().await.map_err(e("connect failed"))?;
    }
    p.discover_services()
        .await
        .map_err(e("service discovery failed"))?;
    let hrm = uuid_from_u16(HEART_RATE_MEASUREMENT_UUID16);
    let ch = p
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == hrm && c.properties.contains(CharPropFlags::NOTIFY))
        .ok_or(LinkError::NoMeasurement)?;
    p.subscribe(&ch).await.map_err(e("subscribe failed"))?;
    let mut notes = p.notifications().await.map_err(e("notifications failed"))?;
    status.connected.store(true, Ordering::Relaxed);
    while !stop.load(Ordering::Relaxed) {
        let next = tokio::time::timeout(Duration::from_millis(500), notes.next()).await;
        let Ok(next) = next else { continue }; // quiet: check `stop` and wait again
        let Some(n) = next else {
            return Err(LinkError::Disconnected);
        };
        if n.uuid != hrm {
            continue;
        }
        match parse_heart_rate(&n.value) {
            Ok(m) => {
                status.packets.fetch_add(1, Ordering::Relaxed);
                for s in m.samples(clock()) {
                    let _ = tx.send(s);
                }
            }
            Err(err) => {
                status.bad_packets.fetch_add(1, Ordering::Relaxed);
                note(status, err.to_string());
            }
        }
    }
    let _ = p.disconnect().await;
    Ok(())
}

impl Drop for BleHeartRateSource {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread may be inside a scan or a retry sleep: let it finish on its own
        // rather than blocking the caller for seconds.
        drop(self.thread.take());
    }
}

impl SampleSource for BleHeartRateSource {
    fn poll(&mut self, t: f64, out: &mut Vec<Sample>) -> bool {
        self.inbox.drain_until(t, out);
        true // a live source may always speak again
    }

    fn describe(&self) -> String {
        let state = if self.status.connected.load(Ordering::Relaxed) {
            "connected"
        } else {
            "searching"
        };
        format!("Bluetooth heart-rate sensor ({state})")
    }
}
