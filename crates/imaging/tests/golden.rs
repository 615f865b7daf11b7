//! Golden images: each folder under tests/golden/ is one case with `case.toml` (input, process, exact
//! output size, tolerance and the reason for it) and `expected.png` (the decoded output, looked at by a
//! person before it was committed). Image watermarks' keys are paths in the test data. Pixels are compared after decoding, so encoder version changes
//! within the tolerance do not break the test. On failure the case folder gets `out.actual.png` and
//! `out.diff.png`. `CYANOTYPE_BLESS=1` rewrites the expected images.

mod common;
use common::*;

use std::path::Path;

use cyanotype_imaging::Bitmap;

struct Case {
    input: String,
    process: String,
    width: u32,
    height: u32,
    /// Largest mean absolute difference per channel (0-255).
    mean_tolerance: f64,
    /// Largest fraction of channel values differing by more than 48.
    max_outliers: f64,
}

fn load_case(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.toml")).unwrap();
    let t: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let s = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{}: {k}", dir.display()))
            .to_string()
    };
    let i = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_integer())
            .unwrap_or_else(|| panic!("{}: {k}", dir.display())) as u32
    };
    let f = |k: &str, d: f64| {
        t.get(k)
            .map(|v| v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap())
            .unwrap_or(d)
    };
    assert!(
        t.contains_key("reason"),
        "{}: every tolerance needs a written reason",
        dir.display()
    );
    Case {
        input: s("input"),
        process: s("process"),
        width: i("width"),
        height: i("height"),
        mean_tolerance: f("mean_tolerance", 1.0),
        max_outliers: f("max_outliers", 0.001),
    }
}

fn write_png(path: &Path, b: &Bitmap) {
    image::save_buffer(
        path,
        &b.data,
        b.width,
        b.height,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap();
}

fn diff_image(a: &Bitmap, b: &Bitmap) -> Bitmap {
    let data = a
        .data
        .chunks(4)
        .zip(b.data.chunks(4))
        .flat_map(|(p, q)| {
            let d = (0..4)
                .map(|k| (p[k] as i32 - q[k] as i32).unsigned_abs())
                .max()
                .unwrap();
            let v = (d * 4).min(255) as u8;
            [v, 0, 255 - v, 255]
        })
        .collect();
    Bitmap::new(a.width, a.height, 4, data)
}

#[test]
fn golden_images() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var("CYANOTYPE_BLESS").is_ok_and(|v| v == "1");
    // CYANOTYPE_GOLDEN_FILTER=wm_ runs (or blesses) only the cases whose name contains it.
    let filter = std::env::var("CYANOTYPE_GOLDEN_FILTER").unwrap_or_default();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "golden cases missing");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains(&filter) {
            continue;
        }
        let case = load_case(dir);
        // Image watermarks name files of the test data; text uses the embedded font only.
        let out = run_with_objects(&read(&case.input), &case.process);
        let actual = decode_rgba(&out.body);
        if (actual.width, actual.height) != (case.width, case.height) {
            failures.push(format!(
                "{name}: size {}x{}, expected {}x{}",
                actual.width, actual.height, case.width, case.height
            ));
            continue;
        }
        let expected_path = dir.join("expected.png");
        if bless {
            write_png(&expected_path, &actual);
            continue;
        }
        let Ok(data) = std::fs::read(&expected_path) else {
            failures.push(format!(
                "{name}: no expected.png (run with CYANOTYPE_BLESS=1, then look at it)"
            ));
            continue;
        };
        let expected = decode_rgba(&data);
        let mean = mean_abs_diff(&actual, &expected);
        let outliers = actual
            .data
            .iter()
            .zip(&expected.data)
            .filter(|(a, b)| (**a as i32 - **b as i32).abs() > 48)
            .count() as f64
            / actual.data.len() as f64;
        if mean > case.mean_tolerance || outliers > case.max_outliers {
            write_png(&dir.join("out.actual.png"), &actual);
            write_png(&dir.join("out.diff.png"), &diff_image(&actual, &expected));
            failures.push(format!(
                "{name}: mean difference {mean:.2} (tolerance {}), outliers {:.4} (tolerance {}); see {}",
                case.mean_tolerance,
                outliers,
                case.max_outliers,
                dir.join("out.diff.png").display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
