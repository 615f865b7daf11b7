//! Hostile uploads: files of every format, damaged in many ways (bytes flipped, runs overwritten,
//! cut short, bytes inserted, pieces repeated), through process strings that reach every decoder
//! path we wrote ourselves (our 1/8 and 1/4 JPEG decoders, the planes path, windowed and region
//! decodes, the encoder's statistics pass) and libjpeg-turbo's and image-rs's. Each call must give
//! an image or a clean OSS error: never a panic, a crash or a hang.
//!
//! The damage is seeded, so a failure names a mutation that reproduces it. The sources' limits are
//! lowered to 4 MP (see `limits`): a flipped byte in a JPEG's size can claim a picture of hundreds of
//! megapixels, which is legal and then decoded for real, too slow for thousands of calls here;
//! `claimed_size_far_beyond_the_data` covers that case under the default limits.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use common::{ops, read};
use cyanotype_imaging::{process, Limits};
use cyanotype_process::Code;

/// Small sources of every kind the decoders treat differently.
fn sources() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = [
        "oss/example.jpg", // baseline 4:2:0: our 1/8 and 1/4 decoders, planes
        "jpeg/variants/pillow_app13_progressive.jpg", // progressive
        "jpeg/variants/hopper_grayscale.jpg",
        "jpeg/variants/pillow_sample_cmyk.jpg",
        "jpeg/variants/pillow_flower2_icc.jpg",
        "png/pillow_pil123rgba_interlaced.png",
        "png/pillow_pil123p_palette.png",
        "gif/pillow_dispose_prev_animated.gif",
        "gif/hopper_static.gif",
        "webp/imagers_lossy_alpha.webp",
        "webp/imagers_anim_rgba.webp",
        "webp/hopper_lossy.webp",
        "bmp/hopper_24bit.bmp",
        "tiff/hopper_lzw.tif",
    ]
    .iter()
    .map(|f| (f.to_string(), read(f)))
    .collect();
    let restart =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg_dc/restart_blocks_444.jpg");
    out.push((
        "restart_blocks_444.jpg".into(),
        std::fs::read(restart).unwrap(),
    ));
    out
}

/// One of each kind of work: shrink-on-load at 1/8, 1/4 and 1/2 (to JPEG: the planes path; to
/// PNG: bitmaps), a fill (windowed decode), a crop (region decode), the whole-picture operations,
/// the descriptions, and re-encoding to every output format.
const PROCESSES: &[&str] = &[
    "image/resize,w_25",
    "image/resize,w_50/quality,q_90",
    "image/resize,w_100",
    "image/resize,m_fill,w_30,h_30",
    "image/resize,w_40/format,png",
    "image/crop,x_10,y_10,w_50,h_50",
    "image/rotate,90/format,webp",
    "image/blur,r_3,s_2",
    "image/auto-orient,1/circle,r_20/format,gif",
    "image/bright,50/contrast,-50/sharpen,100/rounded-corners,r_10",
    "image/indexcrop,x_20,i_1",
    "image/info",
    "image/average-hue",
];

fn limits() -> Limits {
    Limits {
        max_source_pixels: 4_000_000,
        max_source_side: 4_000,
        ..Limits::default()
    }
}

/// xorshift32: reproducible damage without a dependency.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as usize
    }
    fn below(&mut self, n: usize) -> usize {
        self.next() % n.max(1)
    }
}

/// Mutation `kind` of `data`.
fn mutate(data: &[u8], kind: usize, rng: &mut Rng) -> Vec<u8> {
    let mut d = data.to_vec();
    let n = d.len();
    match kind % 5 {
        // A few bytes flipped anywhere, headers included.
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(n);
                d[at] ^= 1 + rng.below(255) as u8;
            }
        }
        // A run overwritten with zeros, 0xFF (markers in a JPEG scan) or noise.
        1 => {
            let at = rng.below(n);
            let len = (1 + rng.below(64)).min(n - at);
            let fill = rng.below(3);
            for b in &mut d[at..at + len] {
                *b = match fill {
                    0 => 0,
                    1 => 0xFF,
                    _ => rng.below(256) as u8,
                };
            }
        }
        // Cut short.
        2 => d.truncate(rng.below(n)),
        // Bytes inserted.
        3 => {
            let at = rng.below(n);
            let extra: Vec<u8> = (0..1 + rng.below(32))
                .map(|_| rng.below(256) as u8)
                .collect();
            d.splice(at..at, extra);
        }
        // A piece repeated somewhere else (chunks, frames, segments out of order).
        _ => {
            let from = rng.below(n);
            let len = (1 + rng.below(512)).min(n - from);
            let piece = d[from..from + len].to_vec();
            let at = rng.below(n);
            d.splice(at..at, piece);
        }
    }
    d
}

/// What went wrong with one call, if anything.
fn check(data: &[u8], process_string: &str, limits: &Limits) -> Option<String> {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        process(data, &ops(process_string), limits)
    }));
    // A guard against hangs, far above any legitimate time for these sizes (not a benchmark).
    let secs = start.elapsed().as_secs_f64();
    if secs > 20.0 {
        return Some(format!("took {secs:.1} s"));
    }
    match result {
        Err(_) => Some("PANIC".into()),
        Ok(Ok(out)) if out.body.is_empty() => Some("an empty body".into()),
        Ok(Ok(_)) => None,
        Ok(Err(e)) => {
            let clean = matches!(
                e.code,
                Code::ImageDamage | Code::ImageTooLarge | Code::BadRequest | Code::InvalidArgument
            ) && !e.message.is_empty();
            (!clean).then(|| format!("unclean error {e:?}"))
        }
    }
}

#[test]
fn damaged_files_give_an_image_or_a_clean_error() {
    let limits = limits();
    let mut problems = Vec::new();
    let (mut calls, mut images) = (0, 0);
    for (name, data) in sources() {
        // Every source is sound to begin with.
        for p in PROCESSES {
            assert_eq!(check(&data, p, &limits), None, "{name} {p}");
        }
        let mut rng = Rng(0x2545_f491 ^ data.len() as u32);
        for m in 0..40 {
            let bad = mutate(&data, m, &mut rng);
            for p in PROCESSES {
                calls += 1;
                match check(&bad, p, &limits) {
                    Some(why) => problems.push(format!("{name} mutation {m}, {p}: {why}")),
                    None => {
                        images += process(&bad, &ops(p), &limits).is_ok() as usize;
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {calls} calls:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Much of the damage is survivable (a flipped bit in pixel data): both outcomes are exercised.
    assert!(
        images > calls / 10 && images < calls * 9 / 10,
        "{images} of {calls} calls gave an image"
    );
}

/// A JPEG whose frame header claims far more pixels than its data holds, under the default limits.
#[test]
fn claimed_size_far_beyond_the_data() {
    let data = read("oss/example.jpg");
    let sof = (0..data.len() - 1)
        .find(|&i| data[i] == 0xFF && data[i + 1] == 0xC0)
        .expect("a baseline frame header");
    for (w, h) in [(15_000u16, 15_000u16), (30_000, 8_000), (65_000, 65_000)] {
        let mut big = data.clone();
        big[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
        big[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
        for p in ["image/resize,w_100", "image/info", "image/crop,w_10,h_10"] {
            assert_eq!(check(&big, p, &Limits::default()), None, "{w}x{h} {p}");
        }
    }
}
