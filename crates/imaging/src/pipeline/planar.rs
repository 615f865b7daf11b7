//! The ways a JPEG goes to a JPEG or a lossy WebP without bitmaps (see `crate::planes`): resized
//! (`resized`), or with its pixels only moved or re-encoded (`moved`); and a WebP resized to a
//! lossy WebP or a JPEG (`webp_resized`). Each answers `None` when the request is not one it
//! takes, and the pipeline goes on with bitmaps.

use cyanotype_process::{Format, Op, Result};

use super::{Ctx, Output};
use crate::decode::{self, Probe};
use crate::encode::{self, webp::Range, Settings};
use crate::jpeg_meta;
use crate::ops::{orient, resize};
use crate::planes::Planes;

/// A JPEG to a JPEG or a lossy WebP, or a still WebP without alpha to a lossy WebP or (when lossy
/// itself) a JPEG, through Y'CbCr planes, when nothing but a resize (for a JPEG also with a
/// right-angle turn before or after it, or a move alone) touches the pixels; `None` for everything
/// else. These formats all store 4:2:0 Y'CbCr with the same matrix, so no colour conversion
/// happens either way (samples are only rescaled between JPEG's full range and WebP's video
/// range). Sources with an ICC profile (converted to sRGB on the bitmap path), grey and CMYK ones
/// stay on bitmaps.
pub(super) fn through_planes(
    data: &[u8],
    probe: &Probe,
    pixel_ops: &[&Op],
    describe: Option<&Op>,
    orientation: u8,
    settings: &Settings,
    ctx: &Ctx,
) -> Result<Option<Output>> {
    let to_webp = settings.format == Format::Webp && !settings.webp_lossless;
    if describe.is_some() {
        return Ok(None);
    }
    let (planes, range) = match (probe.format, settings.format) {
        (Format::Jpg, out) if out == Format::Jpg || to_webp => {
            (jpeg(data, probe, pixel_ops, orientation, ctx)?, Range::Full)
        }
        (Format::Webp, out)
            if (out == Format::Jpg || to_webp) && probe.frames == 1 && orientation == 1 =>
        {
            match pixel_ops {
                [Op::Resize(r)] => (webp_resized(data, probe, r, to_webp, ctx)?, Range::Video),
                _ => (None, Range::Video),
            }
        }
        _ => return Ok(None),
    };
    let Some(mut planes) = planes else {
        return Ok(None);
    };
    ctx.deadline.before_encoding(settings.format, false)?;
    let body = if to_webp {
        encode::webp::encode_planes(&planes, range, settings.quality)?
    } else {
        if range == Range::Video {
            encode::webp::to_full_range(&mut planes);
        }
        encode::jpeg::encode_planes(&planes, settings.quality, settings.progressive)?
    };
    Ok(Some(Output {
        body,
        content_type: settings.format.mime(),
        format: Some(settings.format),
        width: planes.width,
        height: planes.height,
    }))
}

/// A still WebP without alpha or ICC profile resized: decoded by libwebp straight to its planes at
/// full size, then resampled by Lanczos3. Not scaled on load as bitmaps are: VP8 has no DCT
/// scaling, so libwebp decodes every pixel anyway and then averages rows with its scaler, which
/// runs in plain C for fewer than four channels (12% of a 1600 px WebP to 400 px; 25.8 -> 23.7 ms
/// on one core without it; to a JPEG, where it was a fifth of the time, 16.8 -> 13.6-13.9 ms). A
/// lossless source goes to a JPEG on bitmaps: its planes would be libwebp's conversion of its RGB,
/// at video range's fewer levels, where the JPEG encoder converts the RGB itself.
fn webp_resized(
    data: &[u8],
    probe: &Probe,
    r: &cyanotype_process::Resize,
    to_webp: bool,
    ctx: &Ctx,
) -> Result<Option<Planes>> {
    if decode::webp::icc(data).is_some() || (!to_webp && decode::webp::info(data)?.lossless) {
        return Ok(None);
    }
    let plan = resize::plan(probe.width, probe.height, r, ctx.never_enlarge, ctx.limits)?;
    let resize::Plan::Scale { pad: None, .. } = plan else {
        return Ok(None);
    };
    let Some(planes) = decode::webp::decode_planes(data)? else {
        return Ok(None);
    };
    let whole = resize::Placement::whole((planes.width, planes.height));
    let Some((size, rect)) = resize::read_rect(plan, (planes.width, planes.height), whole)? else {
        return Ok(None);
    };
    Ok(Some(planes.scale(size, rect)?))
}

/// A JPEG's planes, resized (with turns around it) or moved; `None` when the request is neither.
fn jpeg(
    data: &[u8],
    probe: &Probe,
    pixel_ops: &[&Op],
    orientation: u8,
    ctx: &Ctx,
) -> Result<Option<Planes>> {
    if jpeg_meta::read(data).icc.is_some() {
        return Ok(None);
    }
    // A right-angle rotate before or after the resize is one more move of the planes: before, it
    // joins the EXIF orientation (the resize then sees the turned picture, as it does on bitmaps);
    // after, the planes are turned before they are scaled, to the turned size (`resized`).
    let turn = |d: &u32| orient::of_turn(*d);
    Ok(match pixel_ops {
        [Op::Resize(r)] => resized(data, probe, r, orientation, 1, ctx)?,
        [Op::Rotate(d), Op::Resize(r)] => match turn(d) {
            Some(t) => resized(data, probe, r, orient::then(orientation, t), 1, ctx)?,
            None => None,
        },
        [Op::Resize(r), Op::Rotate(d)] => match turn(d) {
            Some(t) => resized(data, probe, r, orientation, t, ctx)?,
            None => None,
        },
        _ => moved(data, probe, pixel_ops, orientation)?,
    })
}

/// A JPEG resized to a JPEG goes through Y'CbCr planes (see `planes`), decoded by our decoder at
/// 1/8 and 1/4 (a fill's window only, under load) and otherwise by libjpeg-turbo. The resize sees
/// the picture under `orientation` (EXIF's with `auto-orient,1`, and a rotate before the resize);
/// `turn` is a rotate after it (1 for none), allowed only for a resize that keeps the whole picture
/// (no fill's crop to turn as well). Both moves are made at once on the decoded planes, 4:2:0 only
/// (`Planes::orient`), before they are scaled: a turned scale is the scale of the turned picture.
/// A file libjpeg-turbo warns about fails here with the error the bitmap path would give (see
/// `decode::jpeg::decode_planes`).
fn resized(
    data: &[u8],
    probe: &Probe,
    r: &cyanotype_process::Resize,
    orientation: u8,
    turn: u8,
    ctx: &Ctx,
) -> Result<Option<Planes>> {
    let source = (probe.width, probe.height);
    // The resize sees the picture upright (`auto-orient,1`): the planes are turned once decoded.
    let swap_if = |swaps: bool| move |(a, b): (u32, u32)| if swaps { (b, a) } else { (a, b) };
    let swap = swap_if(orient::swaps_sides(orientation));
    let upright = swap(source);
    let plan = resize::plan(upright.0, upright.1, r, ctx.never_enlarge, ctx.limits)?;
    let resize::Plan::Scale {
        scaled,
        out,
        pad: None,
    } = plan
    else {
        return Ok(None);
    };
    if turn != 1 && scaled != out {
        return Ok(None);
    }
    let eighths = plan.decode_hint(upright.0, upright.1).map_or(8, |min| {
        decode::jpeg::choose_eighths(source.0, source.1, swap(min))
    });
    let moves = orient::then(orientation, turn);
    if moves != 1 && !decode::jpeg::is_420(data) {
        return Ok(None);
    }
    // Only the window of an upright picture: the window is in the resize's terms.
    let window = plan
        .fill_window()
        .filter(|_| orientation == 1 && turn == 1)
        .map(|w| (source, w));
    let Some(decoded) = decode::jpeg::decode_planes(data, eighths, window) else {
        return Ok(None);
    };
    let (planes, at) = decoded?;
    let (planes, at) = if moves == 1 {
        (planes, at)
    } else {
        // The move may first add a sample to a reversed odd side (`Planes::orient`; where it then
        // leads, the second value), at the end, where the placement's picture does not reach.
        let Some((moved, lead)) = planes.orient(moves) else {
            return Ok(None);
        };
        let more = swap_if(orient::swaps_sides(moves))(lead);
        let padded = resize::Placement {
            full: (at.full.0 + more.0, at.full.1 + more.1),
            ..at
        };
        (moved, padded.oriented(moves))
    };
    let (size, rect) = if turn == 1 {
        let Some(read) = resize::read_rect(plan, (planes.width, planes.height), at)? else {
            return Ok(None);
        };
        read
    } else {
        // The planes are turned by `turn` from what the resize sees, which keeps the whole
        // picture (checked above): the turned size, read from the turned picture.
        debug_assert_eq!(at.full, (planes.width, planes.height));
        (swap_if(orient::swaps_sides(turn))(out), at.picture)
    };
    Ok(Some(planes.scale(size, rect)?))
}

/// A JPEG to a JPEG whose pixels only move or stay: no pixel action (a new quality, progressive),
/// the EXIF orientation (`auto-orient,1`), one `rotate` by a right angle, or both as one move. Re-encoded from its
/// own Y'CbCr planes, moved sample by sample (`Planes::orient`): no colour conversion either way,
/// and the chroma is the file's own, not upsampled and averaged down again (`tests/planes.rs`
/// holds it to the bitmap path). 4:2:0 sources only, the encoder's subsampling, and of those the
/// ones whose chroma grid survives the move.
fn moved(data: &[u8], probe: &Probe, pixel_ops: &[&Op], orientation: u8) -> Result<Option<Planes>> {
    let o = match (pixel_ops, orientation) {
        ([], o) => o,
        ([Op::Rotate(d)], o) => match orient::of_turn(*d) {
            Some(t) => orient::then(o, t),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    if !decode::jpeg::is_420(data)
        || !crate::planes::orient_keeps_chroma(o, (probe.width, probe.height))
    {
        return Ok(None);
    }
    let Some(decoded) = decode::jpeg::decode_planes(data, 8, None) else {
        return Ok(None);
    };
    let (planes, _) = decoded?;
    let moved = match o {
        // The encoder reads the decoder's block-padded planes as they are.
        1 if planes.density == crate::planes::OUT_DENSITY => planes,
        // Checked above; planes of another subsampling than the header's go to the bitmaps.
        _ => match planes.orient(o) {
            Some((moved, (0, 0))) => moved,
            _ => return Ok(None),
        },
    };
    Ok(Some(moved))
}
