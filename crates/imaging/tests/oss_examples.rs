//! The examples OSS documents, and the values its SDK integration tests assert against the real
//! service (dimensions and formats are portable; byte sizes depend on the encoder and are not asserted).

mod common;
use common::*;

#[test]
fn example_jpg_info_is_exactly_the_guides() {
    let out = run(&read("oss/example.jpg"), "image/info");
    let expected: serde_json::Value = serde_json::from_str(
        r#"{"FileSize": {"value": "21839"}, "Format": {"value": "jpg"},
            "ImageHeight": {"value": "267"}, "ImageWidth": {"value": "400"}}"#,
    )
    .unwrap();
    assert_eq!(json(&out), expected);
    // keys in sorted order, as OSS prints them
    let text = String::from_utf8(out.body).unwrap();
    let keys: Vec<_> = ["FileSize", "Format", "ImageHeight", "ImageWidth"]
        .iter()
        .map(|k| text.find(k).unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
}

/// `image/info` of what the oss2 test suite writes back, after each documented process.
#[test]
fn sdk_test_table() {
    let src = read("oss/example.jpg");
    for (process, w, h, format) in [
        ("image/resize,m_fixed,w_100,h_100", 100, 100, "jpg"),
        ("image/crop,w_100,h_100,x_100,y_100,r_1", 100, 100, "jpg"),
        ("image/rotate,90", 267, 400, "jpg"),
        ("image/sharpen,100", 400, 267, "jpg"),
        ("image/format,png", 400, 267, "png"),
        (
            "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ",
            400,
            267,
            "jpg",
        ),
    ] {
        let out = run(&src, process);
        let info = json(&run(&out.body, "image/info"));
        assert_eq!(info["ImageWidth"]["value"], w.to_string(), "{process}");
        assert_eq!(info["ImageHeight"]["value"], h.to_string(), "{process}");
        assert_eq!(info["Format"]["value"], format, "{process}");
        assert_eq!(
            info["FileSize"]["value"],
            out.body.len().to_string(),
            "{process}"
        );
    }
}

#[test]
fn average_hue_is_near_the_documented_value() {
    let out = json(&run(&read("oss/example.jpg"), "image/average-hue"));
    let hex = out["RGB"].as_str().unwrap();
    assert!(hex.starts_with("0x") && hex.len() == 8, "{hex}");
    let v = u32::from_str_radix(&hex[2..], 16).unwrap();
    let got = [(v >> 16) as i32, (v >> 8 & 0xFF) as i32, (v & 0xFF) as i32];
    let doc = [0x5c, 0x78, 0x3b];
    for k in 0..3 {
        assert!((got[k] - doc[k]).abs() <= 6, "{hex} vs documented 0x5c783b");
    }
}

#[test]
fn average_hue_of_solid_images() {
    for (file, hex) in [
        ("solid/gen_solid_red_64x64.png", "0xff0000"),
        ("solid/gen_solid_c0ffee_64x64.png", "0xc0ffee"),
        ("solid/gen_solid_gray128_64x64.png", "0x808080"),
        // two far-apart colours in equal parts: the plain mean (127.5 rounds up)
        ("solid/gen_half_red_half_blue_64x64.png", "0x800080"),
    ] {
        assert_eq!(
            json(&run(&read(file), "image/average-hue"))["RGB"],
            hex,
            "{file}"
        );
    }
}

/// f.jpg in the guide: 424x333 stored, EXIF orientation 7; `resize,w_100/auto-orient,1` gives 100x127
/// because auto-orient runs first wherever it is written.
#[test]
fn orientation_example() {
    let base = run(
        &read("oss/example.jpg"),
        "image/resize,m_fixed,w_424,h_333,limit_0",
    );
    let f = with_orientation(&base.body, 7);
    let info = json(&run(&f, "image/info"));
    assert_eq!(info["Orientation"]["value"], "7");
    assert_eq!(
        info["ImageWidth"]["value"], "424",
        "stored size, before orientation"
    );
    let out = run(&f, "image/resize,w_100/auto-orient,1");
    assert_eq!((out.width, out.height), (100, 127));
    let out = run(&f, "image/auto-orient,1/resize,w_100");
    assert_eq!((out.width, out.height), (100, 127));
    // without auto-orient the stored orientation is kept
    let out = run(&f, "image/resize,w_100");
    assert_eq!((out.width, out.height), (100, 79));
}

/// Every EXIF orientation of the test set comes out upright after auto-orient: compare with the
/// orientation-1 file of the same photo.
#[test]
fn auto_orient_all_eight() {
    for set in [
        "jpeg/orientation/hopper_orientation_",
        "webp/orientation/hopper_orientation_",
    ] {
        let ext = if set.starts_with("jpeg") {
            "jpg"
        } else {
            "webp"
        };
        let reference = decode_rgba(&read("png/hopper_rgb.png"));
        for o in 2..=8 {
            let out = run(
                &read(&format!("{set}{o}.{ext}")),
                "image/auto-orient,1/format,png",
            );
            let got = decode_rgba(&out.body);
            let d = mean_abs_diff(&got, &reference);
            assert!(
                d < 12.0,
                "{set}{o}: mean difference {d:.1} against the upright reference"
            );
        }
    }
    for o in 1..=8 {
        for (kind, w, h) in [("Landscape", 1800, 1200), ("Portrait", 1200, 1800)] {
            let out = run(
                &read(&format!("jpeg/orientation/{kind}_{o}.jpg")),
                "image/auto-orient,1/resize,w_300",
            );
            let expect_h = 300 * h / w;
            assert_eq!((out.width, out.height), (300, expect_h), "{kind}_{o}");
        }
    }
}

#[test]
fn crop_outside_is_documented_bad_request() {
    let e = run_err(&read("oss/example.jpg"), "image/crop,x_400,y_0");
    assert_eq!(e.code, cyanotype_process::Code::BadRequest);
    assert_eq!(e.message, "Advance cut's position is out of image.");
}

#[test]
fn indexcrop_past_the_end_returns_the_source() {
    let out = run(&read("oss/example.jpg"), "image/indexcrop,y_100,i_10");
    assert_eq!((out.width, out.height), (400, 267));
    let out = run(&read("oss/example.jpg"), "image/indexcrop,y_100,i_2");
    assert_eq!((out.width, out.height), (400, 67));
}

#[test]
fn circle_is_transparent_for_png_and_white_for_jpg() {
    let src = read("oss/example.jpg");
    let png = run(&src, "image/circle,r_100/format,png");
    assert_eq!((png.width, png.height), (200, 200));
    let b = decode_rgba(&png.body);
    assert_eq!(b.data[3], 0, "corner transparent");
    assert_eq!(b.data[(100 * 200 + 100) * 4 + 3], 255, "centre opaque");
    let jpg = decode_rgba(&run(&src, "image/circle,r_100").body);
    assert!(
        jpg.data[..3].iter().all(|&v| v > 245),
        "corner white: {:?}",
        &jpg.data[..3]
    );
}

#[test]
fn format_gif_keeps_non_gif_sources() {
    let out = run(&read("oss/example.jpg"), "image/format,gif");
    assert_eq!(out.format, Some(cyanotype_process::Format::Jpg));
}

#[test]
fn quality_relative_and_absolute() {
    // example.jpg was written at IJG quality 82
    let src = read("oss/example.jpg");
    let meta = cyanotype_imaging::jpeg_meta::read(&src);
    assert_eq!(
        cyanotype_imaging::jpeg_meta::estimate_quality(&meta),
        Some(82)
    );
    let q_of = |p: &str| {
        let out = run(&src, p);
        cyanotype_imaging::jpeg_meta::estimate_quality(&cyanotype_imaging::jpeg_meta::read(
            &out.body,
        ))
        .unwrap()
    };
    assert_eq!(q_of("image/quality,q_50"), 41, "82 x 50%");
    assert_eq!(q_of("image/quality,Q_60"), 60);
    assert_eq!(q_of("image/quality,Q_95"), 82, "never above the source");
    assert_eq!(q_of("image/quality,q_50,Q_60"), 60, "Q wins");
    assert_eq!(
        q_of("image/resize,w_100"),
        82,
        "default keeps the source quality"
    );
}

#[test]
fn jpeg_from_quality_50_uses_our_tables_and_reads_back_at_the_asked_quality() {
    let src = read("oss/example.jpg");
    let dqt = |p: &str| {
        let out = run(&src, p);
        let meta = cyanotype_imaging::jpeg_meta::read(&out.body);
        let luma = meta.dqt[0].expect("a luminance table");
        (luma, cyanotype_imaging::jpeg_meta::estimate_quality(&meta))
    };
    // Q_80 is written with our tables scaled to 74: DC step (16 * 52 + 50) / 100 = 8, where libjpeg's
    // q80 table has 6; its highest frequency (61 * 52 + 50) / 100 = 32 against libjpeg's 40.
    let (luma, q) = dqt("image/quality,Q_80");
    assert_eq!((luma[0], luma[63]), (8, 32));
    assert_eq!(q, Some(80));
    // Below 50, libjpeg's table: q40 scales Annex K's 16 by 125%.
    let (luma, q) = dqt("image/quality,Q_40");
    assert_eq!((luma[0], q), (20, Some(40)));
}

#[test]
fn interlace_writes_progressive_jpeg() {
    let out = run(&read("oss/example.jpg"), "image/interlace,1");
    // SOF2 marks a progressive JPEG
    assert!(out.body.windows(2).any(|w| w == [0xFF, 0xC2]));
    let out = run(&read("oss/example.jpg"), "image/resize,w_100");
    assert!(!out.body.windows(2).any(|w| w == [0xFF, 0xC2]));
}

#[test]
fn rotate_limits_and_sizes() {
    let src = read("oss/example.jpg");
    let out = run(&src, "image/rotate,45/format,png");
    // bounding box of 400x267 at 45 degrees: (400+267)/sqrt(2) = 471.6
    assert_eq!((out.width, out.height), (472, 472));
    let big = read("extreme/gen_large_4000x3000.jpg");
    let _ = run(&big, "image/resize,w_100/rotate,90"); // the rotated picture is small
    let wide = read("extreme/gen_wide_10000x10.png");
    let e = run_err(&wide, "image/rotate,90");
    assert_eq!(
        e.message,
        "Picture exceed the maximum allowable rotation range"
    );
}

#[test]
fn source_limits_are_checked_from_the_header() {
    let limits = cyanotype_imaging::Limits {
        max_source_side: 1000,
        ..Default::default()
    };
    let e = cyanotype_imaging::process(
        &read("extreme/gen_large_4000x3000.jpg"),
        &ops("image/resize,w_10"),
        &limits,
    )
    .unwrap_err();
    assert_eq!(e.code, cyanotype_process::Code::ImageTooLarge);
    let limits = cyanotype_imaging::Limits {
        max_source_bytes: 1000,
        ..Default::default()
    };
    let e = cyanotype_imaging::process(&read("oss/example.jpg"), &ops("image/info"), &limits)
        .unwrap_err();
    assert_eq!(e.code, cyanotype_process::Code::ImageTooLarge);
}

#[test]
fn animated_gif_keeps_frames_through_resize_crop_and_watermark_only() {
    let src = read("gif/pillow_dispose_bgnd_animated.gif");
    let frames = |out: &cyanotype_imaging::Output| {
        json(&run(&out.body, "image/info"))["FrameCount"]["value"].clone()
    };
    let n = json(&run(&src, "image/info"))["FrameCount"]["value"].clone();
    assert_ne!(n, "1");
    assert_eq!(frames(&run(&src, "image/resize,w_50")), n);
    assert_eq!(frames(&run(&src, "image/crop,w_40,h_40")), n);
    assert_eq!(frames(&run(&src, "image/watermark,text_YQ,size_10")), n);
    assert_eq!(frames(&run(&src, "image/rotate,90")), "1");
    assert_eq!(
        frames(&run(&src, "image/resize,p_50")),
        "1",
        "percentage makes a GIF static"
    );
    let png = run(&src, "image/resize,w_50/format,png");
    assert_eq!(png.format, Some(cyanotype_process::Format::Png));
}

/// An animation's output counts its frames against the 250 Mpx that bound a source's: 42 frames of
/// 245x245 enlarged to 4096x4096 each would be 705 Mpx (it is refused from the header); 6 frames
/// of 200x200 at 1000x1000 are 6 Mpx and made.
#[test]
fn an_enlarged_animation_counts_its_frames() {
    let src = read("webp/pillow_iss634_animated.webp");
    let e = run_err(&src, "image/resize,w_4096,h_4096,m_fixed,limit_0");
    assert_eq!(e.code, cyanotype_process::Code::ImageTooLarge);
    assert!(
        e.message.contains("42 frames of 4096x4096"),
        "{}",
        e.message
    );
    // The first frame alone, as a still, is within the limits.
    let still = "image/resize,w_4096,h_4096,m_fixed,limit_0/resize,w_100/format,jpg";
    assert_eq!(run(&src, still).width, 100);
    let src = read("webp/imagers_anim_rgba.webp");
    let out = run(&src, "image/resize,w_1000,h_1000,m_fixed,limit_0");
    assert_eq!(
        json(&run(&out.body, "image/info"))["FrameCount"]["value"],
        "6"
    );
}

#[test]
fn avif_output() {
    let out = run(&read("oss/example.jpg"), "image/resize,w_100/format,avif");
    assert_eq!(out.content_type, "image/avif");
    assert_eq!(&out.body[4..12], b"ftypavif");
    assert_eq!((out.width, out.height), (100, 67));
}

/// EXIF fields under OSS's names, GPS included (values checked against the file's manifest entry).
#[test]
fn info_exif_fields_with_oss_names() {
    let info = json(&run(
        &read("jpeg/camera_exif/goexif_samsung-SM-N920T_gps_progressive.jpg"),
        "image/info",
    ));
    let v = |k: &str| {
        info[k]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{k} missing in {info}"))
            .to_string()
    };
    assert_eq!(v("GPSLatitude"), "26deg 35' 12\"");
    assert_eq!(v("GPSLatitudeRef"), "North");
    assert_eq!(v("GPSLongitude"), "80deg 3' 13\"");
    assert_eq!(v("GPSLongitudeRef"), "West");
    assert_eq!(v("GPSVersionID"), "2 2 0 0");
    assert_eq!(v("DateTimeOriginal"), "2018:04:28 21:23:12");
    assert_eq!(v("Make"), "samsung");
    assert!(v("ExifTag").parse::<u32>().is_ok());
    assert!(v("GPSTag").parse::<u32>().is_ok());
    assert_eq!(v("ImageWidth"), "920");
}

/// A leading crop of a JPEG decodes only the region; the pixels match a whole decode cut afterwards
/// (for 4:2:0, 4:2:2, 4:4:4, odd offsets, edges), and grey/CMYK JPEGs still crop through the whole decode.
#[test]
fn leading_crop_decodes_only_the_region_with_the_same_pixels() {
    use cyanotype_imaging::decode;
    for file in [
        "oss/example.jpg",
        "jpeg/camera_exif/pillow_iptc_nokia-n70.jpg",
        "extreme/gen_large_4000x3000.jpg",
        "jpeg/variants/hopper_baseline.jpg",
        "jpeg/variants/pillow_app13_progressive.jpg",
        "jpeg/variants/pillow_flower2_icc.jpg",
    ] {
        let src = read(file);
        let p = decode::probe(&src).unwrap();
        let whole =
            decode::decode_first(&src, &p, None, &cyanotype_imaging::Limits::default()).unwrap();
        for (x, y, w, h) in [
            (0, 0, 64, 48),
            (37, 21, 50, 33),
            (p.width - 40, p.height - 30, 40, 30),
            (9, 100, p.width - 9, 7),
        ] {
            let region = decode::jpeg::decode_region(&src, x, y, w, h).expect(file);
            assert_eq!((region.width, region.height), (w, h), "{file}");
            let cut = whole.sub_image(x, y, w, h).into_rgba();
            let diff = mean_abs_diff(&region.into_rgba(), &cut);
            assert!(
                diff < 1.0,
                "{file} ({x},{y},{w},{h}): mean difference {diff}"
            );
        }
        let out = run(&src, "image/crop,x_5,y_5,w_30,h_20/format,png");
        assert_eq!((out.width, out.height), (30, 20));
    }
    for file in [
        "jpeg/variants/hopper_grayscale.jpg",
        "jpeg/variants/pillow_sample_cmyk.jpg",
    ] {
        let src = read(file);
        assert!(
            decode::jpeg::decode_region(&src, 0, 0, 10, 10).is_none(),
            "{file}"
        );
        let out = run(&src, "image/crop,w_10,h_10");
        assert_eq!((out.width, out.height), (10, 10));
    }
}
