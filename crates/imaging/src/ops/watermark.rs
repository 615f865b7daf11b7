//! `watermark`: build the layer (image, text, or both side by side), apply its opacity, place it by
//! gravity and margins, or tile it over the whole image, and composite it (source-over, sRGB).
//!
//! Placement, for a W x H image and a w x h layer:
//! - left: `x` for nw/west/sw, `W - w - x` for ne/east/se, `(W - w) / 2` for north/center/south;
//! - top: `y` for nw/north/ne, `H - h - y` for sw/south/se, `(H - h) / 2 + voffset` for the middle
//!   row, a positive voffset moving the watermark down (the docs give no sign; image coordinates).
//!
//! Whatever falls outside the image is clipped. With `fill`, tiles repeat every `w + padx` and
//! `h + pady` pixels in both directions from that position, so one tile sits where the single
//! watermark would.

use cyanotype_process::{
    ec, Align, Error, Op, Order, Resize, Result, Target, Watermark, WatermarkImage,
};

use crate::bitmap::Bitmap;
use crate::decode;
use crate::env::{Env, ObjectError};
use crate::ops::orient;
use crate::text::render::{self, over_pixel};

/// The finished layer of one watermark action: RGBA, opacity applied.
pub fn layer(wm: &Watermark, main: (u32, u32), env: &Env, run: &RunOps) -> Result<Bitmap> {
    let image = wm
        .image
        .as_ref()
        .map(|img| image_part(img, main, env, run))
        .transpose()?;
    let text = wm
        .text
        .as_ref()
        .map(|t| render::layer(t, env.fonts, env.limits))
        .transpose()?;
    let mut l = match (image, text) {
        (Some(i), Some(t)) => pair(i, t, wm),
        (Some(i), None) => i.into_rgba(),
        (None, Some(t)) => t,
        (None, None) => return Err(Error::missing("watermark", "text or image")),
    };
    render::check_layer(l.width, l.height, env.limits)?;
    if wm.opacity < 100 {
        for p in l.data.chunks_exact_mut(4) {
            p[3] = ((p[3] as u32 * wm.opacity + 50) / 100) as u8;
        }
    }
    Ok(l)
}

/// Runs preprocessing actions on a decoded watermark image (the pipeline's own action loop).
pub type RunOps<'a> = dyn Fn(Bitmap, &[&Op]) -> Result<Bitmap> + 'a;

/// A watermark image's object, read and probed, within the source limits; OSS's watermark errors
/// otherwise. The pipeline reads it once for the memory budget, and the layer once more.
pub fn read_image(img: &WatermarkImage, env: &Env) -> Result<(Vec<u8>, decode::Probe)> {
    let limits = env.limits;
    let data = env
        .objects
        .get(&img.key, limits.max_source_bytes)
        .map_err(|e| match e {
            ObjectError::NotFound => Error::new(
                cyanotype_process::Code::WatermarkError,
                format!(
                    "The watermark image object: {} does not exist in the bucket.",
                    img.key
                ),
            )
            .with_ec(ec::WATERMARK_OBJECT_MISSING),
            ObjectError::TooLarge(n) => Error::too_large(format!(
                "The watermark image object: {} is {n} bytes; the limit for processing is {} bytes.",
                img.key, limits.max_source_bytes
            )),
            ObjectError::Io(detail) => {
                eprintln!("watermark object {}: {detail}", img.key);
                Error::internal()
            }
        })?;
    let probe = decode::probe(&data).map_err(|e| unsupported(img, e.message))?;
    decode::check_source(&probe, limits)?;
    Ok((data, probe))
}

fn unsupported(img: &WatermarkImage, detail: String) -> Error {
    Error::new(
        cyanotype_process::Code::WatermarkError,
        format!(
            "The watermark image object: {} is not an image we can read ({detail}).",
            img.key
        ),
    )
    .with_ec(ec::WATERMARK_BAD_FORMAT)
}

fn image_part(img: &WatermarkImage, main: (u32, u32), env: &Env, run: &RunOps) -> Result<Bitmap> {
    let limits = env.limits;
    let (data, probe) = read_image(img, env)?;
    let b = decode::decode_first(&data, &probe, None, limits).map_err(|e| match e.code {
        cyanotype_process::Code::ImageDamage => unsupported(img, e.message),
        _ => e,
    })?;
    let orientation = if img.ops.contains(&Op::AutoOrient(true)) {
        probe.orientation
    } else {
        1
    };
    let b = orient::apply(b, orientation);
    // `P_n` is n% of the main image: a box of that size, to which the mode applies; it may enlarge.
    let resolved: Vec<Op> = img
        .ops
        .iter()
        .map(|op| match op {
            Op::Resize(r) => match r.target {
                Target::MainPercent(p) => Op::Resize(Resize {
                    target: Target::Sides {
                        w: Some(((main.0 as u64 * p as u64 + 50) / 100).max(1) as u32),
                        h: Some(((main.1 as u64 * p as u64 + 50) / 100).max(1) as u32),
                    },
                    limit: false,
                    ..*r
                }),
                _ => op.clone(),
            },
            _ => op.clone(),
        })
        .collect();
    let pixel_ops: Vec<&Op> = resolved
        .iter()
        .filter(|o| !crate::pipeline::is_setting(o))
        .collect();
    run(b, &pixel_ops)
}

/// Image and text side by side: `order` says which comes first, `align` how they line up vertically,
/// `interval` the gap between them.
fn pair(image: Bitmap, text: Bitmap, wm: &Watermark) -> Bitmap {
    let (first, second) = match wm.order {
        Order::ImageFirst => (image.into_rgba(), text),
        Order::TextFirst => (text, image.into_rgba()),
    };
    let w = first.width + wm.interval + second.width;
    let h = first.height.max(second.height);
    let top = |part_h: u32| match wm.align {
        Align::Top => 0,
        Align::Middle => (h - part_h) / 2,
        Align::Bottom => h - part_h,
    };
    let mut canvas = Bitmap::new(w, h, 4, vec![0; w as usize * h as usize * 4]);
    composite(&mut canvas, &first, 0, top(first.height) as i64);
    composite(
        &mut canvas,
        &second,
        (first.width + wm.interval) as i64,
        top(second.height) as i64,
    );
    canvas
}

/// Where the layer's top-left corner goes.
pub fn origin(wm: &Watermark, main: (u32, u32), size: (u32, u32)) -> (i64, i64) {
    use cyanotype_process::Gravity::*;
    let (mw, mh) = (main.0 as i64, main.1 as i64);
    let (w, h) = (size.0 as i64, size.1 as i64);
    let left = match wm.gravity {
        Nw | West | Sw => wm.x as i64,
        Ne | East | Se => mw - w - wm.x as i64,
        North | Center | South => (mw - w) / 2,
    };
    let top = match wm.gravity {
        Nw | North | Ne => wm.y as i64,
        Sw | South | Se => mh - h - wm.y as i64,
        West | Center | East => (mh - h) / 2 + wm.voffset as i64,
    };
    (left, top)
}

/// Draw the layer onto the image: once, or tiled when `fill` is set.
pub fn apply(mut b: Bitmap, wm: &Watermark, layer: &Bitmap) -> Bitmap {
    let (left, top) = origin(wm, (b.width, b.height), (layer.width, layer.height));
    if !wm.fill {
        composite(&mut b, layer, left, top);
        return b;
    }
    let step_x = (layer.width + wm.padx) as i64;
    let step_y = (layer.height + wm.pady) as i64;
    let first = |start: i64, step: i64| {
        let r = start.rem_euclid(step);
        if r > 0 {
            r - step
        } else {
            r
        }
    };
    let mut ty = first(top, step_y);
    while ty < b.height as i64 {
        let mut tx = first(left, step_x);
        while tx < b.width as i64 {
            composite(&mut b, layer, tx, ty);
            tx += step_x;
        }
        ty += step_y;
    }
    b
}

/// Source-over of an RGBA layer at (left, top), clipped to the destination.
pub fn composite(dst: &mut Bitmap, layer: &Bitmap, left: i64, top: i64) {
    debug_assert_eq!(layer.channels, 4);
    let x0 = left.max(0);
    let y0 = top.max(0);
    let x1 = (left + layer.width as i64).min(dst.width as i64);
    let y1 = (top + layer.height as i64).min(dst.height as i64);
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let dc = dst.channels as usize;
    let dstride = dst.stride();
    let lstride = layer.stride();
    for y in y0..y1 {
        let lrow = (y - top) as usize * lstride;
        let drow = y as usize * dstride;
        for x in x0..x1 {
            let li = lrow + (x - left) as usize * 4;
            let src = [
                layer.data[li],
                layer.data[li + 1],
                layer.data[li + 2],
                layer.data[li + 3],
            ];
            let a = src[3] as u32;
            if a == 0 {
                continue;
            }
            let di = drow + x as usize * dc;
            if dc == 4 {
                over_pixel(&mut dst.data[di..di + 4], src);
            } else {
                let d = &mut dst.data[di..di + 3];
                for c in 0..3 {
                    d[c] = ((src[c] as u32 * a + d[c] as u32 * (255 - a) + 127) / 255) as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cyanotype_process::{Gravity, Process};

    fn wm(text: &str) -> Watermark {
        match cyanotype_process::parse(text).unwrap() {
            Process::Image(ops) => match ops.into_iter().next() {
                Some(Op::Watermark(w)) => *w,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nine_positions_with_margins_and_voffset() {
        let base = "image/watermark,text_YQ,x_5,y_7,voffset_-3";
        let main = (100, 80);
        let size = (20, 10);
        let expect = [
            ("nw", (5, 7)),
            ("north", (40, 7)),
            ("ne", (75, 7)),
            ("west", (5, 32)),
            ("center", (40, 32)),
            ("east", (75, 32)),
            ("sw", (5, 63)),
            ("south", (40, 63)),
            ("se", (75, 63)),
        ];
        for (g, at) in expect {
            let w = wm(&format!("{base},g_{g}"));
            assert_eq!(origin(&w, main, size), at, "{g}");
        }
        // Defaults: se with 10 px margins.
        let w = wm("image/watermark,text_YQ");
        assert_eq!(w.gravity, Gravity::Se);
        assert_eq!(origin(&w, main, size), (70, 60));
    }

    fn solid(w: u32, h: u32, px: [u8; 4]) -> Bitmap {
        Bitmap::new(w, h, 4, px.repeat((w * h) as usize))
    }

    #[test]
    fn composite_clips_and_blends() {
        let mut dst = Bitmap::new(4, 4, 3, vec![0; 48]);
        composite(&mut dst, &solid(3, 3, [255, 255, 255, 255]), -1, 2);
        // Only (0..2, 2..4) is covered.
        let at = |x: usize, y: usize| dst.data[(y * 4 + x) * 3];
        assert_eq!((at(0, 2), at(1, 3), at(2, 2), at(0, 1)), (255, 255, 0, 0));
        let mut half = Bitmap::new(1, 1, 3, vec![0, 0, 255]);
        composite(&mut half, &solid(1, 1, [255, 0, 0, 128]), 0, 0);
        assert_eq!(half.data, [128, 0, 127]);
        // Completely outside: nothing happens, no panic.
        composite(&mut half, &solid(2, 2, [1, 1, 1, 255]), 5, -9);
        assert_eq!(half.data, [128, 0, 127]);
    }

    #[test]
    fn fill_tiles_from_the_anchor_with_padding() {
        let w = wm("image/watermark,text_YQ,fill_1,padx_2,pady_1,g_nw,x_1,y_0");
        let out = apply(
            Bitmap::new(10, 5, 3, vec![0; 150]),
            &w,
            &solid(2, 2, [255, 255, 255, 255]),
        );
        let row = |y: usize| -> String {
            (0..10)
                .map(|x| {
                    if out.data[(y * 10 + x) * 3] == 255 {
                        '#'
                    } else {
                        '.'
                    }
                })
                .collect()
        };
        // Tiles every 4 columns from x = 1 (1..2, 5..6, 9..10) and every 3 rows from y = 0.
        assert_eq!(row(0), ".##..##..#");
        assert_eq!(row(1), ".##..##..#");
        assert_eq!(row(2), "..........");
        assert_eq!(row(3), ".##..##..#");
    }
}
