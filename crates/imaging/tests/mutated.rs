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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use common::{ops, read};
use cyanotype_imaging::{process, process_with, DirObjects, Env, Limits, ObjectError, Objects};
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
    // HEIC (libde265) and AVIF (dav1d) through libheif, with an alpha plane each.
    let heif = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/heif");
    for name in ["example.heic", "logo_rgba.avif"] {
        out.push((name.into(), std::fs::read(heif.join(name)).unwrap()));
    }
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
    // Far above any legitimate time for these sizes (not a benchmark). It is read after the call
    // returns, so it catches a call that is merely very slow; a call that never returns shows as
    // this test never finishing.
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
        // Every source gives an image to begin with.
        for p in PROCESSES {
            if let Err(e) = process(&data, &ops(p), &limits) {
                panic!("{name} {p}: {e}");
            }
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

/// A JPEG whose frame header claims far more pixels than its data holds, under the default limits:
/// 225 and 240 MP are within them and decoded until the data runs out; 65000 px per side is refused
/// from the header.
#[test]
fn claimed_size_far_beyond_the_data() {
    for (w, h) in [(15_000u16, 15_000u16), (30_000, 8_000), (65_000, 65_000)] {
        let big = claiming(w, h);
        for p in ["image/resize,w_100", "image/info", "image/crop,w_10,h_10"] {
            assert_eq!(check(&big, p, &Limits::default()), None, "{w}x{h} {p}");
        }
        if w > 30_000 {
            continue;
        }
        // The data ends in the first rows: a leading crop of them (decoded alone) is refused as the
        // whole picture is, not given as grey.
        for p in ["image/crop,w_10,h_10", "image/resize,w_100/format,png"] {
            let e = process(&big, &ops(p), &Limits::default()).expect_err(p);
            assert_eq!(e.code, Code::ImageDamage, "{w}x{h} {p}");
            assert!(e.message.contains("premature end"), "{p}: {}", e.message);
        }
    }
}

/// `oss/example.jpg` with its frame header claiming `w` x `h`.
fn claiming(w: u16, h: u16) -> Vec<u8> {
    let mut data = read("oss/example.jpg");
    let sof = (0..data.len() - 1)
        .find(|&i| data[i] == 0xFF && data[i + 1] == 0xC0)
        .expect("a baseline frame header");
    data[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    data[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    data
}

/// What the output's size alone refuses is refused from the header, before any decoding: the
/// 225 MP claim above (whose data would fail to decode) gets the size refusals, not damage.
#[test]
fn refusals_of_the_output_size_come_before_decoding() {
    let big = claiming(15_000, 15_000);
    let refused = |p: &str| process(&big, &ops(p), &Limits::default()).expect_err(p);
    for p in [
        "image/format,png",
        "image/blur,r_50,s_50",
        "image/resize,w_100/resize,w_16000,h_16000,m_fixed,limit_0",
    ] {
        let e = refused(p);
        assert_eq!(e.code, Code::ImageTooLarge, "{p}: {}", e.message);
    }
    let e = refused("image/format,png");
    assert!(e.message.contains("15000x15000"), "{}", e.message);
    let e = refused("image/rotate,90");
    assert_eq!(e.code, Code::BadRequest);
    assert!(e.message.contains("rotation range"), "{}", e.message);
    let e = refused("image/crop,x_20000");
    assert_eq!(e.code, Code::BadRequest);
    assert!(e.message.contains("out of image"), "{}", e.message);
    // A request whose output fits goes on to decode, and meets the damage.
    let e = refused("image/crop,w_4000,h_4000/blur,r_3,s_2");
    assert_eq!(e.code, Code::ImageDamage, "{}", e.message);
}

/// One scan of a progressive JPEG: the components it codes, its band of coefficients and its
/// successive approximation (ah, al).
struct Scan {
    comps: Vec<u8>,
    band: (u8, u8),
    ah: u8,
    al: u8,
}

/// A valid progressive JPEG of a flat `w` x `h` picture, one component (grey) or three (Y'CbCr
/// 4:4:4), in `scans`: every coefficient but DC is zero, so an AC scan is a few bytes of end-of-band
/// runs, and yet each is a pass over every block of its component.
fn progressive(w: u16, h: u16, components: u8, scans: &[Scan]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let segment = |out: &mut Vec<u8>, marker: u8, payload: &[u8]| {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
        out.extend_from_slice(payload);
    };
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&h.to_be_bytes());
    sof.extend_from_slice(&w.to_be_bytes());
    sof.push(components);
    for id in 1..=components {
        sof.extend_from_slice(&[id, 0x11, 0]);
    }
    segment(&mut out, 0xC2, &sof);
    // DC: one symbol (difference category 0), code "0". AC: EOB0..EOB14, 4-bit codes 0000..1110.
    let mut dc = vec![0x00, 1];
    dc.extend_from_slice(&[0; 15]);
    dc.push(0);
    segment(&mut out, 0xC4, &dc);
    let mut ac = vec![0x10, 0, 0, 0, 15];
    ac.extend_from_slice(&[0; 12]);
    ac.extend((0..15).map(|n| n << 4));
    segment(&mut out, 0xC4, &ac);
    let blocks = (w as usize).div_ceil(8) * (h as usize).div_ceil(8);
    // Bits, most significant first, with 0xFF stuffed and the last byte padded with ones.
    let pack = |bits: &[(u32, u32)]| -> Vec<u8> {
        let (mut bytes, mut acc, mut n) = (Vec::new(), 0u32, 0);
        for &(v, len) in bits {
            for i in (0..len).rev() {
                acc = acc << 1 | (v >> i & 1);
                n += 1;
                if n == 8 {
                    bytes.push(acc as u8);
                    if acc == 0xFF {
                        bytes.push(0);
                    }
                    (acc, n) = (0, 0);
                }
            }
        }
        if n > 0 {
            let b = (acc << (8 - n) | (0xFF >> n)) as u8;
            bytes.push(b);
            if b == 0xFF {
                bytes.push(0);
            }
        }
        bytes
    };
    for scan in scans {
        let mut sos = vec![scan.comps.len() as u8];
        for &c in &scan.comps {
            sos.extend_from_slice(&[c + 1, 0x00]);
        }
        sos.extend_from_slice(&[scan.band.0, scan.band.1, scan.ah << 4 | scan.al]);
        segment(&mut out, 0xDA, &sos);
        let data = if scan.band.0 == 0 {
            // Every block of every component in the scan: a difference of 0, one bit.
            pack(&vec![(0, 1); blocks * scan.comps.len()])
        } else {
            // One component, all its coefficients zero: end-of-band runs of up to 32767 blocks.
            let (mut bits, mut left) = (Vec::new(), blocks as u32);
            while left > 0 {
                let run = left.min(32767);
                let n = 31 - run.leading_zeros();
                bits.push((n, 4));
                bits.push((run - (1 << n), n));
                left -= run;
            }
            pack(&bits)
        };
        out.extend_from_slice(&data);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// The scans of a picture of `components`: DC, then each AC coefficient of each component alone
/// at al 1, then the last bit of each component's coefficients in `bands` refinement scans:
/// `1 + components * (63 + bands)` scans.
fn one_by_one(components: u8, bands: u8) -> Vec<Scan> {
    let mut scans = vec![Scan {
        comps: (0..components).collect(),
        band: (0, 0),
        ah: 0,
        al: 0,
    }];
    for c in 0..components {
        for k in 1..64 {
            scans.push(Scan {
                comps: vec![c],
                band: (k, k),
                ah: 0,
                al: 1,
            });
        }
        let mut start = 1u8;
        for b in 0..bands {
            let end = start + (63 - start + 1) / (bands - b) - 1;
            scans.push(Scan {
                comps: vec![c],
                band: (start, end),
                ah: 1,
                al: 0,
            });
            start = end + 1;
        }
    }
    scans
}

/// A progressive JPEG of more than 100 scans is refused when the 101st begins, not decoded scan by
/// scan (each a pass over every block: at 250 MP half a minute of a worker, see
/// `decode::turbo::MAX_SCANS`), by every decode that meets it: the whole picture, the Y'CbCr
/// planes of a JPEG resized to a JPEG, a leading crop's region. One of 100 scans is a picture
/// like any other.
#[test]
fn a_progressive_jpeg_of_more_than_100_scans_is_refused() {
    let grey_100 = progressive(512, 384, 1, &one_by_one(1, 36));
    let grey_101 = progressive(512, 384, 1, &one_by_one(1, 37));
    let colour_193 = progressive(512, 384, 3, &one_by_one(3, 1));
    let refused = |jpeg: &[u8], p: &str| {
        let e = process(jpeg, &ops(p), &Limits::default()).expect_err(p);
        assert_eq!(e.code, Code::ImageDamage, "{p}");
        assert!(
            e.message.contains("more than 100 scans"),
            "{p}: {}",
            e.message
        );
    };
    for p in ["image/resize,w_100/format,png", "image/crop,w_10,h_10"] {
        refused(&grey_101, p);
    }
    for p in [
        "image/resize,w_100",
        "image/crop,w_10,h_10",
        "image/rotate,90",
    ] {
        refused(&colour_193, p);
    }
    let out = process(
        &grey_100,
        &ops("image/resize,w_128/format,png"),
        &Limits::default(),
    )
    .expect("100 scans");
    let px = common::decode_rgba(&out.body);
    assert_eq!((px.width, px.height), (128, 96));
    // Flat: a DC of 0 is level 128 after the inverse DCT's shift.
    assert!(px.data.chunks(4).all(|p| p[..3] == [128, 128, 128]));
}

/// A request whose time is spent (a zero limit) stops at its first stop: before its first action,
/// or before encoding when it has none, on every path (planes, bitmaps, animations); with time
/// left the same requests succeed.
#[test]
fn a_spent_time_limit_stops_the_chain_at_its_next_action() {
    let limits = Limits::default();
    let cases = [
        ("oss/example.jpg", "resize,w_100", "before encoding to jpg."),
        (
            "oss/example.jpg",
            "resize,w_100/blur,r_3,s_2",
            "before the action resize.",
        ),
        ("oss/example.jpg", "format,png", "before encoding to png."),
        (
            "png/pillow_pil123rgba_interlaced.png",
            "rotate,90",
            "before the action rotate.",
        ),
        (
            "gif/pillow_iss634_animated.gif",
            "resize,w_50",
            "before the action resize.",
        ),
    ];
    for (file, process, next) in cases {
        let data = read(file);
        let text = format!("image/{process}");
        let run = |limit| {
            let env = Env {
                time_limit: Some(limit),
                ..Env::basic(&limits)
            };
            process_with(&data, &ops(&text), &env)
        };
        let e = run(std::time::Duration::ZERO).expect_err(&text);
        assert_eq!(e.code, Code::ServiceUnavailable, "{file} {text}: {e}");
        assert!(e.message.ends_with(next), "{file} {text}: {}", e.message);
        assert!(
            run(std::time::Duration::from_secs(3600)).is_ok(),
            "{file} {text}"
        );
    }
}

/// Objects that mark the request abandoned (its client left) at their `at`-th read. A watermark
/// image is read twice: for the memory estimate, before processing starts, and again when its layer
/// is made, mid-chain.
struct LeavingAt<'a> {
    dir: DirObjects,
    at: usize,
    reads: AtomicUsize,
    gone: &'a AtomicBool,
}

impl Objects for LeavingAt<'_> {
    fn get(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        if self.reads.fetch_add(1, Ordering::SeqCst) + 1 == self.at {
            self.gone.store(true, Ordering::SeqCst);
        }
        self.dir.get(key, max_bytes)
    }
}

/// The stop is read between any two steps, not only at the first: after a watermark, inside a
/// watermark image's preprocessing, and between the frames of an animation. Abandoning the request
/// when the watermark layer is made stops it at the very next step; with nobody leaving, the same
/// requests succeed.
#[test]
fn an_abandoned_request_stops_at_its_next_step_mid_chain() {
    let limits = Limits::default();
    let logo = "watermark/pillow_toucan_logo_rgba.png";
    let mark = |key: &str| format!("watermark,image_{}", cyanotype_process::b64::encode(key));
    let cases = [
        // The request's second action, right after the watermark.
        (
            "oss/example.jpg",
            format!("{}/resize,w_100", mark(logo)),
            "before the action resize:",
        ),
        // The watermark image's own first action.
        (
            "oss/example.jpg",
            mark(&format!("{logo}?x-oss-process=image/resize,P_50")),
            "before the watermark image's action resize:",
        ),
        // The second frame: the first frame's resize ran before the watermark was read.
        (
            "gif/pillow_iss634_animated.gif",
            format!("resize,w_200/{}", mark(logo)),
            "before the action resize:",
        ),
        // Nothing after the watermark but the encode.
        (
            "oss/example.jpg",
            format!("{}/format,png", mark(logo)),
            "before encoding to png:",
        ),
    ];
    for (file, process, next) in cases {
        let data = read(file);
        let text = format!("image/{process}");
        let run = |at| {
            let gone = AtomicBool::new(false);
            let objects = LeavingAt {
                dir: DirObjects(common::testdata()),
                at,
                reads: AtomicUsize::new(0),
                gone: &gone,
            };
            let env = Env {
                objects: &objects,
                time_limit: Some(std::time::Duration::from_secs(3600)),
                abandoned: Some(&gone),
                ..Env::basic(&limits)
            };
            let r = process_with(&data, &ops(&text), &env);
            (r, objects.reads.load(Ordering::SeqCst))
        };
        let (r, reads) = run(2);
        let e = r.expect_err(&text);
        assert_eq!(e.code, Code::ServiceUnavailable, "{file} {text}: {e}");
        assert!(e.message.contains(next), "{file} {text}: {}", e.message);
        assert_eq!(reads, 2, "{file} {text}: the layer is made once");
        let (r, _) = run(usize::MAX);
        assert!(r.is_ok(), "{file} {text}: {:?}", r.err());
    }
}
