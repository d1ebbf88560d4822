#!/usr/bin/env python3
"""Reference statistics of audio files as ffmpeg decodes them (the layout of
tests/data/audio/ref/*.json): ffmpeg -> f32le, trimmed to the stream's declared
duration_ts (the ffmpeg CLI keeps AAC end padding that the container marks as not
part of the signal), then frame count, RMS, peak, mean and the first 32 samples.

Usage: scripts/audio_ref.py FILE... --out tests/data/audio/ref
"""
import argparse, array, hashlib, json, math, os, subprocess

def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                          "stream=codec_name,sample_fmt,sample_rate,channels,bits_per_sample,"
                          "start_time,duration,duration_ts", "-of", "json", path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["streams"][0]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    for path in a.files:
        info = probe(path)
        ch = int(info["channels"])
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "f32le",
                              "-acodec", "pcm_f32le", "-"], check=True, capture_output=True).stdout
        x = array.array("f"); x.frombytes(raw)
        frames = len(x) // ch
        if "duration_ts" in info and int(info["sample_rate"]) and info.get("codec_name") == "aac":
            frames = min(frames, int(info["duration_ts"]))
        x = x[: frames * ch]
        rms = [math.sqrt(sum(float(v) ** 2 for v in x[c::ch]) / frames) for c in range(ch)]
        peak = [max(abs(float(v)) for v in x[c::ch]) for c in range(ch)]
        mean = [sum(float(v) for v in x[c::ch]) / frames for c in range(ch)]
        ref = {
            "file": os.path.basename(path),
            "file_sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
            "ffprobe": info,
            "decoder": version + " ; ffmpeg -i FILE -map 0:a:0 -f f32le -acodec pcm_f32le - ; trimmed to duration_ts (aac)",
            "sample_rate": int(info["sample_rate"]),
            "channels": ch,
            "frame_count": frames,
            "duration_s": frames / int(info["sample_rate"]),
            "rms_per_channel": rms,
            "peak_abs_per_channel": peak,
            "peak_abs": max(peak),
            "mean_per_channel": mean,
            "first_32_samples_interleaved": [float(v) for v in x[:32]],
        }
        with open(os.path.join(a.out, os.path.basename(path) + ".json"), "w") as f:
            json.dump(ref, f, indent=1)

if __name__ == "__main__":
    main()
