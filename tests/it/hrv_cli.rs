//! `livingfilm hrv` as a person checking recordings would use it: RR files, raw ECG with
//! `--beats`, JSON output, and bad input that is flagged or refused with a location.

use crate::common;

fn hrv(args: &[&str]) -> (bool, String, String) {
    common::livingfilm(&[&["hrv"], args].concat())
}

fn data(rel: &str) -> String {
    common::root()
        .join("tests/data/physio")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn rr_file_json_matches_neurokit2_and_lists_windows() {
    let (ok, out, err) = hrv(&[
        &data("nni/SampleNNISeriesShort.csv"),
        "--format",
        "rr",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("ref/hrv_SampleNNISeriesShort.json")).unwrap(),
    )
    .unwrap();
    // This clean series needs little correction; uncorrected figures equal NeuroKit2's.
    let raw = &v["whole_uncorrected"];
    for (ours, theirs) in [
        ("mean_nn_ms", "MeanNN"),
        ("sdnn_ms", "SDNN"),
        ("rmssd_ms", "RMSSD"),
    ] {
        let (a, b) = (
            raw[ours].as_f64().unwrap(),
            refs["neurokit2_hrv_time"][theirs].as_f64().unwrap(),
        );
        assert!((a - b).abs() / b < 1e-9, "{ours}: {a} vs {b}");
    }
    assert_eq!(v["format"], "rr");
    assert!(
        v["windows"].as_array().unwrap().len() >= 9,
        "one row per 30 s"
    );
    let w = &v["windows"][3];
    assert!(w["w60"]["n"].as_u64().unwrap() > w["w10"]["n"].as_u64().unwrap());
    for key in ["ectopic", "missed", "extra", "long_short"] {
        assert!(v["corrected"][key].is_u64(), "{key}");
    }
    assert!(["good", "fair", "poor"].contains(&v["quality"]["verdict"].as_str().unwrap()));
}

#[test]
fn raw_ecg_writes_beats_and_tables_read_well() {
    let beats = common::out_dir("hrv_cli").join("beats.csv");
    let (ok, out, err) = hrv(&[
        &data("ecg/pyhrv_SampleECG.txt"),
        "--format",
        "ecg",
        "--rate",
        "1000",
        "--beats",
        beats.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("MeanNN ms") && out.contains("corrected beats:"),
        "{out}"
    );
    let text = std::fs::read_to_string(&beats).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "sample,t_s");
    // 29 R-peaks per NeuroKit2 on this strip.
    assert!(
        (27..=31).contains(&(rows.len() - 1)),
        "{} beats",
        rows.len() - 1
    );
}

#[test]
fn bad_input_is_flagged_or_refused_with_a_location() {
    let dir = common::out_dir("hrv_cli_bad");
    let rr = dir.join("rr.txt");
    let mut body = String::from("rr_ms\n");
    for k in 0..60 {
        body += &format!("{}\n", 800 + (k % 5) * 10);
    }
    body += "NaN\n9000\nabc\n";
    std::fs::write(&rr, body).unwrap();
    let (ok, out, err) = hrv(&[rr.to_str().unwrap(), "--format", "rr"]);
    assert!(ok, "{err}");
    assert!(out.contains("3 line(s) left out"), "{out}");
    assert!(out.contains("line 63") && out.contains("line 64"), "{out}");

    let bin = dir.join("not_text.csv");
    std::fs::write(&bin, [0xffu8, 0xfe, 0x00, 0x12]).unwrap();
    let (ok, _, err) = hrv(&[bin.to_str().unwrap()]);
    assert!(!ok && err.contains("not_text.csv"), "{err}");

    let (ok, _, err) = hrv(&[rr.to_str().unwrap(), "--format", "ecg"]);
    assert!(!ok && err.contains("--rate"), "{err}");
}
