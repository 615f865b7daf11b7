//! In-process timing of one process string on one file, for bench/run.sh:
//! `bench <file> <process> [iterations]` prints `{"median_ms":..,"min_ms":..,"bytes":..}`.
//! `bench <file> decode-1/8` times libjpeg-turbo's bare 1/8-scale DCT decode (the floor of a JPEG
//! thumbnail); `decode-dc-1/8` and `decode-dc2-1/8` time our own 1/8 decoder on one and two threads,
//! `decode-dc-1/4` our 1/4 decoder on one thread; `decode-planes-n/8` (or `-1/1`) our decode to
//! planes at that scale on one thread, `decode-turbo-planes-n/8` libjpeg-turbo's.
//! `versus-1/8` alternates libjpeg-turbo and our decoder (one thread) run by run and prints both
//! medians and the median of the run-by-run ratios, which a noisy machine disturbs least;
//! `versus-1/4` the same at 1/4, `versus2-1/8` and `versus2-1/4` with ours on two threads.

use std::time::Instant;

/// The server's allocator (crates/server/src/main.rs), so these times are what it spends.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cyanotype_imaging::{decode, process, Limits};
use cyanotype_process::{parse, Process};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).expect("input file");
    let what = args[2].clone();
    let iterations: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let limits = Limits::default();
    if let Some(mode) = what.strip_prefix("versus") {
        let (two, denom) = match mode.strip_prefix('2') {
            Some(rest) => (true, rest),
            None => (false, mode),
        };
        let denom = denom.strip_prefix("-1/").and_then(|d| d.parse().ok());
        versus(
            &data,
            denom.expect("versus-1/8 or versus2-1/4"),
            two,
            iterations,
        );
        return;
    }
    let ops = if what.starts_with("decode-") {
        None
    } else {
        match parse(&what).expect("process string") {
            Process::Image(ops) => Some(ops),
            Process::Style(_) => panic!("styles need the server"),
        }
    };
    let run = || -> usize {
        match &ops {
            Some(ops) => process(&data, ops, &limits).expect("process").body.len(),
            None => {
                let b = match what.as_str() {
                    "decode-1/8" => decode::jpeg::decode_turbo(&data, 8).expect("decode").0,
                    "decode-1/4" => decode::jpeg::decode_turbo(&data, 4).expect("decode").0,
                    "decode-dc-1/8" => {
                        decode::jpeg_dc::decode_scaled(&data, 8, false)
                            .expect("taken")
                            .bitmap
                    }
                    "decode-dc2-1/8" => {
                        decode::jpeg_dc::decode_scaled(&data, 8, true)
                            .expect("taken")
                            .bitmap
                    }
                    // Planes at n/8: ours, then libjpeg-turbo's.
                    m if m.starts_with("decode-planes-") => {
                        let n = eighths(m);
                        let p = decode::jpeg_dc::decode_planes(&data, n, false).expect("taken");
                        return p.planes.planes.iter().map(|p| p.data.len()).sum();
                    }
                    m if m.starts_with("decode-turbo-planes-") => {
                        let p = decode::jpeg_planes::decode_planes(&data, eighths(m) as u32)
                            .expect("planes")
                            .expect("decoded");
                        return p.0.planes.iter().map(|p| p.data.len()).sum();
                    }
                    "decode-dc-1/4" => {
                        decode::jpeg_dc::decode_scaled(&data, 4, false)
                            .expect("taken")
                            .bitmap
                    }
                    other => panic!("unknown {other}"),
                };
                b.data.len()
            }
        }
    };
    for _ in 0..2 {
        run();
    }
    let mut times = Vec::with_capacity(iterations);
    let mut bytes = 0;
    for _ in 0..iterations {
        let t = Instant::now();
        bytes = run();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{{\"median_ms\":{:.3},\"min_ms\":{:.3},\"bytes\":{}}}",
        times[times.len() / 2],
        times[0],
        bytes
    );
}

/// libjpeg-turbo's (one thread) and our 1/`denom` decode (`two` threads or one), alternated so both see the same machine.
/// n of a mode's `n/8` (or 8 for `1/1`).
fn eighths(mode: &str) -> usize {
    match mode.rsplit('-').next() {
        Some("1/1") => 8,
        Some(s) => s
            .strip_suffix("/8")
            .and_then(|n| n.parse().ok())
            .expect("n/8"),
        None => unreachable!(),
    }
}

fn versus(data: &[u8], denom: usize, two: bool, iterations: usize) {
    let time = |f: &dyn Fn() -> usize| {
        let t = Instant::now();
        std::hint::black_box(f());
        t.elapsed().as_secs_f64() * 1000.0
    };
    let turbo = || {
        decode::jpeg::decode_turbo(data, denom as u32)
            .expect("decode")
            .0
            .data
            .len()
    };
    let ours = || {
        decode::jpeg_dc::decode_scaled(data, denom, two)
            .expect("taken")
            .bitmap
            .data
            .len()
    };
    let (mut a, mut b, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..iterations + 2 {
        let (ta, tb) = (time(&turbo), time(&ours));
        if i >= 2 {
            a.push(ta);
            b.push(tb);
            ratio.push(tb / ta);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
        v[v.len() / 2]
    };
    println!(
        "{{\"turbo_ms\":{:.3},\"ours_ms\":{:.3},\"ratio\":{:.3}}}",
        median(&mut a),
        median(&mut b),
        median(&mut ratio)
    );
}
