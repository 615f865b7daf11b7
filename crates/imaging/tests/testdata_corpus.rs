//! Every file of ../shared/testdata either decodes or gives a clean OSS error: never a panic, never a
//! hang. PngSuite's x* files are corrupt by design and must be refused. Files listed in KNOWN_UNSUPPORTED
//! are variants we do not decode yet; they must still fail cleanly, and the test fails loudly if one
//! starts decoding (so the list stays true).

mod common;
use common::*;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

use cyanotype_process::Code;

/// Variants that fail cleanly today, with the reason.
const KNOWN_UNSUPPORTED: &[(&str, &str)] = &[
    (
        "jpeg/edge/libjpegturbo_monkey12_12bit.jpg",
        "12-bit JPEG: the 8-bit libjpeg-turbo API refuses it",
    ),
    (
        "bmp/bmpsuite_questionable/rgb24jpeg.bmp",
        "BMP wrapping a JPEG stream (questionable set): image-rs refuses it",
    ),
    (
        "bmp/bmpsuite_questionable/rgb24png.bmp",
        "BMP wrapping a PNG stream (questionable set): image-rs refuses it",
    ),
    (
        "bmp/bmpsuite_questionable/rgba32abf.bmp",
        "BI_ALPHABITFIELDS (questionable set): image-rs refuses it",
    ),
    (
        "tiff/hopper_gray_4bpp.tif",
        "4-bit grey TIFF: the tiff crate's image-rs adapter has no 4-bit grey",
    ),
    (
        "tiff/pillow_multipage_3pages.tiff",
        "1-bit palette TIFF: the tiff crate refuses palette at 1 bit",
    ),
    (
        "tiny/pillow_1x1_no_palette_2frames.gif",
        "GIF frame without any colour table: the gif crate refuses it",
    ),
];

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn every_file_decodes_or_errors_cleanly() {
    let root = testdata();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut decoded = 0;
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with(".md")
            || rel.ends_with(".json")
            || rel.ends_with("README")
            || rel.ends_with("LICENSE")
        {
            continue;
        }
        let data = std::fs::read(path).unwrap();
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            cyanotype_imaging::process(
                &data,
                &ops("image/resize,w_64/format,png"),
                &Default::default(),
            )
        }));
        let secs = start.elapsed().as_secs_f64();
        if secs > 20.0 {
            problems.push(format!("{rel}: took {secs:.1} s"));
        }
        let name = path.file_name().unwrap().to_string_lossy();
        let must_fail =
            rel.contains("pngsuite/x") || KNOWN_UNSUPPORTED.iter().any(|(f, _)| *f == rel);
        let not_an_image = rel.contains("pngsuite/") && !name.ends_with(".png");
        match result {
            Err(_) => problems.push(format!("{rel}: PANIC")),
            Ok(Ok(out)) => {
                decoded += 1;
                if must_fail {
                    problems.push(format!(
                        "{rel}: decoded, but it is corrupt or listed as unsupported"
                    ));
                }
                assert_eq!(out.width, 64.min(out.width.max(1)), "{rel}");
            }
            Ok(Err(e)) => {
                let clean = matches!(
                    e.code,
                    Code::ImageDamage | Code::ImageTooLarge | Code::BadRequest
                ) && !e.message.is_empty();
                if !clean {
                    problems.push(format!("{rel}: unclean error {e}"));
                } else if !must_fail && !not_an_image {
                    problems.push(format!("{rel}: failed: {e}"));
                }
            }
        }
    }
    assert!(decoded > 250, "only {decoded} files decoded");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
