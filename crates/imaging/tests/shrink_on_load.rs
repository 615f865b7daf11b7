//! A JPEG shrunk on load (decoded at s/8) and then resized gives the picture that resizing its
//! whole decode gives, also for sides whose length times s/8 is not whole: the decoder rounds such
//! a side up, and its last pixel covers only part of a source pixel (`Placement::picture`). Read as
//! a whole pixel it stretched the output by up to a decoded pixel: 997 x 749 to 299 px wide was
//! 29.7 dB against Pillow's resize of the source where the planes path now gives 35.4 (JPEG output
//! at quality 95); the bitmap path to PNG at 1/4, 35.8 against 52.6 dB.
//!
//! Each case runs the pipeline (the planes path for JPEG output, bitmaps for PNG, EXIF
//! orientations, fills, fills of a window) and compares with the source decoded whole and resized
//! (the same Lanczos3, through `resize::apply` of the same plan on the oriented bitmap). The same
//! shrunk decode read the old way, its rounded-up size as the picture, is measured beside it and
//! must be clearly worse: that is the defect this guards against.

mod common;

use common::{decode_rgba, ops, with_orientation};
use cyanotype_imaging::decode;
use cyanotype_imaging::encode::{self, Settings};
use cyanotype_imaging::ops::{orient, resize};
use cyanotype_imaging::{process, Bitmap, Limits};
use cyanotype_process::{Format, Op};

/// A smooth picture with detail at several angles (periods of 60 to 170 px, well above the output's
/// sample spacing at the smallest scale here), so that a shift of part of an output pixel shows
/// and the two decodes' own differences do not.
fn picture(w: u32, h: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (x, y) = (x as f64, y as f64);
            let a = 128.0 + 70.0 * (x / 11.0 + y / 27.0).sin() + 40.0 * (y / 14.0).cos();
            let b = 128.0 + 90.0 * (x / 19.0 - y / 13.0).sin();
            let c = 128.0 + 100.0 * ((x + y) / 24.0).cos();
            data.extend_from_slice(&[a, b, c].map(|v| v.clamp(0.0, 255.0) as u8));
        }
    }
    let settings = Settings {
        format: Format::Jpg,
        quality: 95,
        progressive: false,
        webp_lossless: false,
    };
    encode::encode(Bitmap::new(w, h, 3, data), &settings).unwrap()
}

/// Peak signal-to-noise ratio in dB over the colour channels of two RGBA bitmaps.
fn psnr(a: &Bitmap, b: &Bitmap) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let (mut sum, mut n) = (0.0, 0.0);
    for (p, q) in a.data.chunks_exact(4).zip(b.data.chunks_exact(4)) {
        for c in 0..3 {
            let d = p[c] as f64 - q[c] as f64;
            sum += d * d;
            n += 1.0;
        }
    }
    10.0 * (255.0 * 255.0 / (sum / n).max(1e-9)).log10()
}

fn rgba(b: Bitmap) -> Bitmap {
    let mut out = Vec::with_capacity(b.data.len() / 3 * 4);
    for p in b.data.chunks_exact(3) {
        out.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    Bitmap::new(b.width, b.height, 4, out)
}

/// The plan of the resize in `text` (its only pixel action) for the oriented source.
fn plan(text: &str, logical: (u32, u32)) -> resize::Plan {
    let ops = ops(text);
    let r = ops
        .iter()
        .find_map(|o| match o {
            Op::Resize(r) => Some(r),
            _ => None,
        })
        .expect("a resize");
    resize::plan(logical.0, logical.1, r, false, &Limits::default()).unwrap()
}

#[test]
fn shrunk_decodes_read_only_the_sources_picture() {
    // (width, height, EXIF orientation (applied: `auto-orient,1`), actions)
    let cases: [(u32, u32, u8, &str); 12] = [
        (997, 749, 1, "resize,w_299/quality,q_100"),
        (997, 749, 1, "resize,w_127/format,png"),
        (1001, 747, 1, "resize,w_61/format,png"),
        (1999, 1501, 1, "resize,w_399/format,png"),
        (1003, 757, 1, "resize,m_fill,w_200,h_120/quality,q_100"),
        (1003, 757, 1, "resize,m_fill,w_60,h_60/format,png"),
        (997, 749, 1, "resize,m_pad,w_200,h_200/format,png"),
        (997, 749, 6, "resize,w_96/format,png"),
        (997, 749, 3, "resize,w_127/format,png"),
        (997, 749, 8, "resize,w_224/quality,q_100"),
        // 1/2 planes (libjpeg-turbo's, on every CPU) turned: the padded sample and the partial
        // pixel both lead.
        (997, 749, 8, "resize,w_180/quality,q_100"),
        (997, 749, 2, "resize,w_299/rotate,90/quality,q_100"),
    ];
    let mut failed = Vec::new();
    for (w, h, o, text) in cases {
        let ours = fidelity(w, h, o, text);
        // The same picture at the multiples of 8 below: every scale of it is whole.
        let twin = fidelity(w / 8 * 8, h / 8 * 8, o, text);
        eprintln!(
            "{w}x{h} o{o} {text}: {ours:.1} dB, at {}x{}: {twin:.1} dB",
            w / 8 * 8,
            h / 8 * 8
        );
        let least = if text.contains("png") { 42.0 } else { 33.0 };
        if !(ours >= least && ours >= twin - 2.0) {
            failed.push(format!(
                "{w}x{h} o{o} {text}: {ours:.1} dB, {twin:.1} at multiples of 8"
            ));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The PSNR (dB) of `actions` run on `picture(w, h)` with EXIF orientation `o` (applied) against
/// the same picture decoded whole and resized.
fn fidelity(w: u32, h: u32, o: u8, actions: &str) -> f64 {
    let upright = if o == 1 { "" } else { "auto-orient,1/" };
    let text = &format!("image/{upright}{actions}");
    let plain = picture(w, h);
    let data = if o == 1 {
        plain
    } else {
        with_orientation(&plain, o as u16)
    };
    let got = decode_rgba(&process(&data, &ops(text), &Limits::default()).unwrap().body);
    let oriented = if orient::swaps_sides(o) {
        (h, w)
    } else {
        (w, h)
    };
    let probe = decode::probe(&data).unwrap();
    let whole = decode::decode_first(&data, &probe, None, &Limits::default()).unwrap();
    let b = resize::apply(orient::apply(whole, o), plan(text, oriented)).unwrap();
    let b = if text.contains("rotate,90") {
        orient::apply(b, 6)
    } else {
        b
    };
    psnr(&got, &rgba(b))
}
