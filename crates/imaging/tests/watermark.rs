//! Watermarks through the whole engine: the SDK case, where the ink lands, opacity, errors for
//! missing and unreadable watermark objects, limits, and animations. Pixels are checked in the golden
//! cases (tests/golden/wm_*); these check behaviour.

mod common;
use common::*;

use cyanotype_imaging::{process_with, Bitmap, DirObjects, Env, Limits};
use cyanotype_process::{b64, ec, Code};

/// Mean absolute difference of a rectangle between two RGBA bitmaps of the same size.
fn region_diff(a: &Bitmap, b: &Bitmap, x0: u32, y0: u32, x1: u32, y1: u32) -> f64 {
    let mut sum = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * a.width + x) * 4) as usize;
            for c in 0..3 {
                sum += (a.data[i + c] as i64 - b.data[i + c] as i64).unsigned_abs();
            }
        }
    }
    sum as f64 / ((x1 - x0) * (y1 - y0) * 3) as f64
}

#[test]
fn sdk_case_puts_dark_text_in_the_bottom_right_only() {
    let src = read("oss/example.jpg");
    let out = run(&src, "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ");
    assert_eq!((out.width, out.height), (400, 267));
    assert_eq!(out.content_type, "image/jpeg");
    let marked = decode_rgba(&out.body);
    let plain = decode_rgba(&run(&src, "image/quality,q_90").body);
    // The text (about 270 x 50 px at size 40) sits 10 px from the bottom-right corner.
    assert!(region_diff(&marked, &plain, 200, 215, 390, 257) > 20.0);
    // Far from it nothing changes beyond JPEG noise.
    assert!(region_diff(&marked, &plain, 0, 0, 200, 150) < 4.0);
    // The ink is black: the darkest pixels of the corner are near black.
    let darkest = (215..257)
        .flat_map(|y| (200..390).map(move |x| (x, y)))
        .map(|(x, y)| {
            let i = ((y * 400 + x) * 4) as usize;
            marked.data[i] as u32 + marked.data[i + 1] as u32 + marked.data[i + 2] as u32
        })
        .min()
        .unwrap();
    assert!(darkest < 60, "darkest {darkest}");
}

#[test]
fn opacity_zero_changes_nothing_and_fifty_blends() {
    let src = read("solid/gen_solid_white_64x64.png");
    let logo = b64::encode("solid/gen_solid_black_64x64.png");
    let none =
        decode_rgba(&run_with_objects(&src, &format!("image/watermark,image_{logo},t_0")).body);
    assert!(none.data.chunks(4).all(|p| p == [255, 255, 255, 255]));
    let half = decode_rgba(
        &run_with_objects(
            &src,
            &format!("image/watermark,image_{logo},t_50,g_nw,x_0,y_0"),
        )
        .body,
    );
    // 50% black over white: 127 or 128.
    let p = &half.data[0..4];
    assert!(
        (126..=129).contains(&p[0]) && p[0] == p[1] && p[1] == p[2],
        "{p:?}"
    );
}

#[test]
fn missing_and_unreadable_watermark_objects_are_watermark_errors() {
    let src = read("oss/example.jpg");
    let e = run_with_objects_err(
        &src,
        &format!("image/watermark,image_{}", b64::encode("no/such.png")),
    );
    assert_eq!(
        (e.code, e.ec),
        (Code::WatermarkError, Some(ec::WATERMARK_OBJECT_MISSING))
    );
    assert_eq!(e.code.http_status(), 400);
    assert!(e.message.contains("no/such.png"), "{}", e.message);
    // A text file is not an image.
    let e = run_with_objects_err(
        &src,
        &format!("image/watermark,image_{}", b64::encode("MANIFEST.md")),
    );
    assert_eq!(
        (e.code, e.ec),
        (Code::WatermarkError, Some(ec::WATERMARK_BAD_FORMAT))
    );
    // A truncated PNG.
    let e = run_with_objects_err(
        &src,
        &format!(
            "image/watermark,image_{}",
            b64::encode("png/pngsuite/xcrn0g04.png")
        ),
    );
    assert_eq!(e.code, Code::WatermarkError, "{e}");
    // Keys never leave the objects directory.
    let e = run_with_objects_err(
        &src,
        &format!(
            "image/watermark,image_{}",
            b64::encode("../testdata/oss/example.jpg")
        ),
    );
    assert_eq!(e.ec, Some(ec::WATERMARK_OBJECT_MISSING));
    // Without an object source (process()), an image watermark is missing, not a crash.
    let e = run_err(
        &src,
        &format!("image/watermark,image_{}", b64::encode("a.png")),
    );
    assert_eq!(e.code, Code::WatermarkError);
}

#[test]
fn watermark_objects_obey_the_source_limits() {
    let src = read("oss/example.jpg");
    let limits = Limits {
        max_source_bytes: 1000,
        ..Limits::default()
    };
    let objects = DirObjects(testdata());
    let env = Env {
        objects: &objects,
        ..Env::basic(&limits)
    };
    let big = ops(&format!(
        "image/watermark,image_{}",
        b64::encode("watermark/pillow_toucan_logo_rgba.png")
    ));
    // The source itself is over 1000 bytes, so check the watermark alone with a tiny source.
    let tiny = read("tiny/gen_1x1_red.png");
    let e = process_with(&tiny, &big, &env).expect_err("28 KB watermark over a 1000-byte limit");
    assert_eq!(e.code, Code::ImageTooLarge);
    assert!(e.message.contains("watermark"), "{}", e.message);
    assert!(src.len() > 1000);
}

#[test]
fn palette_and_tiny_watermarks_and_a_large_photo() {
    let src = read("oss/example.jpg");
    for key in [
        "watermark/gen_logo_palette_trns_240x80.png",
        "watermark/pillow_hopper_mask_16x16.png",
    ] {
        let out = run_with_objects(&src, &format!("image/watermark,image_{}", b64::encode(key)));
        assert_eq!((out.width, out.height), (400, 267), "{key}");
    }
    // 12 MP: tiled text over the whole photo.
    let big = read("extreme/gen_large_4000x3000.jpg");
    let out = run(&big, "image/watermark,text_5rC05Y2w,fill_1,size_200,t_30");
    assert_eq!((out.width, out.height), (4000, 3000));
}

#[test]
fn a_watermark_larger_than_the_image_is_clipped() {
    let src = read("tiny/gen_2x2_rgby.png");
    let out = run(&src, "image/watermark,text_5rC05Y2w5rC05Y2w,size_300");
    assert_eq!((out.width, out.height), (2, 2));
}

#[test]
fn text_beyond_the_layer_limit_is_refused() {
    let src = read("oss/example.jpg");
    let text = b64::encode(&"字".repeat(64));
    let e = run_err(&src, &format!("image/watermark,text_{text},size_1000"));
    assert_eq!(e.code, Code::ImageTooLarge);
}
