//! The `cyanotype process` command end to end: the real binary on real files.

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::testdata;

fn cyanotype() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cyanotype"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cyanotype-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn info_prints_json_to_stdout() {
    let out = cyanotype()
        .args(["process"])
        .arg(testdata().join("oss/example.jpg"))
        .arg("image/info")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ImageWidth"]["value"], "400");
}

#[test]
fn writes_the_output_file() {
    let dir = tmp("single");
    let target = dir.join("thumb.webp");
    let st = cyanotype()
        .arg("process")
        .arg(testdata().join("oss/example.jpg"))
        .arg("resize,w_100/format,webp")
        .arg("-o")
        .arg(&target)
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&target).unwrap();
    assert_eq!(&bytes[8..12], b"WEBP");
}

#[test]
fn errors_print_code_and_message_and_exit_non_zero() {
    let out = cyanotype()
        .arg("process")
        .arg(testdata().join("oss/example.jpg"))
        .arg("image/resize,w_0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("InvalidArgument: The value: 0 of parameter: w is invalid.reason:resize w must be an integer in [1,16384]"),
        "{err}"
    );
    let out = cyanotype()
        .arg("process")
        .arg(testdata().join("oss/example.jpg"))
        .arg("image/crop,x_900")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("BadRequest: Advance cut's position is out of image."));
    let out = cyanotype()
        .arg("process")
        .arg("/nonexistent.jpg")
        .arg("image/info")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn batch_processes_a_directory() {
    let input = tmp("batch-in");
    for f in [
        "oss/example.jpg",
        "png/hopper_rgb.png",
        "gif/hopper_static.gif",
    ] {
        let src = testdata().join(f);
        std::fs::copy(&src, input.join(src.file_name().unwrap())).unwrap();
    }
    std::fs::write(input.join("broken.jpg"), b"\xFF\xD8\xFFnot really").unwrap();
    let output = tmp("batch-out");
    let out = cyanotype()
        .arg("process")
        .arg("--input-dir")
        .arg(&input)
        .arg("--output-dir")
        .arg(&output)
        .arg("image/resize,w_50/format,png")
        .output()
        .unwrap();
    // one broken file: the others are written, the exit status says something failed
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["example.png", "hopper_rgb.png", "hopper_static.png"] {
        assert!(output.join(name).is_file(), "{name}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 processed, 1 failed"));
}

/// The real-SDK case through the CLI: a 400x267 JPEG with the text in the bottom-right; and
/// an image watermark read from `--objects-dir`, the CLI's stand-in for the bucket.
#[test]
fn watermarks_text_and_image_from_the_objects_dir() {
    let dir = tmp("watermark");
    let target = dir.join("marked.jpg");
    let st = cyanotype()
        .arg("process")
        .arg(testdata().join("oss/example.jpg"))
        .arg("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ")
        .arg("-o")
        .arg(&target)
        .status()
        .unwrap();
    assert!(st.success());
    let info = cyanotype()
        .arg("process")
        .arg(&target)
        .arg("image/info")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(
        (
            &v["ImageWidth"]["value"],
            &v["ImageHeight"]["value"],
            &v["Format"]["value"]
        ),
        (&"400".into(), &"267".into(), &"jpg".into())
    );

    // watermark/gen_logo_rgba_240x80.png, resized to 30% of the main image.
    let key = "watermark/gen_logo_rgba_240x80.png?x-oss-process=image/resize,P_30";
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key);
    let st = cyanotype()
        .arg("process")
        .arg(testdata().join("oss/example.jpg"))
        .arg(format!("image/watermark,image_{b64},g_center"))
        .arg("--objects-dir")
        .arg(testdata())
        .arg("-o")
        .arg(dir.join("logo.jpg"))
        .status()
        .unwrap();
    assert!(st.success());
    // Without the objects directory the key is not found: the OSS error, exit status 1.
    let out = cyanotype()
        .arg("process")
        .arg(testdata().join("oss/example.jpg"))
        .arg(format!("image/watermark,image_{b64}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("WatermarkError") && err.contains("0040-00000025"),
        "{err}"
    );
}
