//! Real audio through cpal into ALSA's file plugin (a hermetic ALSA configuration).
#![cfg(all(feature = "audio-device", target_os = "linux"))]

use crate::common;

use std::process::Command;

use common::*;

#[test]
fn device_playback_reaches_the_alsa_sink() {
    let o = out_dir("alsa_device");
    let sink = o.join("alsa-sink.wav");
    let conf = o.join("asound.conf");
    std::fs::write(
        &conf,
        format!(
            "pcm.!default {{ type plug slave {{ pcm \"lfsink\" format S16_LE rate 48000 channels 2 }} }}\n\
             pcm.lfsink {{ type file slave {{ pcm \"lfnull\" }} file \"{}\" format \"wav\" }}\n\
             pcm.lfnull {{ type null }}\n",
            sink.display()
        ),
    )
    .unwrap();
    gpu_env();
    let out = Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args([
            "play",
            "assets/demo",
            "-b",
            "assets/demo/viewers/calm.csv",
            "--audio",
            "device",
            "--width",
            "64",
            "--height",
            "36",
            "-q",
            "-o",
        ])
        .arg(&o)
        .env("ALSA_CONFIG_PATH", &conf)
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("report.json")).unwrap()).unwrap();
    assert!(
        report["audio"]["sink"]
            .as_str()
            .unwrap()
            .starts_with("device"),
        "{}",
        report["audio"]["sink"]
    );

    // The ALSA file sink is not paced: it may also hold silence written on underruns,
    // so compare the mixed frames it received, not its length.
    let mut r = hound::WavReader::open(&sink).unwrap();
    let samples: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
    let frames = report["audio"]["frames"].as_u64().unwrap() as usize;
    assert!(
        samples.len() / 2 >= frames,
        "device got {} frames of {frames}",
        samples.len() / 2
    );
    let loud: Vec<f64> = samples.iter().map(|&s| s as f64 / 32768.0).collect();
    let rms = (loud.iter().map(|s| s * s).sum::<f64>() / (frames * 2) as f64).sqrt();
    let db = 20.0 * rms.log10();
    let want = report["audio"]["rms_dbfs"].as_f64().unwrap();
    assert!(
        (db - want).abs() < 0.5,
        "device RMS {db:.2} dBFS vs mix {want:.2}"
    );
}
