#!/usr/bin/env python3
"""The adversarial pass's hostile films and pictures, made small and played: for each
livingfilm binary given, every case's exit, wall time and peak RSS (VmHWM, polled), and
the first error line. Makes its inputs under target/hostile-cases/ (about 250 MB, most
of it the million-segment manifest). Nothing here touches the network.

  python3 scripts/hostile_cases.py target/release/livingfilm [OTHER_BINARY ...]

Cases: an hour of FLAC silence as a stinger (188 KB), stems declared at 1 Hz and at
268,435,455 Hz, `lut = "/dev/zero"`, a LUT that is a FIFO, `lut = "../../../../../../etc/passwd"`,
manifests with a million and with 20,000 segments, and 11000x11000 PNGs (8- and 16-bit),
each through `play` (and `check`, `grade`). A case still running after 30 s is stopped
(SIGTERM, then SIGKILL 5 s later).
"""
import os, shutil, signal, struct, subprocess, sys, time, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "hostile-cases")
DEMO = os.path.join(ROOT, "assets", "demo")
TIMEOUT_S = 30


def crc8(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c


def crc16(b):
    c = 0
    for x in b:
        c ^= x << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def utf8_number(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | (n >> 6), 0x80 | (n & 0x3F)])
    return bytes([0xE0 | (n >> 12), 0x80 | ((n >> 6) & 0x3F), 0x80 | (n & 0x3F)])


def silent_flac(seconds, rate=48000, block=16384):
    """Stereo 16-bit digital silence in CONSTANT subframes; length left unknown."""
    total = seconds * rate
    out = bytearray(b"fLaC" + bytes([0x80, 0, 0, 34]))
    out += struct.pack(">HH", block, block) + bytes(6)
    out += struct.pack(">Q", (rate << 44) | (1 << 41) | (15 << 36)) + bytes(16)
    n = 0
    while n * block < total:
        start = len(out)
        out += bytes([0xFF, 0xF8, 0x70, 0x18]) + utf8_number(n)
        out += struct.pack(">H", min(block, total - n * block) - 1)
        out.append(crc8(out[start:]))
        out += bytes(6)
        out += struct.pack(">H", crc16(out[start:]))
        n += 1
    return bytes(out)


def wav_at(rate, frames):
    data = frames * 2
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate, (rate * 2) & 0xFFFFFFFF, 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", data) + bytes(data)


def png(size, depth, channels=3):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    z = zlib.compressobj(9)
    row = b"\x00" + bytes(size * channels * depth // 8)
    idat = b"".join(z.compress(row) for _ in range(size)) + z.flush()
    ihdr = struct.pack(">II", size, size) + bytes([depth, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def film(name):
    d = os.path.join(WORK, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(DEMO, d)
    return d


def edit(d, old, new):
    p = os.path.join(d, "film.toml")
    t = open(p).read()
    assert old in t, old
    open(p, "w").write(t.replace(old, new, 1))


def make():
    os.makedirs(WORK, exist_ok=True)
    open(os.path.join(film("stinger-1h"), "audio/hit.wav"), "wb").write(silent_flac(3600))
    open(os.path.join(film("stem-1hz"), "audio/pad.wav"), "wb").write(wav_at(1, 222))
    open(os.path.join(film("stem-268mhz"), "audio/pad.wav"), "wb").write(wav_at(268435455, 222))
    edit(film("lut-dev-zero"), 'lut = "luts/tension.cube"', 'lut = "/dev/zero"')
    d = film("lut-fifo")
    os.remove(os.path.join(d, "luts/tension.cube"))
    os.mkfifo(os.path.join(d, "luts/tension.cube"))
    edit(film("lut-passwd"), 'lut = "luts/tension.cube"', 'lut = "../../../../../../etc/passwd"')
    head = open(os.path.join(DEMO, "film.toml")).read()
    head = head[: head.index("[[segments]]")]
    one = ('[[segments]]\nid="s{}"\ntarget_tension=0.5\n[[segments.variants]]\nid="v"\n'
           'scene="scenes/garden.lfscene"\nduration_s=1\nintensity=0.5\n'
           'camera={{radius=2,height=1,from_deg=0,to_deg=1,fov_deg=50}}\nfog=[0,0]\nexposure=1\nlight=[1,1,1]\n')
    for name, n in [("segments-1e6", 1_000_000), ("segments-20k", 20_000)]:
        with open(os.path.join(film(name), "film.toml"), "w") as f:
            f.write(head)
            for k in range(n):
                f.write(one.format(k))
    open(os.path.join(WORK, "huge-16bit.png"), "wb").write(png(11000, 16))
    open(os.path.join(WORK, "huge-8bit.png"), "wb").write(png(11000, 8))


def measure(cmd, log):
    # A scratch home and cache: an older binary's onnxruntime telemetry (issue 35) lands
    # there, not in the user's home, and is switched off for binaries that honour it.
    home = os.path.join(WORK, "home")
    env = dict(os.environ, HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"),
               XDG_DATA_HOME=os.path.join(home, ".local/share"), ORT_DISABLE_TELEMETRY="1")
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    peak, killed = 0, False
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        if time.time() - t0 > TIMEOUT_S:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            killed = True
        time.sleep(0.02)
    msg = next((l.strip()[:110] for l in open(log, errors="replace") if "error" in l), "")
    state = f"stopped at {TIMEOUT_S} s" if killed else f"exit {p.returncode}"
    return f"{state} | {time.time() - t0:.1f} s | {peak // 1024} MB | {msg}"


def main():
    make()
    play = ["-b", "sim:calm", "--model", "models/tension.onnx", "--audio", "headless",
            "--width", "96", "--height", "54", "--render", "cpu", "-q", "-o"]
    films = ["stinger-1h", "stem-1hz", "stem-268mhz", "lut-dev-zero", "lut-fifo", "lut-passwd",
             "segments-1e6", "segments-20k"]
    print("| binary | case | outcome | time | peak RSS | first error |")
    print("|---|---|---|---|---|---|")
    for b, binary in enumerate(sys.argv[1:]):
        cases = [(f"play {f}", ["play", os.path.join(WORK, f)] + play + [os.path.join(WORK, f"out-{b}-{f}")]) for f in films]
        cases += [(f"check {f}", ["check", os.path.join(WORK, f)]) for f in films[:6]]
        cases += [(f"grade {p}", ["grade", os.path.join(WORK, p), "-o", os.path.join(WORK, f"out-{b}.png"), "--temperature", "0.1"])
                  for p in ["huge-8bit.png", "huge-16bit.png"]]
        for name, args in cases:
            log = os.path.join(WORK, f"{b}-{name.replace(' ', '-')}.log")
            print(f"| {binary} | {name} | {measure([binary] + args, log)} |", flush=True)


if __name__ == "__main__":
    main()
