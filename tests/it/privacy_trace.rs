//! Privacy proven by syscall trace, including what third-party libraries do on our
//! behalf: a viewing from a fresh home folder, under `strace -f`, opens no socket but the
//! configured uplink's and writes no file outside the output folder, the data folder and
//! the GPU driver's shader cache (docs/privacy.md, "What touches the disk and network").
//!
//! Found this way: onnxruntime 1.31's 1DS telemetry wrote a device ID, an event database
//! and `/tmp/.ses` on every start, before `with_telemetry(false)` could act.

use crate::common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// What a traced viewing did.
struct Trace {
    /// `socket(...)` calls (not `socketpair`, which stays inside the process).
    sockets: Vec<String>,
    /// `connect(...)` calls.
    connects: Vec<String>,
    /// Paths created, written, renamed, linked or removed by calls that succeeded.
    written: Vec<String>,
}

/// The syscalls that change the file system, by the argument positions of their paths.
const WRITERS: [&str; 15] = [
    "open",
    "openat",
    "creat",
    "mkdir",
    "mkdirat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "unlink",
    "unlinkat",
    "truncate",
];

/// Runs `livingfilm args…` under strace with only `env` set (no inherited environment:
/// in particular not `ORT_DISABLE_TELEMETRY`, which the binary must set itself).
fn traced(dir: &Path, env: &[(&str, &Path)], args: &[&str]) -> Trace {
    let log = dir.join("strace.txt");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-s", "4096", "-o"])
        .arg(&log)
        .arg("-e")
        .arg(format!("trace=network,{}", WRITERS.join(",")))
        .arg(env!("CARGO_BIN_EXE_livingfilm"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("strace runs (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&std::fs::read_to_string(&log).unwrap())
}

/// Joins strace's `<unfinished ...>` / `<... resumed>` halves and sorts the calls.
fn parse(text: &str) -> Trace {
    let mut pending: HashMap<&str, String> = HashMap::new();
    let mut calls = Vec::new();
    for line in text.lines() {
        let (pid, rest) = line.split_once(' ').unwrap_or(("", line));
        let rest = rest.trim_start();
        if let Some(head) = rest.strip_suffix("<unfinished ...>") {
            pending.insert(pid, head.to_owned());
        } else if rest.starts_with("<... ") {
            let tail = rest.split_once("resumed>").map_or("", |(_, t)| t);
            calls.push(pending.remove(pid).unwrap_or_default() + tail);
        } else {
            calls.push(rest.to_owned());
        }
    }
    let mut t = Trace {
        sockets: Vec::new(),
        connects: Vec::new(),
        written: Vec::new(),
    };
    for call in calls {
        let name = call.split('(').next().unwrap_or("");
        let failed = call.contains(" = -1 ");
        match name {
            "socket" => t.sockets.push(call),
            "connect" => t.connects.push(call),
            n if WRITERS.contains(&n) && !failed => {
                let writes = !n.starts_with("open")
                    || ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"]
                        .iter()
                        .any(|f| call.contains(f));
                if writes {
                    t.written.extend(quoted(&call));
                }
            }
            _ => {}
        }
    }
    t
}

/// The double-quoted strings of a call (its paths).
fn quoted(call: &str) -> Vec<String> {
    call.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Paths written outside `allowed` folders (relative ones count: their base is unknown).
fn outside(written: &[String], allowed: &[PathBuf]) -> Vec<String> {
    written
        .iter()
        .filter(|p| !allowed.iter().any(|a| Path::new(p.as_str()).starts_with(a)))
        .cloned()
        .collect()
}

struct Fresh {
    dir: PathBuf,
    home: PathBuf,
    cache: PathBuf,
    out: PathBuf,
}

fn fresh(name: &str) -> Fresh {
    let dir = out_dir(name);
    let f = Fresh {
        home: dir.join("home"),
        cache: dir.join("home/.cache"),
        out: dir.join("out"),
        dir,
    };
    // A home as a real one has it: the cache folder exists (Mesa adds its own in it).
    std::fs::create_dir_all(&f.cache).unwrap();
    f
}

/// A short headless viewing of the demo with a simulated viewer and the real model.
fn play_args<'a>(model: &'a str, out: &'a str, demo: &'a str) -> Vec<&'a str> {
    vec![
        "play", demo, "-b", "sim:calm", "--model", model, "--out", out, "--audio", "headless",
        "--width", "96", "--height", "54", "--render", "gpu",
    ]
}

#[test]
fn a_viewing_without_consent_opens_no_socket_and_writes_only_its_outputs() {
    let f = fresh("privacy_trace_default");
    let model = root().join("models/tension.onnx");
    let demo = root().join("assets/demo");
    let out = f.out.display().to_string();
    let t = traced(
        &f.dir,
        &[("HOME", &f.home), ("XDG_CACHE_HOME", &f.cache)],
        &play_args(model.to_str().unwrap(), &out, demo.to_str().unwrap()),
    );
    assert!(t.sockets.is_empty(), "sockets opened: {:#?}", t.sockets);
    assert!(t.connects.is_empty(), "connections made: {:#?}", t.connects);
    // The outputs asked for, and the GPU driver's compiled-shader cache.
    let allowed = [f.out.clone(), f.cache.join("mesa_shader_cache")];
    let stray = outside(&t.written, &allowed);
    assert!(
        stray.is_empty(),
        "written outside the documented folders: {stray:#?}"
    );
    assert!(
        t.written.iter().any(|p| p.ends_with("report.json")),
        "{:#?}",
        t.written
    );
    // Nothing in the home folder beyond the shader cache (no data folder: no consent).
    let mut left = Vec::new();
    walk(&f.home, &mut left);
    left.retain(|p| !p.starts_with(f.cache.join("mesa_shader_cache")));
    assert!(left.is_empty(), "files left in the home folder: {left:#?}");
}

#[test]
fn with_consent_the_only_connection_is_the_configured_uplink() {
    let f = fresh("privacy_trace_consent");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 65536];
        let mut got = Vec::new();
        // Headers and the body arrive in one or two writes; answer once the body ends.
        while !got.ends_with(b"]}") {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        s.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .unwrap();
    });
    let model = root().join("models/tension.onnx");
    let demo = root().join("assets/demo");
    let data = f.dir.join("data");
    let out = f.out.display().to_string();
    let url = format!("http://127.0.0.1:{port}/v1/instructional");
    let mut args = play_args(model.to_str().unwrap(), &out, demo.to_str().unwrap());
    args.extend(["--consent", "--uplink-url", &url]);
    let t = traced(
        &f.dir,
        &[
            ("HOME", &f.home),
            ("XDG_CACHE_HOME", &f.cache),
            ("LIVINGFILM_DATA_DIR", &data),
        ],
        &args,
    );
    server.join().unwrap();
    let to_collector = format!("sin_port=htons({port}), sin_addr=inet_addr(\"127.0.0.1\")");
    assert!(!t.connects.is_empty(), "the uplink never connected");
    for c in &t.connects {
        assert!(
            c.contains(&to_collector),
            "a connection other than the uplink: {c}"
        );
    }
    for s in &t.sockets {
        assert!(
            s.starts_with("socket(AF_INET,"),
            "a socket other than the uplink's: {s}"
        );
    }
    assert_eq!(t.sockets.len(), t.connects.len(), "{:#?}", t.sockets);
    let allowed = [f.out.clone(), data, f.cache.join("mesa_shader_cache")];
    let stray = outside(&t.written, &allowed);
    assert!(
        stray.is_empty(),
        "written outside the documented folders: {stray:#?}"
    );
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}
