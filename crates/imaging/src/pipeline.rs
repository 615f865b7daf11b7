//! The request flow of one image: probe the header and check limits, plan shrink-on-load from the first
//! action, decode, apply EXIF orientation (auto-orient runs first wherever it is written, as OSS does),
//! run the actions in URL order, then encode or describe.

use cyanotype_process::{Error, Format, Op, Quality, Result, Target};

use std::cell::RefCell;
use std::collections::HashMap;

use crate::bitmap::Bitmap;
use crate::deadline::{Deadline, Within};
use crate::decode::{self, Frame, Probe};
use crate::encode::{self, Settings};
use crate::env::Env;
use crate::limits::Limits;
use crate::ops::{self, orient, resize};
use crate::{hue, info, jpeg_meta, memory};

mod planar;
use planar::through_planes;

/// Quality used when nothing says otherwise and the source is not a JPEG.
pub const DEFAULT_QUALITY: u32 = 85;

/// The result of processing: bytes and their media type.
#[derive(Debug, Clone)]
pub struct Output {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// The image format of `body`, or `None` for a JSON answer.
    pub format: Option<Format>,
    pub width: u32,
    pub height: u32,
}

/// Actions that only set output options; they never touch pixels.
pub(crate) fn is_setting(op: &Op) -> bool {
    matches!(
        op,
        Op::Format(_) | Op::Quality(_) | Op::Interlace(_) | Op::AutoOrient(_)
    )
}

/// Process `data` with `ops`, with the embedded font for text watermarks and no other objects (so
/// image watermarks are missing). The server and the CLI use [`process_with`].
pub fn process(data: &[u8], ops: &[Op], limits: &Limits) -> Result<Output> {
    process_with(data, ops, &Env::basic(limits))
}

/// Process `data` with `ops`; fonts and the objects image watermarks name come from `env`.
pub fn process_with(data: &[u8], ops: &[Op], env: &Env) -> Result<Output> {
    let _active = crate::cores::enter_unless_counted();
    let limits = env.limits;
    if data.len() as u64 > limits.max_source_bytes {
        return Err(Error::too_large(format!(
            "The source image is {} bytes; the limit for processing is {} bytes.",
            data.len(),
            limits.max_source_bytes
        )));
    }
    let probe = decode::probe(data)?;
    decode::check_source(&probe, limits)?;

    // Actions after info or average-hue describe nothing more; the ones before it shape what is described.
    let describe_at = ops
        .iter()
        .position(|o| matches!(o, Op::Info | Op::AverageHue));
    let (transform, describe) = match describe_at {
        Some(i) => (&ops[..i], Some(&ops[i])),
        None => (ops, None),
    };
    let orientation = if ops.contains(&Op::AutoOrient(true)) {
        probe.orientation
    } else {
        1
    };
    let pixel_ops: Vec<&Op> = transform.iter().filter(|o| !is_setting(o)).collect();

    if describe == Some(&Op::Info) && pixel_ops.is_empty() && orientation == 1 {
        return Ok(json(info::info_json(data, &probe)));
    }

    let settings = output_settings(data, &probe, ops);
    let oriented = if orient::swaps_sides(orientation) {
        (probe.height, probe.width)
    } else {
        (probe.width, probe.height)
    };
    if orientation != 1 {
        // Reorientation turns the image: the rotate action's size limit.
        ops::rotate::size(probe.width, probe.height, 90, limits)?;
    }
    // OSS: an animation stays animated only through resize (not by percentage) and crop, and only
    // when the output format can animate.
    let keep_animation = probe.frames > 1
        && describe.is_none()
        && matches!(settings.format, Format::Gif | Format::Webp)
        && pixel_ops.iter().all(|o| match o {
            Op::Resize(r) => !matches!(r.target, Target::Percent(_)),
            Op::Crop(_) | Op::Watermark(_) => true,
            _ => false,
        });
    let never_enlarge = probe.format == Format::Gif && probe.frames > 1;
    let sizes = ops::output_size(oriented, &pixel_ops, never_enlarge, limits)?;
    let out_size = sizes.out;
    let out_frames = if keep_animation { probe.frames } else { 1 };
    if describe != Some(&Op::AverageHue) {
        check_output(out_size, out_frames, settings.format, limits)?;
    }
    // From here the pixels are decoded, the watermarks' images too. Held until the output is made
    // (see `memory`): waits while other images hold the budget, unless the client leaves.
    let memory = memory::reserve(
        memory::estimate(data, &probe)
            + memory::estimate_actions(&probe, &sizes, out_frames)
            + memory::estimate_watermarks(&pixel_ops, env)
            + match describe {
                // average-hue encodes nothing; info encodes the result to give its size.
                Some(Op::AverageHue) => 0,
                _ => memory::estimate_encoding(settings.format, out_size),
            },
        env.abandoned,
    );
    let deadline = Deadline::start(env.time_limit, env.abandoned);
    // A request that left while waiting (no reservation) stops here: its flag is up.
    deadline.before_decoding()?;
    let _memory = memory;

    let ctx = Ctx {
        limits,
        env,
        logical: oriented,
        never_enlarge,
        layers: RefCell::new(HashMap::new()),
        placement: None,
        deadline,
        within: Within::Request,
    };

    if let Some(out) = through_planes(
        data,
        &probe,
        &pixel_ops,
        describe,
        orientation,
        &settings,
        &ctx,
    )? {
        debug_assert_eq!((out.width, out.height), out_size);
        return Ok(out);
    }
    let mut pixel_ops = pixel_ops;
    let mut ctx = ctx;
    let frames = if keep_animation {
        decode::decode_all(data, &probe)?
    } else if let Some((bitmap, rest)) = leading_crop(data, &probe, orientation, &pixel_ops)? {
        // The crop is done by the decoder: the remaining actions see the cropped image.
        ctx.logical = (bitmap.width, bitmap.height);
        pixel_ops = rest;
        vec![Frame {
            bitmap,
            delay_ms: 0,
        }]
    } else {
        let hint = decode_hint(&pixel_ops, describe, oriented, orientation, &ctx)?;
        let window = match hint {
            Some(min) if orientation == 1 => fill_window(&pixel_ops, &ctx)?.map(|w| (min, w)),
            _ => None,
        };
        let (bitmap, at) = match window {
            Some((min, window)) => decode::decode_first_window(data, &probe, min, window, limits)?,
            None => decode::decode_first_placed(data, &probe, hint, limits)?,
        };
        // The bitmap is oriented below; a window is only ever decoded upright.
        ctx.placement = Some(at.oriented(orientation));
        vec![Frame {
            bitmap,
            delay_ms: 0,
        }]
    };

    let mut out_frames = Vec::with_capacity(frames.len());
    for f in frames {
        let b = orient::apply(f.bitmap, orientation);
        let b = run(b, &pixel_ops, &ctx)?;
        out_frames.push(Frame {
            bitmap: b,
            delay_ms: f.delay_ms,
        });
    }

    if describe == Some(&Op::AverageHue) {
        return Ok(json(hue::json(hue::average_hue(&out_frames[0].bitmap))));
    }
    let (width, height) = (out_frames[0].bitmap.width, out_frames[0].bitmap.height);
    // Computed from the header above; checked again on the pixels in case an action's size
    // function ever disagreed with the action.
    debug_assert_eq!((width, height), out_size);
    check_output((width, height), 1, settings.format, limits)?;
    deadline.before_encoding(settings.format, describe == Some(&Op::Info))?;
    let body = encode::encode_frames(out_frames, &settings)?;
    if describe == Some(&Op::Info) {
        let p = decode::probe(&body)?;
        return Ok(json(info::info_json(&body, &p)));
    }
    Ok(Output {
        body,
        content_type: settings.format.mime(),
        format: Some(settings.format),
        width,
        height,
    })
}

fn json(text: String) -> Output {
    Output {
        body: text.into_bytes(),
        content_type: "application/json",
        format: None,
        width: 0,
        height: 0,
    }
}

struct Ctx<'a> {
    limits: &'a Limits,
    env: &'a Env<'a>,
    /// The size the first resize computes its target from: the oriented source size, even when the
    /// decoder shrank the pixels on load.
    logical: (u32, u32),
    never_enlarge: bool,
    /// Watermark layers already made, by action index and image size: the frames of an animation
    /// share one layer.
    layers: RefCell<HashMap<(usize, u32, u32), Bitmap>>,
    /// Where the decoded (and oriented) bitmap lies in the whole decoded picture, for a leading
    /// resize: a fill's window, or a shrink-on-load's partial last pixel (`Placement::picture`).
    placement: Option<resize::Placement>,
    /// Read before each action; a watermark's preprocessing shares the request's.
    deadline: Deadline<'a>,
    /// Whose actions `run` is running, for the deadline's message.
    within: Within,
}

/// A JPEG whose first pixel action is a crop (and that needs no reorientation) decodes just the crop.
fn leading_crop<'o>(
    data: &[u8],
    probe: &Probe,
    orientation: u8,
    pixel_ops: &[&'o Op],
) -> Result<Option<(Bitmap, Vec<&'o Op>)>> {
    let (Some(Op::Crop(c)), Format::Jpg, 1) = (pixel_ops.first(), probe.format, orientation) else {
        return Ok(None);
    };
    let (x, y, w, h) = ops::crop::rect(c, probe.width, probe.height)?;
    if (w, h) == (probe.width, probe.height) {
        return Ok(None);
    }
    Ok(decode::jpeg::decode_region(data, x, y, w, h).map(|b| (b, pixel_ops[1..].to_vec())))
}

/// For a source that needs no reorientation and a first action that fills (crops while it
/// resizes), the part of the source the crop reads, as fractions of each side.
fn fill_window(pixel_ops: &[&Op], ctx: &Ctx) -> Result<Option<[f64; 4]>> {
    let Some(Op::Resize(r)) = pixel_ops.first() else {
        return Ok(None);
    };
    let (w, h) = ctx.logical;
    Ok(resize::plan(w, h, r, ctx.never_enlarge, ctx.limits)?.fill_window())
}

/// The smallest decode size that keeps the first action exact, in the decoder's (unoriented) space.
fn decode_hint(
    pixel_ops: &[&Op],
    describe: Option<&Op>,
    oriented: (u32, u32),
    orientation: u8,
    ctx: &Ctx,
) -> Result<Option<(u32, u32)>> {
    let hint = match pixel_ops.first() {
        Some(Op::Resize(r)) => {
            resize::plan(oriented.0, oriented.1, r, ctx.never_enlarge, ctx.limits)?
                .decode_hint(oriented.0, oriented.1)
        }
        // average-hue of the whole image: a mean needs no more than a few hundred pixels a side.
        None if describe == Some(&Op::AverageHue) => {
            Some((256.min(oriented.0), 256.min(oriented.1)))
        }
        _ => None,
    };
    Ok(hint.map(|(w, h)| {
        if orient::swaps_sides(orientation) {
            (h, w)
        } else {
            (w, h)
        }
    }))
}

fn run(mut b: Bitmap, ops: &[&Op], ctx: &Ctx) -> Result<Bitmap> {
    let mut logical = ctx.logical;
    for (i, op) in ops.iter().enumerate() {
        ctx.deadline.before_action(op, ctx.within)?;
        b = match op {
            Op::Resize(r) => {
                let plan = resize::plan(logical.0, logical.1, r, ctx.never_enlarge, ctx.limits)?;
                match ctx.placement {
                    Some(at) if i == 0 => resize::apply_placed(b, plan, at)?,
                    _ => resize::apply(b, plan)?,
                }
            }
            Op::Crop(c) => {
                b = shrink_undone(b, logical)?;
                ops::crop::apply(&b, c)?
            }
            Op::Circle(c) => ops::circle::apply(&shrink_undone(b, logical)?, c),
            Op::IndexCrop(c) => ops::indexcrop::apply(&shrink_undone(b, logical)?, c),
            Op::RoundedCorners(c) => ops::rounded_corners::apply(shrink_undone(b, logical)?, c),
            Op::Rotate(d) => ops::rotate::apply(shrink_undone(b, logical)?, *d, ctx.limits)?,
            Op::Blur(p) => ops::blur::apply(&b, p)?,
            Op::Bright(v) => ops::tone::bright(b, *v),
            Op::Contrast(v) => ops::tone::contrast(b, *v),
            Op::Sharpen(v) => ops::sharpen::apply(b, *v)?,
            Op::Watermark(w) => {
                let b = shrink_undone(b, logical)?;
                let key = (i, b.width, b.height);
                let cached = ctx.layers.borrow().get(&key).cloned();
                let layer = match cached {
                    Some(l) => l,
                    None => {
                        // A watermark image's preprocessing runs through this same loop, on its own size.
                        let prepare = |wb: Bitmap, wops: &[&Op]| {
                            let sub = Ctx {
                                limits: ctx.limits,
                                env: ctx.env,
                                logical: (wb.width, wb.height),
                                never_enlarge: false,
                                layers: RefCell::new(HashMap::new()),
                                placement: None,
                                deadline: ctx.deadline,
                                within: Within::WatermarkImage,
                            };
                            run(wb, wops, &sub)
                        };
                        let l = ops::watermark::layer(w, (b.width, b.height), ctx.env, &prepare)?;
                        ctx.layers.borrow_mut().insert(key, l.clone());
                        l
                    }
                };
                ops::watermark::apply(b, w, &layer)
            }
            Op::Format(_)
            | Op::Quality(_)
            | Op::Interlace(_)
            | Op::AutoOrient(_)
            | Op::Info
            | Op::AverageHue => b,
        };
        logical = (b.width, b.height);
    }
    Ok(b)
}

/// Only a leading resize shrinks on load, so any other geometry sees the full size; this is a guard
/// that keeps coordinates right should that ever change.
fn shrink_undone(b: Bitmap, logical: (u32, u32)) -> Result<Bitmap> {
    if (b.width, b.height) == logical {
        Ok(b)
    } else {
        resize::scale(b, logical, None)
    }
}

fn check_output((w, h): (u32, u32), frames: u32, format: Format, limits: &Limits) -> Result<()> {
    let side = if format == Format::Webp {
        limits.max_webp_side.min(limits.max_output_side)
    } else {
        limits.max_output_side
    };
    if w > side || h > side || w as u64 * h as u64 > limits.max_output_pixels {
        return Err(Error::too_large(format!(
            "The output image {w}x{h} exceeds the limit of {side} px per side and {} pixels in total for {format}.",
            limits.max_output_pixels
        ))
        .with_ec(cyanotype_process::error::ec::TARGET_TOO_LARGE));
    }
    // OSS counts an animated source's frames in its pixel limit; we count an animated output's the
    // same way, or a few KB of tiny frames, each enlarged to the limit, would take minutes and GBs.
    let total = w as u64 * h as u64 * frames as u64;
    if frames > 1 && total > limits.max_source_pixels {
        return Err(Error::too_large(format!(
            "The output animation of {frames} frames of {w}x{h} has {total} pixels; the limit over all frames is {}.",
            limits.max_source_pixels
        ))
        .with_ec(cyanotype_process::error::ec::TARGET_TOO_LARGE));
    }
    Ok(())
}

/// Output format and quality from the settings actions (the last of each wins) and the source.
fn output_settings(data: &[u8], probe: &Probe, ops: &[Op]) -> Settings {
    let mut format = probe.format;
    let mut quality = None;
    let mut progressive = false;
    for op in ops {
        match op {
            // OSS: `format,gif` keeps the source format for non-GIF sources.
            Op::Format(Format::Gif) if probe.format != Format::Gif => format = probe.format,
            Op::Format(f) => format = *f,
            Op::Quality(q) => quality = Some(*q),
            Op::Interlace(i) => progressive = *i,
            _ => {}
        }
    }
    // No HEVC encoder here: a HEIC source left in its own format is answered as JPEG, what every
    // client can show (transparency, rare in HEIC, becomes white as for any JPEG output).
    if format == Format::Heic {
        format = Format::Jpg;
    }
    let source_q = if probe.format == Format::Jpg {
        jpeg_meta::estimate_quality(&jpeg_meta::read(data))
    } else {
        None
    };
    let quality = match (quality, source_q) {
        (Some(Quality::Relative(q)), Some(s)) => ((s * q + 50) / 100).max(1),
        (Some(Quality::Relative(q)), None) => q,
        (Some(Quality::Absolute(q)), Some(s)) => q.min(s),
        (Some(Quality::Absolute(q)), None) => q,
        (None, Some(s)) => s,
        (None, None) => DEFAULT_QUALITY,
    };
    // A lossless WebP source stays lossless unless a quality is asked for.
    let webp_lossless = format == Format::Webp
        && probe.format == Format::Webp
        && !ops.iter().any(|o| matches!(o, Op::Quality(_)))
        && data.windows(4).take(64).any(|w| w == b"VP8L");
    Settings {
        format,
        quality,
        progressive,
        webp_lossless,
    }
}
