//! JPEG decode through libjpeg-turbo, with DCT-domain shrink-on-load (1/2, 1/4, 1/8; and 5/8 for
//! the planes of a JPEG resized to a JPEG).
//! Grey becomes RGB; CMYK and YCCK become sRGB (Adobe files store inverted CMYK); an embedded ICC
//! profile is converted to sRGB.

use cyanotype_process::{Error, Result};
use std::ffi::c_int;

use turbojpeg_sys as tj;

use super::turbo::Handle;
use crate::bitmap::Bitmap;
use crate::icc;
use crate::jpeg_meta;
use crate::ops::resize::Placement;
use crate::planes::Planes;

/// The largest 1/n DCT scale (n in 8, 4, 2) that still leaves the decoded image at least `min` in both
/// dimensions, so the final resampling filter always has at least 2x to work with.
pub fn choose_denominator(width: u32, height: u32, min: (u32, u32)) -> u32 {
    for d in [8u32, 4, 2] {
        if width.div_ceil(d) >= min.0 && height.div_ceil(d) >= min.1 {
            return d;
        }
    }
    1
}

/// For a decode to planes (the JPEG-to-JPEG resize), the smallest of 1/8, 1/4, 1/2, 5/8 and 1/1 that
/// still leaves the decoded image at least `min` in both dimensions: `choose_denominator` with 5/8
/// too, so a 1000 px photo resized to 300 px decodes at 5/8 (625 px) where the halvings alone leave
/// only 1/1 (10-15% of that resize). libjpeg-turbo scales by any n/8 and our decoder has the inverse
/// DCTs of 3/8, 3/4 and 7/8 as well, but those are not chosen. Against Pillow's Lanczos of the whole
/// decode (`bench/scale_quality.py`), 5/8 kept the SSIM of the resized JPEG within 0.001 of the 1/1
/// decode's on the benchmark photo, the OSS example and two more, and lost 0.010-0.014 on a sharp
/// small photo, as a 1/2 decode does at the same 2x margin; 3/8, 3/4 and 7/8 lost up to 0.011, 0.009
/// and 0.005 on the benchmark photo and the OSS example, and 3/4 and 7/8 saved at most 2% of time.
/// 5/8 is taken only by our decoder (`decode_planes`).
pub fn choose_eighths(width: u32, height: u32, min: (u32, u32)) -> u32 {
    [1, 2, 4, 5]
        .into_iter()
        .find(|&n| scaled(width, n) >= min.0 && scaled(height, n) >= min.1)
        .unwrap_or(8)
}

/// A side of `side` pixels at `eighths`/8, rounded up as libjpeg-turbo does.
pub fn scaled(side: u32, eighths: u32) -> u32 {
    ((side as u64 * eighths as u64).div_ceil(8)) as u32
}

/// Whether the header says 4:2:0 (the subsampling our encoder writes).
pub fn is_420(data: &[u8]) -> bool {
    turbojpeg::read_header(data).is_ok_and(|h| h.subsamp == turbojpeg::Subsamp::Sub2x2)
}

pub fn header(data: &[u8]) -> Result<(u32, u32)> {
    let h = turbojpeg::read_header(data).map_err(Error::damaged)?;
    Ok((h.width as u32, h.height as u32))
}

/// Decode only the rectangle (x, y, w, h), or `None` when this JPEG needs a whole decode (grey, CMYK,
/// lossless or unusual subsampling).
pub fn decode_region(data: &[u8], x: u32, y: u32, w: u32, h: u32) -> Option<Bitmap> {
    let mut b = crate::decode::jpeg_region::decode_region(data, x, y, w, h)?;
    if let Some(profile) = jpeg_meta::read(data).icc.as_deref() {
        icc::rgb_to_srgb(&mut b, profile);
    }
    Some(b)
}

/// Decode, shrinking by 1/`denom` in the DCT domain. At 1/8 our own decoder (`jpeg_dc`, the same
/// bytes as libjpeg-turbo's) takes every file it can: it skips the AC coefficients libjpeg-turbo
/// decodes and drops (about 0.6x its time on one thread), and splits the scan over two threads when
/// a core is spare. At 1/4 it decodes the coefficients the 4x4 and 2x2 inverse DCTs read: with the
/// AVX2 inverse DCTs about 0.87x libjpeg-turbo's time on one thread, so it takes every file it can;
/// without AVX2 its scalar inverse DCTs make it slower than libjpeg-turbo on one thread, so then it
/// is used only when a core is spare and the scan is big enough to split. What it declines goes to
/// libjpeg-turbo. The placement says which part of the bitmap is the source's picture (see
/// `Placement::picture`).
pub fn decode(data: &[u8], denom: u32) -> Result<(Bitmap, Placement)> {
    let spare = crate::cores::spare();
    let ours = match denom {
        8 => crate::decode::jpeg_dc::decode_scaled(data, 8, spare),
        4 if crate::decode::jpeg_dc::vector_idct() => {
            crate::decode::jpeg_dc::decode_scaled(data, 4, spare)
        }
        4 if spare => crate::decode::jpeg_dc::decode_split(data, 4),
        _ => None,
    };
    match ours {
        Some(e) => Ok(ours_to_srgb(data, e, 8 / denom)),
        None => decode_turbo(data, denom),
    }
}

/// As `decode`, but on a loaded server (no spare core) our decoder renders only the window of the
/// picture that `window` covers (fractions of each side: x0, y0, x1, y1), see
/// `jpeg_dc::decode_scaled_window`; `width` x `height` is the source's size. With a spare core the
/// whole picture on two threads is sooner, and files our decoder declines go whole to
/// libjpeg-turbo.
pub fn decode_window(
    data: &[u8],
    denom: u32,
    (width, height): (u32, u32),
    window: [f64; 4],
) -> Result<(Bitmap, Placement)> {
    let ours = ours_on_one_thread(denom) && !crate::cores::spare();
    if ours {
        let want = window_rect((width, height), 8 / denom, window);
        if let Some(e) = crate::decode::jpeg_dc::decode_scaled_window(data, denom as usize, want) {
            return Ok(ours_to_srgb(data, e, 8 / denom));
        }
    }
    decode(data, denom)
}

/// Y'CbCr planes of the `eighths`/8 decode, for `crate::planes`, and where they lie. Our decoder takes
/// 4:2:0 baseline files at 1/8, at 1/4 and 1/1 with the AVX2 inverse DCTs, and at 3/8, 5/8, 3/4
/// and 7/8 with its AVX2 and FMA ones (as `decode` chooses); for a fill (`window`: the source's size
/// and the fractions of each side its crop reads) on a loaded server only the window, as
/// `decode_window`. Everything else that libjpeg-turbo can give as planes it gives whole, at 1/1
/// where ours would have taken 5/8 (below). At the powers of two both give the same samples; which
/// decoder takes a file depends only on the file and the CPU, so the output does not depend on the
/// load. `None` when the file has no planes to give (grey, CMYK,
/// ...); an error when libjpeg-turbo reports anything decoding it, the same one the RGB decode
/// would give (see `jpeg_planes::decode_planes`), so a damaged file is not decoded again to be
/// refused.
pub fn decode_planes(
    data: &[u8],
    eighths: u32,
    window: Option<((u32, u32), [f64; 4])>,
) -> Option<Result<(Planes, Placement)>> {
    use crate::decode::jpeg_dc;
    let ours = match eighths {
        1 => true,
        2 | 8 => jpeg_dc::vector_idct(),
        3 | 5 | 6 | 7 => jpeg_dc::vector_idct() && jpeg_dc::reduced_idct(),
        _ => false,
    };
    if ours {
        let spare = crate::cores::spare();
        let ours = match window {
            Some((size, fractions)) if !spare => {
                let want = window_rect(size, eighths, fractions);
                jpeg_dc::decode_planes_window(data, eighths as usize, want)
            }
            _ => jpeg_dc::decode_planes(data, eighths as usize, spare),
        };
        if let Some(s) = ours {
            let at = Placement::scaled(s.origin, s.full, s.source, eighths);
            return Some(Ok((s.planes, at)));
        }
    }
    // libjpeg-turbo's own n/8 inverse DCTs (n not a power of two) are scalar C: its 5/8 took as long
    // as its 1/1 (3.08 against 3.10 ms for the 1000 px photo to 300 px), so there it would cost the
    // n/8 decode's SSIM (0.033 on a 4:4:4 photo of the JPEG size benchmark, Picture_1A_by_freespace
    // filled to 300x300) for no time. Such files decode at 1/1; the caller resizes from whatever
    // size the planes have.
    let turbo = if eighths.is_power_of_two() {
        eighths
    } else {
        8
    };
    crate::decode::jpeg_planes::decode_planes(data, turbo)
}

/// Whether our decoder is faster than libjpeg-turbo at 1/`denom` on one thread: at 1/8 always, at
/// 1/4 with the AVX2 inverse DCTs.
fn ours_on_one_thread(denom: u32) -> bool {
    denom == 8 || (denom == 4 && crate::decode::jpeg_dc::vector_idct())
}

/// `window` (fractions of each side of the source's picture) in pixels of the `eighths`/8 decode
/// of a `width` x `height` source, rounded outwards. The fractions are of the source's picture, a
/// side times `eighths`/8, which the decoded side may exceed by part of a pixel (see
/// `Placement::picture`).
pub fn window_rect(
    (width, height): (u32, u32),
    eighths: u32,
    window: [f64; 4],
) -> crate::decode::jpeg_dc::Rect {
    let exact = |side: u32| side as f64 * eighths as f64 / 8.0;
    let (w, h) = (exact(width), exact(height));
    [
        (window[0] * w).floor() as usize,
        (window[1] * h).floor() as usize,
        ((window[2] * w).ceil() as usize).min(scaled(width, eighths) as usize),
        ((window[3] * h).ceil() as usize).min(scaled(height, eighths) as usize),
    ]
}

/// Our decoder's bitmap at `eighths`/8 in sRGB, and where it lies: grey is repeated as is, colour
/// converted by its profile (as `decode_turbo` does).
fn ours_to_srgb(
    data: &[u8],
    e: crate::decode::jpeg_dc::Scaled,
    eighths: u32,
) -> (Bitmap, Placement) {
    let mut b = e.bitmap;
    if !e.grey {
        if let Some(profile) = jpeg_meta::read(data).icc.as_deref() {
            icc::rgb_to_srgb(&mut b, profile);
        }
    }
    let at = Placement::scaled(e.origin, e.full, e.source, eighths);
    (b, at)
}

/// Decode with libjpeg-turbo, shrinking by 1/`denom` in the DCT domain. The decompressor stops at
/// the first warning and refuses progressive files of too many scans (`Handle::decompressor`). The
/// placement says which part of the bitmap is the source's picture.
pub fn decode_turbo(data: &[u8], denom: u32) -> Result<(Bitmap, Placement)> {
    let handle = Handle::decompressor().ok_or_else(Error::internal)?;
    let hp = handle.0;
    let damaged = |hp| {
        // SAFETY: a live handle; TurboJPEG's error string is NUL-terminated.
        let detail = unsafe { std::ffi::CStr::from_ptr(tj::tj3GetErrorStr(hp)) };
        // As the turbojpeg crate words it.
        Error::damaged(format!("TurboJPEG error: {}", detail.to_string_lossy()))
    };
    // SAFETY: a live handle and a pointer to `data.len()` bytes.
    let (width, height, colorspace, denom) = unsafe {
        if tj::tj3DecompressHeader(hp, data.as_ptr(), data.len() as tj::size_t) != 0 {
            return Err(damaged(hp));
        }
        let get = |p: tj::TJPARAM| tj::tj3Get(hp, p as c_int);
        // libjpeg-turbo decodes a lossless JPEG at full size whatever scale is set (jdmaster.c), so
        // the buffer must be sized for that: such a file is decoded whole, the resize does the rest.
        let denom = if get(tj::TJPARAM_TJPARAM_LOSSLESS) != 0 {
            1
        } else {
            denom
        };
        let factor = tj::tjscalingfactor {
            num: 1,
            denom: denom as c_int,
        };
        if tj::tj3SetScalingFactor(hp, factor) != 0 {
            return Err(Error::internal());
        }
        (
            get(tj::TJPARAM_TJPARAM_JPEGWIDTH),
            get(tj::TJPARAM_TJPARAM_JPEGHEIGHT),
            get(tj::TJPARAM_TJPARAM_COLORSPACE),
            denom,
        )
    };
    if width <= 0 || height <= 0 {
        return Err(Error::internal());
    }
    // TJSCALED with a numerator of 1.
    let (w, h) = (
        (width as u32).div_ceil(denom),
        (height as u32).div_ceil(denom),
    );
    let meta = jpeg_meta::read(data);
    let decode_as = |format: tj::TJPF, channels: usize| -> Result<Vec<u8>> {
        let pitch = w as usize * channels;
        let mut pixels = vec![0u8; pitch * h as usize];
        // SAFETY: a live handle; `pixels` holds `h` rows of `pitch` bytes, the scaled size of the
        // header just read, which is what tj3Decompress8 writes.
        let r = unsafe {
            tj::tj3Decompress8(
                hp,
                data.as_ptr(),
                data.len() as tj::size_t,
                pixels.as_mut_ptr(),
                pitch as c_int,
                format as c_int,
            )
        };
        if r != 0 {
            return Err(damaged(hp));
        }
        Ok(pixels)
    };
    let bitmap = match colorspace as tj::TJCS {
        tj::TJCS_TJCS_GRAY => {
            let grey = decode_as(tj::TJPF_TJPF_GRAY, 1)?;
            let mut rgb = Vec::with_capacity(grey.len() * 3);
            for g in grey {
                rgb.extend_from_slice(&[g, g, g]);
            }
            Bitmap::new(w, h, 3, rgb)
        }
        tj::TJCS_TJCS_CMYK | tj::TJCS_TJCS_YCCK => {
            let mut cmyk = decode_as(tj::TJPF_TJPF_CMYK, 4)?;
            // Adobe (Photoshop) writes CMYK inverted: 255 means no ink. Normalise to 0 = no ink.
            if meta.adobe {
                for v in cmyk.iter_mut() {
                    *v = 255 - *v;
                }
            }
            icc::cmyk_to_srgb(w, h, &cmyk, meta.icc.as_deref())
        }
        _ => {
            let rgb = decode_as(tj::TJPF_TJPF_RGB, 3)?;
            let mut bitmap = Bitmap::new(w, h, 3, rgb);
            if let Some(profile) = meta.icc.as_deref() {
                icc::rgb_to_srgb(&mut bitmap, profile);
            }
            bitmap
        }
    };
    let at = Placement::scaled((0, 0), (w, h), (width as u32, height as u32), 8 / denom);
    Ok((bitmap, at))
}
