//! `livingfilm listen`: check a live sensor path (a phone/watch bridge on the companion
//! port, or a Bluetooth strap) by printing the features the player would see.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use livingfilm_biometrics::companion::CompanionListener;
use livingfilm_biometrics::{FeatureConfig, FeatureExtractor, SampleSource};

/// Listen to a live biometric source and print, once a second, the features the player
/// would compute (HR, RMSSD, pupil z-score and each confidence) plus accepted/rejected
/// records. Raw readings are never printed or stored.
///
/// The companion stream takes JSON lines such as {"t": 1.5, "hr": 72, "rr": [812],
/// "pupil_mm": 3.4} over UDP and TCP on the same port (see README "Biometric sources").
///
/// Examples:
///   livingfilm listen --addr 127.0.0.1:7878 --seconds 60
///   livingfilm listen --ble "Polar"        (built with --features ble)
#[derive(clap::Args)]
pub struct ListenArgs {
    /// Companion port to bind (UDP and TCP); loopback by default, for privacy.
    #[arg(long, default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
    /// Stop after this many seconds (0 = until interrupted).
    #[arg(long, default_value_t = 0)]
    seconds: u64,
    /// Use a Bluetooth LE heart-rate sensor whose name contains this text instead
    /// ("" = any); needs a build with `--features ble`.
    #[arg(long, value_name = "NAME")]
    ble: Option<String>,
}

/// Runs the command.
pub fn run(a: ListenArgs) -> anyhow::Result<()> {
    let mut source: Box<dyn SampleSource> = match &a.ble {
        #[cfg(feature = "ble")]
        Some(name) => Box::new(livingfilm_biometrics::ble_live::BleHeartRateSource::start(
            name, 0.0,
        )),
        #[cfg(not(feature = "ble"))]
        Some(_) => {
            anyhow::bail!("this build has no Bluetooth support: rebuild with --features ble")
        }
        None => {
            let l = CompanionListener::bind(a.addr, 0.0)
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", a.addr))?;
            eprintln!("listening on udp {} and tcp {}", l.udp_addr, l.tcp_addr);
            Box::new(l)
        }
    };
    eprintln!("source: {}", source.describe());
    let mut fx = FeatureExtractor::new(FeatureConfig::default());
    let mut batch = Vec::new();
    let start = Instant::now();
    println!(" t s   HR bpm  RMSSD ms  conf  pupil z  conf  rejected beats");
    for k in 1u64.. {
        let due = start + Duration::from_secs(k);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let t = start.elapsed().as_secs_f64();
        source.poll(t, &mut batch);
        batch.drain(..).for_each(|s| fx.push(s));
        let f = fx.features_at(t);
        println!(
            "{t:5.0} {:8.1} {:9.1} {:5.2} {:8.2} {:5.2} {:>6}",
            f.hr_bpm, f.rmssd_ms, f.quality, f.pupil_z, f.pupil_confidence, f.rejected_beats
        );
        if a.seconds > 0 && k >= a.seconds {
            break;
        }
    }
    eprintln!("source: {}", source.describe());
    Ok(())
}
