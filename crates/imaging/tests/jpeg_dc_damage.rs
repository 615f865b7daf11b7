//! Damaged JPEGs through our 1/8-scale decoder: never a panic; declined, or (when every code still
//! decodes and nothing ends early) the same bytes as libjpeg-turbo.
//!
//! Compared with libjpeg-turbo's C code paths (JSIMD_FORCENONE=1, set before its first use in this
//! test binary): damage can produce coefficients far outside what an encoder writes, where the SSE2
//! 2x2 and 4x4 inverse DCTs' 16-bit lanes overflow and differ from its own C reference, which we
//! follow. A valid file with very large quantisation values could differ the same way; on every file of
//! tests/jpeg_dc_exact.rs the SIMD and C paths agree, and that test compares with SIMD on.

mod common;

use std::path::PathBuf;

use common::eighth::{cut_and_changed, same};

fn without_simd() {
    // Every test of this binary passes here before calling libjpeg-turbo, so the variable is set
    // once, before libjpeg-turbo first reads it, and never while another thread reads it.
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("JSIMD_FORCENONE", "1"));
}

#[test]
fn cut_short_or_changed_in_the_scan() {
    without_simd();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg_dc");
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        let data = std::fs::read(&f).unwrap();
        let name = f.display().to_string();
        cut_and_changed(&name, &data, |name, bad| {
            same(name, bad);
        });
    }
}

#[test]
fn random_damage_anywhere_is_declined_or_matches_libjpeg_turbo() {
    without_simd();
    // Headers included: a bad Huffman or quantisation table, a wrong size, a marker in the scan.
    let sources = [
        common::read("oss/example.jpg"),
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/jpeg_dc/restart_blocks_444.jpg"),
        )
        .unwrap(),
    ];
    let mut seed = 0x9e37_79b9_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize
    };
    for (n, source) in sources.iter().enumerate() {
        for i in 0..1000 {
            let mut bad = source.clone();
            // Most damage near the front, where the tables are.
            let span = if i % 2 == 0 {
                700.min(bad.len())
            } else {
                bad.len()
            };
            for _ in 0..1 + next() % 3 {
                let at = next() % span;
                bad[at] = next() as u8;
            }
            same(&format!("source {n} mutation {i}"), &bad);
        }
    }
}

#[test]
fn an_mcu_of_more_than_ten_blocks_is_declined() {
    without_simd();
    // libjpeg-turbo refuses such a frame; our scan's padding is sized for at most ten blocks, so
    // taking it would read past the padding on a scan of long codes.
    let data = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg_dc/restart_blocks_444.jpg"),
    )
    .unwrap();
    let sof = data
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame");
    for sampling in [0x22u8, 0x44] {
        let mut bad = data.clone();
        for c in 0..3 {
            bad[sof + 4 + 6 + 3 * c + 1] = sampling;
        }
        assert!(
            !same(&format!("every component sampled {sampling:#x}"), &bad),
            "{sampling:#x} should be declined"
        );
    }
}
