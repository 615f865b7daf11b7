//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

pub mod eighth;

use std::path::PathBuf;

use cyanotype_imaging::{decode, process, process_with, Bitmap, DirObjects, Env, Limits, Output};
use cyanotype_process::{parse, Op, Process};

/// `../shared/testdata` beside the repository (CYANOTYPE_TESTDATA overrides it).
pub fn testdata() -> PathBuf {
    if let Ok(p) = std::env::var("CYANOTYPE_TESTDATA") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    assert!(
        p.is_dir(),
        "test data not found at {}; set CYANOTYPE_TESTDATA",
        p.display()
    );
    p
}

/// Every JPEG under `dir`, depth first.
pub fn jpeg_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            jpeg_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("jpg") || x.eq_ignore_ascii_case("jpeg"))
        {
            out.push(p);
        }
    }
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = testdata().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn ops(text: &str) -> Vec<Op> {
    match parse(text).unwrap_or_else(|e| panic!("{text}: {e}")) {
        Process::Image(ops) => ops,
        Process::Style(_) => panic!("style"),
    }
}

pub fn run(data: &[u8], text: &str) -> Output {
    process(data, &ops(text), &Limits::default()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Like `run`, with image watermark keys read from the test data and the embedded font only.
pub fn run_with_objects(data: &[u8], text: &str) -> Output {
    process_with(
        data,
        &ops(text),
        &env_with_objects(&Limits::default(), &OBJECTS),
    )
    .unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn run_with_objects_err(data: &[u8], text: &str) -> cyanotype_process::Error {
    process_with(
        data,
        &ops(text),
        &env_with_objects(&Limits::default(), &OBJECTS),
    )
    .expect_err(text)
}

static OBJECTS: std::sync::LazyLock<DirObjects> =
    std::sync::LazyLock::new(|| DirObjects(testdata()));

pub fn env_with_objects<'a>(limits: &'a Limits, objects: &'a DirObjects) -> Env<'a> {
    Env {
        objects,
        ..Env::basic(limits)
    }
}

pub fn run_err(data: &[u8], text: &str) -> cyanotype_process::Error {
    process(data, &ops(text), &Limits::default()).expect_err(text)
}

/// Decode any supported image (first frame) into an RGBA bitmap, without orientation.
pub fn decode_rgba(data: &[u8]) -> Bitmap {
    let p = decode::probe(data).expect("probe");
    decode::decode_first(data, &p, None, &Limits::default())
        .expect("decode")
        .into_rgba()
}

pub fn json(out: &Output) -> serde_json::Value {
    assert_eq!(out.content_type, "application/json");
    serde_json::from_slice(&out.body).expect("valid JSON")
}

/// A JPEG with an EXIF APP1 segment holding only `Orientation = o`, inserted after SOI.
pub fn with_orientation(jpeg: &[u8], o: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0*\0\0\0\x08"); // big-endian TIFF, IFD at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&o.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&seg);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Mean absolute difference per channel (0-255) between two RGBA bitmaps of the same size.
pub fn mean_abs_diff(a: &Bitmap, b: &Bitmap) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let sum: u64 = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| (*x as i64 - *y as i64).unsigned_abs())
        .sum();
    sum as f64 / a.data.len() as f64
}
