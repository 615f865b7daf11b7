//! Our 1/8- and 1/4-scale JPEG decoder (decode::jpeg_dc) must give the same bytes as libjpeg-turbo's
//! decode at that scale, on one thread and on two, for every JPEG of the test data it takes, for generated files in every
//! subsampling TurboJPEG writes (sizes that are not MCU multiples, scans large enough to be split),
//! and for files with restart markers. Files it does not take (progressive, arithmetic, 12-bit,
//! CMYK) must be declined, not decoded differently. Damaged files: tests/jpeg_dc_damage.rs (here
//! for the full-size planes, whose inverse DCT is libjpeg-turbo's SIMD one, so they are compared
//! with SIMD on).
//!
//! The full-size (1/1) decode to planes is held to libjpeg-turbo's raw planes the same way: every
//! 4:2:0 baseline file taken at 1/8 must be taken at 1/1 where the CPU has AVX2, none elsewhere. So
//! are the planes at 3/8, 5/8, 3/4 and 7/8 (AVX2 and FMA), whose inverse DCTs are ours, within one
//! per sample (`common::eighth::planes_match`).

mod common;

use std::path::PathBuf;

use common::eighth::{cut_and_changed, generated, same, same_at, same_scaled_planes};
use cyanotype_imaging::decode::jpeg_dc::{reduced_idct, vector_idct};
use turbojpeg::{Colorspace, Decompressor, Subsamp};

/// Whether our full-size planes must take `data` when our 1/8 decode took it: 4:2:0 Y'CbCr, on a
/// CPU with AVX2.
fn full_size_expected(data: &[u8]) -> bool {
    let header = Decompressor::new().unwrap().read_header(data).unwrap();
    vector_idct() && header.subsamp == Subsamp::Sub2x2 && header.colorspace == Colorspace::YCbCr
}

/// The full-size planes on `data`, and those at 3/8, 5/8, 3/4 and 7/8: libjpeg-turbo's samples
/// when taken (within one at the reduced sizes), and taken when expected (`taken_at_8`: our 1/8
/// decode took the file; the reduced sizes also need FMA). True when taken at 1/1.
fn check_full_size(name: &str, data: &[u8], taken_at_8: bool) -> bool {
    let mut full = false;
    for eighths in [8, 3, 5, 6, 7] {
        let taken = same_scaled_planes(name, data, eighths);
        if taken_at_8 {
            let cpu = eighths == 8 || reduced_idct();
            assert_eq!(
                taken,
                full_size_expected(data) && cpu,
                "{name}: taken at {eighths}/8"
            );
        } else {
            assert!(!taken, "{name}: taken at {eighths}/8 but declined at 1/8");
        }
        full |= eighths == 8 && taken;
    }
    full
}

#[test]
fn every_test_data_jpeg_is_decoded_exactly_or_declined() {
    let mut files = Vec::new();
    common::jpeg_files(&common::testdata(), &mut files);
    files.sort();
    let (mut taken, mut quarter, mut full) = (0, 0, 0);
    let mut declined = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let name = f.display().to_string();
        if same_at(&name, &data, 4) {
            quarter += 1;
        }
        let eighth = same_at(&name, &data, 8);
        if eighth {
            taken += 1;
        } else {
            declined.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
        if check_full_size(&name, &data, eighth) {
            full += 1;
        }
    }
    eprintln!("taken {taken} (at 1/4: {quarter}, at 1/1 as planes: {full}), declined {declined:?}");
    assert!(
        full > 0 || !vector_idct(),
        "no file taken at 1/1 on an AVX2 CPU"
    );
    // At 1/4 4:2:2 and other subsampled chroma not at full size are left to libjpeg-turbo, but
    // 4:2:0, 4:4:4 and grey (most of the corpus) are taken.
    assert!(
        quarter * 2 >= files.len(),
        "only {quarter} of {} taken at 1/4",
        files.len()
    );
    // The corpus is mostly baseline photos: most must take the fast path.
    assert!(
        taken * 10 >= files.len() * 8,
        "only {taken} of {} taken; declined: {declined:?}",
        files.len()
    );
    // And these must not: progressive, arithmetic, 12-bit, CMYK.
    for name in [
        "pillow_app13_progressive.jpg",
        "libjpegturbo_testimgari_arithmetic.jpg",
        "libjpegturbo_monkey12_12bit.jpg",
        "pillow_sample_cmyk.jpg",
    ] {
        assert!(
            declined.iter().any(|d| d == name),
            "{name} should be declined"
        );
    }
}

#[test]
fn generated_files_of_every_subsampling_are_decoded_exactly() {
    let cases = [
        (Subsamp::Sub2x2, 1203, 901, 92),
        (Subsamp::Sub2x1, 1001, 777, 90),
        (Subsamp::Sub1x2, 640, 481, 85),
        (Subsamp::None, 999, 555, 95),
        (Subsamp::Gray, 1500, 1001, 97),
        (Subsamp::Sub2x2, 17, 9, 75),
        (Subsamp::Sub2x2, 3, 3, 50),
        (Subsamp::Sub4x1, 801, 600, 90),
        // Quality 100 on noise codes the last coefficient in most blocks: no EOB, so a skip lookup
        // holding two symbols must stop after the first (the second is the next block's DC).
        (Subsamp::Sub2x2, 640, 480, 100),
        (Subsamp::Gray, 333, 250, 100),
    ];
    for (sub, w, h, q) in cases {
        let jpeg = generated(sub, w, h, q);
        let name = format!("{sub:?} {w}x{h} q{q} ({} bytes)", jpeg.len());
        assert!(same(&name, &jpeg), "{name} should be taken");
        check_full_size(&name, &jpeg, true);
        // At 1/4 libjpeg-turbo interpolates subsampled chroma that is not at full size (4:2:2,
        // 4:4:0, 4:1:1), which we leave to it; the rest must be taken.
        let quarter = matches!(sub, Subsamp::Sub2x2 | Subsamp::None | Subsamp::Gray);
        assert_eq!(same_at(&name, &jpeg, 4), quarter, "{name} at 1/4");
    }
}

#[test]
fn a_picture_too_big_to_split_is_decoded_in_bands() {
    // 4:4:4 at 1/4 keeps 72 coefficients per MCU: at 14.7 MP the split paths would hold about 72 MB,
    // over their 64 MB bound, so even with a core to spare it decodes on one thread in bands.
    let jpeg = generated(Subsamp::None, 4096, 3584, 50);
    assert!(same_at("4:4:4 4096x3584", &jpeg, 4));
}

#[test]
fn the_split_only_decode_declines_what_it_would_not_split() {
    use cyanotype_imaging::decode::jpeg_dc::{decode_scaled, decode_split};
    // Under 64 KB of scan: not worth a second thread, so left to libjpeg-turbo at 1/4.
    let small = generated(Subsamp::Sub2x2, 17, 9, 75);
    assert!(decode_split(&small, 4).is_none());
    // A big scan is split, and the same bytes as the other paths.
    let big = generated(Subsamp::Sub2x2, 1203, 901, 92);
    let split = decode_split(&big, 4).expect("split").bitmap;
    let one = decode_scaled(&big, 4, false).expect("taken").bitmap;
    assert_eq!(split.data, one.data);
}

#[test]
fn restart_markers() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg_dc");
    let mut files = Vec::new();
    common::jpeg_files(&dir, &mut files);
    assert!(!files.is_empty());
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let name = f.display().to_string();
        assert!(same(&name, &data), "{name} should be taken");
        check_full_size(&name, &data, true);
    }
}

/// Damaged 4:2:0 files at 1/1: declined, or (every code still decodes, nothing ends early) the
/// same planes as libjpeg-turbo's. With and without restart markers; cut, and bytes changed.
#[test]
fn damaged_files_at_full_size_are_declined_or_decoded_exactly() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg_dc");
    let mut files = Vec::new();
    common::jpeg_files(&dir, &mut files);
    let mut sources: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.display().to_string(), std::fs::read(f).unwrap()))
        .collect();
    sources.push((
        "generated 4:2:0".into(),
        generated(Subsamp::Sub2x2, 640, 480, 90),
    ));
    let mut changed = 0;
    for (name, data) in &sources {
        if !full_size_expected(data) {
            continue;
        }
        cut_and_changed(name, data, |name, bad| {
            for eighths in [8, 5] {
                same_scaled_planes(name, bad, eighths);
            }
            changed += 1;
        });
    }
    assert!(changed > 0 || !vector_idct(), "no 4:2:0 file damaged");
}
