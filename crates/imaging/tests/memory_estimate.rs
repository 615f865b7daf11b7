//! The memory an image reserves before it is processed (`memory::estimate`): every frame's pixels,
//! and a progressive JPEG's coefficients on top.

mod common;

use cyanotype_imaging::{decode, memory};

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
