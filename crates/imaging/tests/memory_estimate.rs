//! The memory an image reserves before it is processed (`memory::estimate`): every frame's pixels,
//! a JPEG's coefficients when it comes in several scans, and the images its watermarks name.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cyanotype_imaging::{decode, memory, ops, process_with, DirObjects, Limits};
use cyanotype_process::b64;

fn estimate(path: &str) -> (u64, u64) {
    let data = std::fs::read(common::testdata().join(path)).unwrap();
    let p = decode::probe(&data).unwrap();
    let pixels = p.width as u64 * p.height as u64 * p.frames as u64;
    (memory::estimate(&data, &p), pixels)
}

#[test]
fn frames_and_progressive_coefficients_are_counted() {
    // Baseline JPEG, PNG: 8 bytes a pixel.
    let (e, px) = estimate("oss/example.jpg");
    assert_eq!(e, px * 8);
    // Progressive: 6 more for the coefficients kept until the last scan.
    let (e, px) = estimate("jpeg/variants/pillow_app13_progressive.jpg");
    assert_eq!(e, px * 14);
    // An animation: every frame.
    let (e, px) = estimate("gif/pillow_chi_animated.gif");
    let data = std::fs::read(common::testdata().join("gif/pillow_chi_animated.gif")).unwrap();
    assert!(decode::probe(&data).unwrap().frames > 1);
    assert_eq!(e, px * 8);
}

/// An 8x8 mid-grey Y'CbCr baseline JPEG whose three components come in scans of their own: every
/// block's DC difference and AC run end share the one 1-bit code `0` of each table.
fn baseline_in_three_scans() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend([1u8; 64]);
    j.extend([0xFF, 0xC0, 0x00, 0x11, 8, 0, 8, 0, 8, 3]);
    for c in 1..=3 {
        j.extend([c, 0x11, 0]);
    }
    for class in [0x00, 0x10] {
        // One code of length 1, for symbol 0 (DC: difference 0; AC: end of block).
        j.extend([0xFF, 0xC4, 0x00, 0x14, class, 1]);
        j.extend([0u8; 15]);
        j.push(0);
    }
    for c in 1..=3 {
        j.extend([0xFF, 0xDA, 0x00, 0x08, 1, c, 0x00, 0, 63, 0]);
        // "0" (DC) "0" (EOB), padded with ones.
        j.push(0b0011_1111);
    }
    j.extend([0xFF, 0xD9]);
    j
}

#[test]
fn a_baseline_jpeg_in_several_scans_counts_its_coefficients() {
    let data = baseline_in_three_scans();
    let p = decode::probe(&data).unwrap();
    assert_eq!((p.width, p.height), (8, 8));
    // A real file: libjpeg-turbo decodes it to mid-grey.
    let b = common::decode_rgba(&data);
    assert!(
        b.data.chunks_exact(4).all(|px| px == [128, 128, 128, 255]),
        "{:?}",
        &b.data[..8]
    );
    assert_eq!(memory::estimate(&data, &p), 64 * 14);
}

/// Processes `ops` on a 16x16 PNG (2 KB reserved for it) on a thread of its own, which flags when
/// it is done.
fn process_on_a_thread(ops: String) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let thread = std::thread::spawn(move || {
        let data = common::read("watermark/pillow_hopper_mask_16x16.png");
        let objects = DirObjects(common::testdata());
        let limits = Limits::default();
        let env = common::env_with_objects(&limits, &objects);
        process_with(&data, &common::ops(&ops), &env).unwrap_or_else(|e| panic!("{ops}: {e}"));
        flag.store(true, Ordering::SeqCst);
    });
    (done, thread)
}

/// Waits until `n` reservations are waiting: the thread is blocked in `reserve`, not merely late.
fn until_waiting(n: u64) {
    let start = std::time::Instant::now();
    while memory::waiting() != n {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} waiting, not {n}",
            memory::waiting()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

// The only test of this file that processes an image, so it owns the process-wide budget.
#[test]
fn watermarks_and_enlargements_are_reserved_with_the_source() {
    memory::set_budget(1_000_000);
    // 10 KB left: enough for the 2 KB source alone.
    let held = memory::reserve(990_000, None).expect("no flag");
    let (_, alone) = process_on_a_thread("image/resize,w_8".into());
    alone.join().unwrap();
    // With the 400x267 JPEG as its watermark (854 KB more), it waits for room.
    let key = b64::encode("oss/example.jpg");
    let (done, marked) = process_on_a_thread(format!("image/watermark,image_{key}"));
    until_waiting(1);
    assert!(!done.load(Ordering::SeqCst));
    drop(held);
    marked.join().unwrap();
    // Enlarged to 100x100 (39 KB more than the source's 16x16), likewise.
    let held = memory::reserve(990_000, None).expect("no flag");
    let (done, enlarged) = process_on_a_thread("image/resize,w_100,h_100,m_fixed,limit_0".into());
    until_waiting(1);
    assert!(!done.load(Ordering::SeqCst));
    drop(held);
    enlarged.join().unwrap();
    // Encoded as AVIF (80 bytes an output pixel: 20 KB for 16x16), likewise; as WebP it fits.
    let held = memory::reserve(990_000, None).expect("no flag");
    let (_, webp) = process_on_a_thread("image/format,webp".into());
    webp.join().unwrap();
    let (done, avif) = process_on_a_thread("image/format,avif".into());
    until_waiting(1);
    assert!(!done.load(Ordering::SeqCst));
    drop(held);
    avif.join().unwrap();
    memory::set_budget(0);
}

/// What a chain adds: outputs larger than the source (every frame of an enlarged animation), a
/// larger frame along the way, a blur's extra image where it runs, a watermark's layer and its copy;
/// a chain that shrinks adds nothing.
#[test]
fn actions_count_what_they_make_beyond_the_source() {
    let data = common::read("webp/imagers_anim_rgba.webp");
    let p = decode::probe(&data).unwrap();
    assert_eq!((p.width, p.height, p.frames), (200, 200, 6));
    let add = |process: &str, frames: u32| {
        let chain = common::ops(process);
        let chain: Vec<_> = chain.iter().collect();
        let sizes = ops::output_size((200, 200), &chain, false, &Limits::default()).unwrap();
        memory::estimate_actions(&p, &sizes, frames)
    };
    assert_eq!(add("image/resize,w_100", 6), 0);
    let (big, small) = (1_000_000u64, 40_000u64);
    // Six frames of 1000x1000 against six of 200x200; the output is the largest frame.
    assert_eq!(
        add("image/resize,w_1000,h_1000,m_fixed,limit_0", 6),
        4 * 6 * (big - small)
    );
    // Enlarged, blurred there, then shrunk to a still: the large frame and the next action's
    // result, and the blur's extra image at its size.
    assert_eq!(
        add(
            "image/resize,w_1000,h_1000,m_fixed,limit_0/blur,r_3,s_2/resize,w_10",
            1
        ),
        4 * (2 * (big - small) + big)
    );
    // A blur after the shrink counts at the shrunk size; a watermark, its layer and copy.
    assert_eq!(add("image/resize,w_100/sharpen,100", 1), 4 * 10_000);
    assert_eq!(add("image/watermark,text_YQ", 1), 4 * 2 * small);
}

/// rav1e holds many times the image it encodes (see `estimate_encoding`); the other encoders are
/// counted with the pixels.
#[test]
fn an_avif_encode_is_counted_by_its_output() {
    use cyanotype_process::Format;
    assert_eq!(
        memory::estimate_encoding(Format::Avif, (4096, 4096)),
        80 * 4096 * 4096
    );
    for f in [Format::Jpg, Format::Png, Format::Webp, Format::Gif] {
        assert_eq!(memory::estimate_encoding(f, (4096, 4096)), 0, "{f}");
    }
}
