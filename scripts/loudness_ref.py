#!/usr/bin/env python3
"""Loudness references for tests/it/loudness.rs: ffmpeg's `ebur128` filter figures for the
files in tests/data/audio/loudness/ (and a third-party file already in tests/data/audio),
written to tests/data/audio/loudness/ffmpeg.json.

  --make-synthetic   (re)writes intersample.wav: 1.5 s, 48 kHz stereo 16-bit. Left: a
                     quarter-rate sine at 45 degrees (samples at 0.354, true peak 0.5:
                     -9.0 dBFS sample peak, -6.0 dBTP). Right: a 997 Hz sine at 0.25 for
                     0.75 s, then at 0.1 (a level change for the gating).
  --mix WAV START    cuts limited_mix.wav: 2.5 s of a livingfilm mix.wav from START s
                     (tests/it/loudness.rs's hot film: `livingfilm play FILM --audio headless`).

For each file, ffmpeg is run twice:
  ffmpeg -nostats -i FILE -filter_complex ebur128=peak=true+sample -f null -
      -> the summary's I (LUFS), LRA (LU), sample peak (dBFS) and true peak (dBTP), 0.1 steps
  ffmpeg -nostats -i FILE -af ebur128=metadata=1,ametadata=print:key=lavfi.r128.I -f null -
      -> the last lavfi.r128.I: the integrated loudness to 0.001 LU
"""
import argparse, json, math, re, struct, subprocess, wave

ROOT = "tests/data/audio/loudness"
THIRD_PARTY = ["tests/data/audio/rodio_music.flac"]


def write_synthetic(path):
    rate, frames = 48_000, 72_000
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        data = bytearray()
        for i in range(frames):
            left = 0.5 * math.sin(math.pi / 2 * i + math.pi / 4)
            amp = 0.25 if i < frames // 2 else 0.1
            right = amp * math.sin(2 * math.pi * 997 * i / rate)
            for s in (left, right):
                data += struct.pack("<h", round(s * 32767))
        w.writeframes(bytes(data))


def cut_mix(src, start, path):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", str(start), "-t", "2.5", "-i", src,
                    "-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact",
                    "-flags:a", "+bitexact", path], check=True)


def figures(path):
    err = subprocess.run(["ffmpeg", "-nostats", "-i", path, "-filter_complex",
                          "ebur128=peak=true+sample", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    num = lambda pat: float(re.search(pat, summary, re.S).group(1))
    meta = subprocess.run(["ffmpeg", "-nostats", "-i", path, "-af",
                           "ebur128=metadata=1,ametadata=print:key=lavfi.r128.I", "-f", "null", "-"],
                          capture_output=True, text=True, check=True).stderr
    i_fine = float(re.findall(r"lavfi\.r128\.I=(-?[\d.]+)", meta)[-1])
    return {
        "file": path,
        "integrated_lufs": i_fine,
        "integrated_lufs_summary": num(r"I:\s+(-?[\d.]+) LUFS"),
        "loudness_range_lu": num(r"LRA:\s+(-?[\d.]+) LU"),
        "sample_peak_dbfs": num(r"Sample peak:\s+Peak:\s+(-?[\d.]+) dBFS"),
        "true_peak_dbtp": num(r"True peak:\s+Peak:\s+(-?[\d.]+) dBFS"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make-synthetic", action="store_true")
    ap.add_argument("--mix", nargs=2, metavar=("WAV", "START"))
    a = ap.parse_args()
    if a.make_synthetic:
        write_synthetic(f"{ROOT}/intersample.wav")
    if a.mix:
        cut_mix(a.mix[0], a.mix[1], f"{ROOT}/limited_mix.wav")
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    files = [f"{ROOT}/intersample.wav", f"{ROOT}/limited_mix.wav"] + THIRD_PARTY
    out = {"ffmpeg": version, "figures": [figures(f) for f in files]}
    # The synthetic file's true peak is known exactly: the quarter-rate sine's amplitude
    # (0.5, written as 16-bit at 32767 per 1.0, read back at 32768 per 1.0). ffmpeg 5.1
    # reads it 0.6 dB high (its swresample upsampler rings on a tone at a quarter of the
    # rate), so the test compares ours with the exact figure there.
    out["figures"][0]["true_peak_exact_dbtp"] = round(20 * math.log10(0.5 * 32767 / 32768), 3)
    with open(f"{ROOT}/ffmpeg.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
