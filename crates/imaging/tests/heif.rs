//! HEIC and AVIF sources (through the system libheif): what `info` says, that the decoded pixels are
//! the picture they were made from, that alpha survives, what a HEIC source is answered as, and
//! that damaged files are clean errors. The fixtures and how they were made: tests/data/heif/.

mod common;

use std::path::PathBuf;

use common::{decode_rgba, json, mean_abs_diff, read, run, run_err};
use cyanotype_imaging::decode;
use cyanotype_process::{Code, Format};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/heif")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn info_reads_the_container_only() {
    for (name, format, (w, h)) in [
        ("example.heic", "heic", (400, 267)),
        ("example.avif", "avif", (400, 267)),
        ("logo_rgba.heic", "heic", (240, 80)),
        ("logo_rgba.avif", "avif", (240, 80)),
    ] {
        let data = fixture(name);
        let doc = json(&run(&data, "image/info"));
        assert_eq!(doc["Format"]["value"], format, "{name}");
        assert_eq!(doc["ImageWidth"]["value"], w.to_string(), "{name}");
        assert_eq!(doc["ImageHeight"]["value"], h.to_string(), "{name}");
        assert_eq!(doc["FileSize"]["value"], data.len().to_string(), "{name}");
    }
}

#[test]
fn info_shows_the_exif_item_as_for_the_jpeg_it_came_from() {
    let heic = json(&run(&fixture("gps_exif.heic"), "image/info"));
    let jpeg = json(&run(
        &read("jpeg/camera_exif/goexif_gps-2000-scaled.jpg"),
        "image/info",
    ));
    for field in [
        "GPSLatitude",
        "GPSLatitudeRef",
        "GPSLongitude",
        "GPSTag",
        "Software",
    ] {
        assert!(jpeg.get(field).is_some(), "the JPEG has {field}");
        assert_eq!(heic[field], jpeg[field], "{field}");
    }
    assert_eq!(heic["Format"]["value"], "heic");
}

/// Tolerance: the fixtures are lossy encodes (quality 60-70) of the shared images; a decode that
/// were wrong in colour (swapped channels, no YCbCr conversion, a wrong matrix) or geometry (stride,
/// transposition) differs by tens of levels. Measured: 2.0-2.4 a channel for the photo's pixels.
const LOSSY_TOLERANCE: f64 = 5.0;

#[test]
fn decoded_pixels_are_the_source_picture() {
    let original = decode_rgba(&read("oss/example.jpg"));
    for name in ["example.heic", "example.avif"] {
        let png = run(&fixture(name), "image/format,png");
        assert_eq!(png.format, Some(Format::Png));
        let got = decode_rgba(&png.body);
        let d = mean_abs_diff(&got, &original);
        assert!(d < LOSSY_TOLERANCE, "{name}: mean difference {d:.2}");
    }
}

#[test]
fn alpha_planes_are_kept() {
    let original = decode_rgba(&read("watermark/gen_logo_rgba_240x80.png"));
    for name in ["logo_rgba.heic", "logo_rgba.avif"] {
        let data = fixture(name);
        let p = decode::probe(&data).unwrap();
        let b = decode::decode_first(&data, &p, None, &Default::default()).unwrap();
        assert_eq!(b.channels, 4, "{name}: the alpha plane is decoded");
        let got = decode_rgba(&run(&data, "image/format,png").body);
        let alpha_diff: f64 = got
            .data
            .chunks(4)
            .zip(original.data.chunks(4))
            .map(|(a, b)| (a[3] as f64 - b[3] as f64).abs())
            .sum::<f64>()
            / (240.0 * 80.0);
        assert!(alpha_diff < 1.0, "{name}: alpha differs by {alpha_diff:.2}");
    }
}

#[test]
fn a_heic_source_is_answered_as_jpeg_and_avif_stays_avif() {
    let heic = run(&fixture("example.heic"), "image/resize,w_200");
    assert_eq!(heic.format, Some(Format::Jpg));
    assert_eq!(heic.content_type, "image/jpeg");
    assert_eq!((heic.width, heic.height), (200, 134));
    // `format,gif` keeps a non-GIF source's format, which for HEIC is again JPEG.
    let gif = run(&fixture("example.heic"), "image/resize,w_100/format,gif");
    assert_eq!(gif.format, Some(Format::Jpg));
    let avif = run(&fixture("example.avif"), "image/resize,w_100");
    assert_eq!(avif.format, Some(Format::Avif));
    assert_eq!(
        decode_rgba(&avif.body).width,
        100,
        "our AVIF output reads back"
    );
    let webp = run(&fixture("logo_rgba.heic"), "image/resize,w_120/format,webp");
    assert_eq!(webp.format, Some(Format::Webp));
    assert_eq!(
        decode_rgba(&webp.body).data[3],
        0,
        "a transparent corner stays transparent"
    );
}

#[test]
fn format_heic_is_refused() {
    let e = cyanotype_process::parse("image/format,heic").expect_err("no HEVC encoder here");
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(e.message.contains("heic"), "{}", e.message);
}

#[test]
fn damaged_heif_files_are_clean_errors() {
    for name in ["example.heic", "example.avif"] {
        let data = fixture(name);
        // Cut short: the boxes are there but the coded data is not.
        for keep in [20, 200, data.len() / 2, data.len() - 100] {
            let e = run_err(&data[..keep], "image/resize,w_100");
            assert_eq!(e.code, Code::ImageDamage, "{name} cut to {keep}: {e}");
        }
        // The coded data overwritten: an error or a picture, never a crash.
        let mut noisy = data.clone();
        let start = noisy.len() / 2;
        for (i, b) in noisy[start..start + 200].iter_mut().enumerate() {
            *b = (i * 37) as u8;
        }
        let _ = cyanotype_imaging::process(
            &noisy,
            &common::ops("image/resize,w_100"),
            &Default::default(),
        );
    }
}
