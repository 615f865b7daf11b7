//! `rotate`: clockwise by any angle. Right angles are exact pixel moves; other angles resample
//! bilinearly onto the bounding box.
//!
//! OSS: the colour of the exposed corners is undocumented. We make them transparent, so png/webp/gif
//! outputs show no box and jpg output shows white, the colour OSS uses for transparency everywhere.

use cyanotype_process::{Error, Result};

use crate::bitmap::Bitmap;
use crate::limits::Limits;
use crate::ops::orient;

/// The size a rotation makes of a `w` x `h` image, or OSS's refusal when the image is too large to
/// rotate.
pub fn size(w: u32, h: u32, degrees: u32, limits: &Limits) -> Result<(u32, u32)> {
    let d = degrees % 360;
    if d == 0 {
        return Ok((w, h));
    }
    if w > limits.max_rotate_side || h > limits.max_rotate_side {
        return Err(Error::bad_request(
            "Picture exceed the maximum allowable rotation range",
        ));
    }
    Ok(match d {
        90 | 270 => (h, w),
        180 => (w, h),
        d => bounding_box(w, h, d as f64),
    })
}

pub fn apply(b: Bitmap, degrees: u32, limits: &Limits) -> Result<Bitmap> {
    size(b.width, b.height, degrees, limits)?;
    Ok(turn(b, degrees))
}

/// The box a `w` x `h` image turned by `degrees` fits in, rounded so that float noise (cos 90 =
/// 6e-17) does not add a pixel.
fn bounding_box(w: u32, h: u32, degrees: f64) -> (u32, u32) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (w as f64, h as f64);
    let bw = ((w * cos.abs() + h * sin.abs()) - 1e-6).ceil().max(1.0) as u32;
    let bh = ((w * sin.abs() + h * cos.abs()) - 1e-6).ceil().max(1.0) as u32;
    (bw, bh)
}

/// Clockwise by `degrees` without the source-size check: for watermark layers, which are bounded when
/// they are made.
pub fn turn(b: Bitmap, degrees: u32) -> Bitmap {
    match orient::of_turn(degrees) {
        Some(o) => orient::apply(b, o),
        None => any_angle(&b.into_rgba(), (degrees % 360) as f64),
    }
}

fn any_angle(b: &Bitmap, degrees: f64) -> Bitmap {
    let t = degrees.to_radians();
    let (sin, cos) = t.sin_cos();
    let (w, h) = (b.width as f64, b.height as f64);
    let (bw, bh) = bounding_box(b.width, b.height, degrees);
    let (scx, scy) = (w / 2.0, h / 2.0);
    let (dcx, dcy) = (bw as f64 / 2.0, bh as f64 / 2.0);
    let mut out = vec![0u8; bw as usize * bh as usize * 4];
    let sw = b.width as i64;
    let sh = b.height as i64;
    // Premultiplied sample, with transparent black outside the source.
    let px = |x: i64, y: i64| -> [f64; 4] {
        if x < 0 || y < 0 || x >= sw || y >= sh {
            return [0.0; 4];
        }
        let i = ((y * sw + x) * 4) as usize;
        let a = b.data[i + 3] as f64 / 255.0;
        [
            b.data[i] as f64 * a,
            b.data[i + 1] as f64 * a,
            b.data[i + 2] as f64 * a,
            b.data[i + 3] as f64,
        ]
    };
    for y in 0..bh {
        for x in 0..bw {
            let (dx, dy) = (x as f64 + 0.5 - dcx, y as f64 + 0.5 - dcy);
            // Inverse of the clockwise rotation (y points down).
            let sx = dx * cos + dy * sin + scx - 0.5;
            let sy = -dx * sin + dy * cos + scy - 0.5;
            let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
            let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
            let (p00, p10, p01, p11) = (
                px(x0, y0),
                px(x0 + 1, y0),
                px(x0, y0 + 1),
                px(x0 + 1, y0 + 1),
            );
            let mut v = [0.0; 4];
            for c in 0..4 {
                v[c] = (p00[c] * (1.0 - fx) + p10[c] * fx) * (1.0 - fy)
                    + (p01[c] * (1.0 - fx) + p11[c] * fx) * fy;
            }
            let o = ((y * bw + x) * 4) as usize;
            let a = v[3];
            if a > 0.0 {
                let k = 255.0 / a;
                for c in 0..3 {
                    out[o + c] = (v[c] * k).round().clamp(0.0, 255.0) as u8;
                }
                out[o + 3] = a.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Bitmap::new(bw, bh, 4, out)
}
