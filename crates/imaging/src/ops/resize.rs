//! `resize`: the geometry (pure arithmetic on sizes, unit-tested against OSS's worked examples) and the
//! pixel work (fast_image_resize, Lanczos3, SIMD; alpha handled premultiplied).

use cyanotype_process::{error::ec, Error, Mode, Resize, Result, Rgb, Target};
use fast_image_resize::{
    images::Image, images::ImageRef, Filter, FilterType, MulDiv, PixelType, ResizeAlg,
    ResizeOptions, Resizer,
};

use crate::bitmap::Bitmap;
use crate::limits::Limits;
use crate::ops::orient;

/// What a resize does to an image of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Leave the image as it is (`limit_1` and the target would enlarge it).
    Keep,
    /// Scale the whole image to `scaled`, then cut the centred `out` rectangle (fill), pad it onto an
    /// `out` canvas (pad), or take it as it is (`out == scaled`).
    Scale {
        scaled: (u32, u32),
        out: (u32, u32),
        pad: Option<Rgb>,
    },
}

fn round(x: f64) -> u32 {
    // OSS: lfit and mfit round half up.
    ((x + 0.5).floor() as u32).max(1)
}

/// Compute the plan for a `w` x `h` source. `never_enlarge` forces `limit_1` (animated GIFs).
pub fn plan(w: u32, h: u32, r: &Resize, never_enlarge: bool, limits: &Limits) -> Result<Plan> {
    let (wf, hf) = (w as f64, h as f64);
    let limit = r.limit || never_enlarge;
    // Turn l/s into w/h: the longer target applies to the source's longer side.
    let (tw, th) = match r.target {
        Target::Sides { w, h } => (w, h),
        Target::LongShort { l, s } => {
            if w >= h {
                (l, s)
            } else {
                (s, l)
            }
        }
        // Resolved against the main image by the watermark op before any plan is made.
        Target::MainPercent(_) => return Err(Error::internal()),
        Target::Percent(p) => {
            let s = p as f64 / 100.0;
            let out = (round(wf * s), round(hf * s));
            if limit && p > 100 {
                return Ok(Plan::Keep);
            }
            return checked(
                Plan::Scale {
                    scaled: out,
                    out,
                    pad: None,
                },
                limits,
            );
        }
    };
    let fixed_size = matches!(r.mode, Mode::Fixed | Mode::Fill | Mode::Pad);
    // Fixed-size modes given one side make a square (OSS doc: fixed h_100 on 200x100 gives 100x100).
    let (tw, th) = match (tw, th) {
        (Some(a), None) if fixed_size => (Some(a), Some(a)),
        (None, Some(b)) if fixed_size => (Some(b), Some(b)),
        other => other,
    };
    let plan = match (r.mode, tw, th) {
        (_, None, None) => return Err(Error::missing("resize", "w, h, l, s or p")),
        (Mode::Lfit | Mode::Mfit, Some(tw), None) => {
            let s = tw as f64 / wf;
            if limit && s > 1.0 {
                return Ok(Plan::Keep);
            }
            let out = (tw, round(hf * s));
            Plan::Scale {
                scaled: out,
                out,
                pad: None,
            }
        }
        (Mode::Lfit | Mode::Mfit, None, Some(th)) => {
            let s = th as f64 / hf;
            if limit && s > 1.0 {
                return Ok(Plan::Keep);
            }
            let out = (round(wf * s), th);
            Plan::Scale {
                scaled: out,
                out,
                pad: None,
            }
        }
        (mode, Some(tw), Some(th)) => {
            let (sx, sy) = (tw as f64 / wf, th as f64 / hf);
            let fit_inside = matches!(mode, Mode::Lfit | Mode::Pad);
            let s = if mode == Mode::Fixed {
                sx.max(sy)
            } else if fit_inside {
                sx.min(sy)
            } else {
                sx.max(sy)
            };
            if limit && s > 1.0 {
                return Ok(Plan::Keep);
            }
            // The side that decides the scale is exact; the other is rounded half up.
            let scaled = if sx == s {
                (tw, round(hf * s))
            } else {
                (round(wf * s), th)
            };
            match mode {
                Mode::Lfit | Mode::Mfit => Plan::Scale {
                    scaled,
                    out: scaled,
                    pad: None,
                },
                Mode::Fill => Plan::Scale {
                    scaled,
                    out: (tw, th),
                    pad: None,
                },
                Mode::Pad => Plan::Scale {
                    scaled,
                    out: (tw, th),
                    pad: Some(r.color),
                },
                Mode::Fixed => Plan::Scale {
                    scaled: (tw, th),
                    out: (tw, th),
                    pad: None,
                },
            }
        }
        _ => unreachable!("fixed-size modes always have both sides here"),
    };
    checked(plan, limits)
}

fn checked(plan: Plan, limits: &Limits) -> Result<Plan> {
    if let Plan::Scale { scaled, out, .. } = plan {
        for (w, h) in [scaled, out] {
            if w > limits.max_output_side
                || h > limits.max_output_side
                || w as u64 * h as u64 > limits.max_output_pixels
            {
                return Err(Error::too_large(format!(
                    "The resized image {w}x{h} exceeds the limit of {} px per side and {} pixels in total.",
                    limits.max_output_side, limits.max_output_pixels
                ))
                .with_ec(ec::TARGET_TOO_LARGE));
            }
        }
    }
    Ok(plan)
}

impl Plan {
    /// The size the plan makes of an image of `size`.
    pub fn output(&self, size: (u32, u32)) -> (u32, u32) {
        match *self {
            Plan::Keep => size,
            Plan::Scale { out, .. } => out,
        }
    }

    /// The size the decoder must at least deliver for this plan to keep 2x headroom for the filter,
    /// given a source of `w` x `h`; `None` when no shrink-on-load applies.
    pub fn decode_hint(&self, w: u32, h: u32) -> Option<(u32, u32)> {
        match *self {
            Plan::Keep => None,
            Plan::Scale { scaled, .. } if scaled.0 < w && scaled.1 < h => {
                Some((scaled.0.saturating_mul(2), scaled.1.saturating_mul(2)))
            }
            Plan::Scale { .. } => None,
        }
    }

    /// For a fill, the part of the source its crop reads, as fractions of each side (x0, y0, x1,
    /// y1): the centred crop grown by `FILL_MARGIN` output pixels, which covers the Lanczos3
    /// filter's reach, so a decoder may render only that. `None` when the crop
    /// needs (nearly) all of the source.
    pub fn fill_window(&self) -> Option<[f64; 4]> {
        let Plan::Scale {
            scaled,
            out,
            pad: None,
        } = *self
        else {
            return None;
        };
        let side = |s: u32, o: u32| {
            let (s, o) = (s as f64, o.min(s) as f64);
            (
                (((s - o) / 2.0 - FILL_MARGIN) / s).max(0.0),
                (((s + o) / 2.0 + FILL_MARGIN) / s).min(1.0),
            )
        };
        let ((x0, x1), (y0, y1)) = (side(scaled.0, out.0), side(scaled.1, out.1));
        // Less than a tenth saved is not worth a second way of decoding.
        ((x1 - x0) * (y1 - y0) < 0.9).then_some([x0, y0, x1, y1])
    }
}

/// Output pixels added around a fill's crop in `Plan::fill_window`. Lanczos3 reads 3 output pixels
/// past the crop; through planes (`crate::planes`) a 4:2:0 chroma sample is 2 output pixels wide,
/// so 6, and half a chroma sample more for an odd output size.
const FILL_MARGIN: f64 = 8.0;

/// Where a decoded bitmap lies in the whole picture the decoder would have made: a window at
/// `origin` of a picture of `full` pixels (shrink-on-load included), and which part of that picture
/// is the source's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub origin: (u32, u32),
    pub full: (u32, u32),
    /// The source's picture in the whole decoded one (left, top, width, height), in its pixels:
    /// all of `full`, except after a JPEG's shrink-on-load by s/8 of a side whose length times s/8
    /// is not whole. The decoder rounds such a side up (997 px at 5/8 is 624 px), and the last
    /// pixel covers only the fraction of a pixel left over (0.125 of one); read as a whole pixel it
    /// would stretch the output by up to one decoded pixel (997 x 749 to 299 px wide was 4 dB worse
    /// against a resize of the source than the 1000 px photo). Moved by an orientation, that pixel
    /// may come first (`oriented`).
    pub picture: Rect,
}

impl Placement {
    /// A bitmap of `size` pixels that is the whole decoded picture, all of it the source's.
    pub fn whole(size: (u32, u32)) -> Placement {
        Placement {
            origin: (0, 0),
            full: size,
            picture: (0.0, 0.0, size.0 as f64, size.1 as f64),
        }
    }

    /// A JPEG of `source` pixels decoded at `eighths`/8 to a picture of `full` pixels (each side
    /// rounded up, as libjpeg does), of which the decoder rendered the window at `origin`.
    pub fn scaled(
        origin: (u32, u32),
        full: (u32, u32),
        source: (u32, u32),
        eighths: u32,
    ) -> Placement {
        // Exact in floating point (a side times an integer up to 8, halved three times), so a side
        // that scales to a whole number of pixels gives exactly `full`.
        let exact = |side: u32, f: u32| {
            let e = side as f64 * eighths as f64 / 8.0;
            // A decoder that ever rounded otherwise would still be read whole.
            if e <= f as f64 && e > f as f64 - 1.0 {
                e
            } else {
                f as f64
            }
        };
        Placement {
            origin,
            full,
            picture: (0.0, 0.0, exact(source.0, full.0), exact(source.1, full.1)),
        }
    }

    /// The placement of the whole picture once moved by EXIF orientation `o` (1-8): the sides it
    /// reverses put the partial last pixel first. Only for a whole picture (`origin` 0, 0).
    pub fn oriented(self, o: u8) -> Placement {
        debug_assert!(
            o == 1 || self.origin == (0, 0),
            "a window is decoded upright only"
        );
        let (rx, ry) = orient::reverses(o);
        let (mut l, mut t, w, h) = self.picture;
        if rx {
            l = self.full.0 as f64 - l - w;
        }
        if ry {
            t = self.full.1 as f64 - t - h;
        }
        if orient::swaps_sides(o) {
            Placement {
                origin: (self.origin.1, self.origin.0),
                full: (self.full.1, self.full.0),
                picture: (t, l, h, w),
            }
        } else {
            Placement {
                picture: (l, t, w, h),
                ..self
            }
        }
    }

    /// Whether the source's picture is all of the decoded one.
    fn all_picture(&self) -> bool {
        self.picture == (0.0, 0.0, self.full.0 as f64, self.full.1 as f64)
    }
}

/// Apply a plan computed for a logical size of `logical` to `b` (which may be smaller after
/// shrink-on-load, with the same aspect ratio).
pub fn apply(b: Bitmap, plan: Plan) -> Result<Bitmap> {
    let whole = Placement::whole((b.width, b.height));
    apply_placed(b, plan, whole)
}

/// As `apply`, for a bitmap placed in the decoded picture as `at` says: only the source's part of
/// it is read, and a fill's may be only the window of the decoded picture that `Plan::fill_window`
/// asked for: the crop is computed in the whole picture and read from the window, the same pixels
/// as from the whole.
pub fn apply_placed(b: Bitmap, plan: Plan, at: Placement) -> Result<Bitmap> {
    let Plan::Scale { scaled, out, pad } = plan else {
        return Ok(b);
    };
    if at.full != (b.width, b.height) && (out == scaled || pad.is_some()) {
        // Only a fill reads a window.
        return Err(Error::internal());
    }
    let picture = (!at.all_picture()).then_some(at.picture);
    if out == scaled {
        return scale(b, scaled, picture);
    }
    if let Some(color) = pad {
        let inner = scale(b, scaled, picture)?;
        return Ok(pad_onto(&inner, out, color));
    }
    // fill: cut the centred region of the source that maps to `out`, in the same resampling pass.
    let rect = fill_rect((b.width, b.height), scaled, out, at)?;
    scale(b, out, Some(rect))
}

/// For a plan that scales without padding, applied to a picture of `size` pixels that lies in the
/// decoded picture as `at` says (only a fill's may be a window): the size it makes, and the
/// rectangle of the picture it reads (left, top, width, height). `None` for `Keep` and for pad.
pub fn read_rect(
    plan: Plan,
    size: (u32, u32),
    at: Placement,
) -> Result<Option<((u32, u32), Rect)>> {
    let Plan::Scale {
        scaled,
        out,
        pad: None,
    } = plan
    else {
        return Ok(None);
    };
    let rect = if out == scaled {
        if at.full != size {
            return Err(Error::internal());
        }
        at.picture
    } else {
        fill_rect(size, scaled, out, at)?
    };
    Ok(Some((out, rect)))
}

/// A rectangle of a picture in (fractional) pixels: left, top, width, height.
pub type Rect = (f64, f64, f64, f64);

/// The rectangle of a bitmap of `size` pixels, lying in the decoded picture as `at` says, that a
/// fill from `scaled` to `out` reads.
fn fill_rect(size: (u32, u32), scaled: (u32, u32), out: (u32, u32), at: Placement) -> Result<Rect> {
    let (px, py, fw, fh) = at.picture;
    let (sx, sy) = (fw / scaled.0 as f64, fh / scaled.1 as f64);
    // out * (b / scaled) can land a hair past the edge in floating point (300 * (374 / 300) > 374),
    // and the resizer refuses a crop box outside the source.
    let cw = (out.0 as f64 * sx).min(fw);
    let ch = (out.1 as f64 * sy).min(fh);
    // Centred exactly in the source, not at a whole pixel of the scaled image: the rounding of the
    // scaled size would otherwise shift the cut by up to a pixel of the output. Moving it by the
    // window's whole-pixel origin is exact in floating point.
    let left = px + (fw - cw) / 2.0 - at.origin.0 as f64;
    let top = py + (fh - ch) / 2.0 - at.origin.1 as f64;
    // A window always holds the crop (with a margin); past its edge by more than rounding is a bug.
    let over = (left + cw - size.0 as f64).max(top + ch - size.1 as f64);
    if left < 0.0 || top < 0.0 || over > 1e-6 {
        return Err(Error::internal());
    }
    Ok((
        left,
        top,
        cw.min(size.0 as f64 - left),
        ch.min(size.1 as f64 - top),
    ))
}

fn pixel_type(channels: u8) -> PixelType {
    if channels == 4 {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    }
}

/// Resample `b` (or a sub-rectangle of it) to `size` with Lanczos3.
///
/// With alpha, the colours are premultiplied in `b` itself rather than by the resizer, which would
/// premultiply a copy of the whole source: the same arithmetic and so the same bytes
/// (`tests::alpha_in_place_matches_the_resizer`), without a second source-sized buffer. A 225 MP
/// RGBA PNG (an 875 KB file) peaked at 1.8 GB through a resize with the copy.
pub fn scale(mut b: Bitmap, size: (u32, u32), crop: Option<Rect>) -> Result<Bitmap> {
    if size == (b.width, b.height) && crop.is_none() {
        return Ok(b);
    }
    let pt = pixel_type(b.channels);
    let alpha = b.channels == 4;
    let mul_div = MulDiv::default();
    if alpha {
        let mut src = Image::from_slice_u8(b.width, b.height, &mut b.data, pt)
            .map_err(|_| Error::internal())?;
        mul_div
            .multiply_alpha_inplace(&mut src)
            .map_err(|_| Error::internal())?;
    }
    let src = ImageRef::new(b.width, b.height, &b.data, pt).map_err(|_| Error::internal())?;
    let mut dst = Image::new(size.0, size.1, pt);
    let mut opts = ResizeOptions::new().resize_alg(lanczos3()).use_alpha(false);
    if let Some((l, t, w, h)) = crop {
        opts = opts.crop(l, t, w, h);
    }
    Resizer::new()
        .resize(&src, &mut dst, &opts)
        .map_err(|_| Error::internal())?;
    if alpha {
        mul_div
            .divide_alpha_inplace(&mut dst)
            .map_err(|_| Error::internal())?;
    }
    Ok(Bitmap::new(size.0, size.1, b.channels, dst.into_vec()))
}

/// Lanczos3 convolution, with the filter computed by `lanczos3_weight`.
pub fn lanczos3() -> ResizeAlg {
    let filter = Filter::new("Lanczos3", lanczos3_weight, 3.0).expect("finite support above 0");
    ResizeAlg::Convolution(FilterType::Custom(filter))
}

/// The Lanczos3 kernel, sinc(x) sinc(x/3), with no sine, no division and no branch inside the
/// window: with t = pi x / 3 and q = sin(t) / t (`sin_over`, a polynomial), sinc(x/3) = q, and since
/// sin(3t) = sin(t) (3 - 4 sin(t)^2), sinc(x) = q (1 - 4/3 (t q)^2). The resizer evaluates it for
/// every tap of every output row and column (about 15 per output pixel at a 2x shrink), once per
/// plane and direction for every request. libm's two sines were 9% of a small JPEG resize; one
/// sine by a series and two divisions still 3.9%. The values agree with fast_image_resize's own to
/// about 1e-15, and the resized bytes are the same (`tests::lanczos3_matches`).
#[inline]
pub(crate) fn lanczos3_weight(x: f64) -> f64 {
    if !(-3.0..3.0).contains(&x) {
        return 0.0;
    }
    let t = x * (std::f64::consts::PI / 3.0);
    let q = sin_over(t);
    let s = t * q;
    q * q * (1.0 - 4.0 / 3.0 * s * s)
}

/// sin(t) / t for |t| <= pi (1 at 0), the only range `lanczos3_weight` asks for: the Taylor series
/// to t^28, whose remainder there is below 1e-19. A polynomial in t^2, so no division and no
/// folding of the argument.
#[inline]
fn sin_over(t: f64) -> f64 {
    // (-1)^n / (2n + 1)!, n = 0..14.
    const C: [f64; 15] = [
        1.0,
        -0.16666666666666666,
        0.008333333333333333,
        -0.0001984126984126984,
        2.7557319223985893e-06,
        -2.505210838544172e-08,
        1.6059043836821613e-10,
        -7.647163731819816e-13,
        2.8114572543455206e-15,
        -8.22063524662433e-18,
        1.9572941063391263e-20,
        -3.868170170630684e-23,
        6.446950284384474e-26,
        -9.183689863795546e-29,
        1.1309962886447716e-31,
    ];
    // Estrin's scheme: pairs, then pairs of pairs, so the multiplies do not wait on each other in
    // one long chain (with Horner's 14 dependent steps it was no faster than the two divisions it
    // replaced).
    let u = t * t;
    let (u2, u4) = (u * u, u * u * (u * u));
    let pair = |i: usize| C[i] + C[i + 1] * u;
    let quad = |i: usize| pair(i) + pair(i + 2) * u2;
    let low = quad(0) + quad(4) * u4;
    let high = quad(8) + (pair(12) + C[14] * u2) * u4;
    low + high * (u4 * u4)
}

/// Centre `inner` on an `out`-sized canvas of `color`.
fn pad_onto(inner: &Bitmap, out: (u32, u32), color: Rgb) -> Bitmap {
    let mut canvas = Bitmap::filled(out.0, out.1, inner.channels, color, false);
    let x0 = (out.0 - inner.width) / 2;
    let y0 = (out.1 - inner.height) / 2;
    let c = inner.channels as usize;
    let (cs, is) = (canvas.stride(), inner.stride());
    for y in 0..inner.height as usize {
        let d = (y0 as usize + y) * cs + x0 as usize * c;
        canvas.data[d..d + is].copy_from_slice(&inner.data[y * is..(y + 1) * is]);
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;
    use cyanotype_process::{parse, Op, Process};

    #[test]
    fn a_scaled_picture_is_its_sides_times_the_scale() {
        // 997 x 749 at 5/8: 623.125 x 468.125 of the 624 x 469 decoded pixels.
        let at = Placement::scaled((0, 0), (624, 469), (997, 749), 5);
        assert_eq!(at.picture, (0.0, 0.0, 623.125, 468.125));
        assert!(!at.all_picture());
        // Sides that scale to whole pixels, and no scale: all of it.
        assert!(Placement::scaled((0, 0), (625, 470), (1000, 752), 5).all_picture());
        assert!(Placement::scaled((0, 0), (997, 749), (997, 749), 8).all_picture());
        // A size the decoder did not round up from the source is read whole.
        let odd = Placement::scaled((0, 0), (630, 469), (997, 749), 5);
        assert_eq!(odd.picture.2, 630.0);
    }

    #[test]
    fn an_oriented_placement_covers_the_moved_pixels() {
        // Each pixel of a 4 x 3 picture holds how much of it the source's picture covers (x 200):
        // moved by each orientation, that must be what the moved placement says it covers.
        let cover = |at: &Placement| -> Vec<u8> {
            let (l, t, w, h) = at.picture;
            let part = |i: u32, start: f64, len: f64| {
                ((i as f64 + 1.0).min(start + len) - (i as f64).max(start)).max(0.0)
            };
            let mut data = Vec::new();
            for y in 0..at.full.1 {
                for x in 0..at.full.0 {
                    let c = (200.0 * part(x, l, w) * part(y, t, h)) as u8;
                    data.extend_from_slice(&[c, c, c]);
                }
            }
            data
        };
        let at = Placement::scaled((0, 0), (4, 3), (13, 10), 2);
        assert_eq!(at.picture, (0.0, 0.0, 3.25, 2.5));
        let upright = Bitmap::new(4, 3, 3, cover(&at));
        for o in 1..=8 {
            let moved = orient::apply(upright.clone(), o);
            let placed = at.oriented(o);
            assert_eq!((moved.width, moved.height), placed.full, "orientation {o}");
            assert_eq!(moved.data, cover(&placed), "orientation {o}");
        }
    }

    #[test]
    fn alpha_in_place_matches_the_resizer() {
        // Colours and alphas of every kind (0, 255, in between), odd sizes, shrinks, enlargements
        // and crops: `scale` gives the bytes of the resizer's own premultiplication.
        let mut seed = 0x1234_5678u32;
        let mut byte = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        };
        for (w, h, out, crop) in [
            (97, 61, (30, 20), None),
            (64, 64, (129, 70), None),
            (200, 150, (50, 50), Some((20.5, 10.0, 120.0, 120.0))),
            (3, 2, (1, 1), None),
        ] {
            let data: Vec<u8> = (0..w * h * 4)
                .map(|i| match (i % 4, i / 4 % 7) {
                    (3, 0) => 0,
                    (3, 1) => 255,
                    _ => byte(),
                })
                .collect();
            let b = Bitmap::new(w, h, 4, data);
            let src = ImageRef::new(w, h, &b.data, PixelType::U8x4).unwrap();
            let mut dst = Image::new(out.0, out.1, PixelType::U8x4);
            let mut opts = ResizeOptions::new().resize_alg(lanczos3()).use_alpha(true);
            if let Some((l, t, cw, ch)) = crop {
                opts = opts.crop(l, t, cw, ch);
            }
            Resizer::new().resize(&src, &mut dst, &opts).unwrap();
            let ours = scale(b.clone(), out, crop).unwrap();
            assert_eq!(ours.data, dst.into_vec(), "{w}x{h} -> {out:?} {crop:?}");
        }
    }

    fn resize_op(text: &str) -> Resize {
        match parse(text).unwrap() {
            Process::Image(ops) => match ops[0] {
                Op::Resize(r) => r,
                _ => panic!(),
            },
            _ => panic!(),
        }
    }

    fn out(w: u32, h: u32, text: &str) -> (u32, u32) {
        match plan(w, h, &resize_op(text), false, &Limits::default()).unwrap() {
            Plan::Keep => (w, h),
            Plan::Scale { out, .. } => out,
        }
    }

    /// Our kernel against the textbook two-sine one, and a resize with it against the resizer's
    /// built-in Lanczos3: the same bytes.
    #[test]
    fn sin_over_matches_libm() {
        // The whole range `lanczos3_weight` uses, ends included.
        for i in -100_000..=100_000 {
            let t = std::f64::consts::PI * i as f64 / 100_000.0;
            let want = if i == 0 { 1.0 } else { t.sin() / t };
            assert!((sin_over(t) - want).abs() < 5e-16, "{t}");
        }
    }

    #[test]
    fn lanczos3_matches() {
        let sinc = |x: f64| {
            let p = std::f64::consts::PI * x;
            if x == 0.0 {
                1.0
            } else {
                p.sin() / p
            }
        };
        for i in -3100..=3100 {
            let x = i as f64 / 1000.0 + 1e-4;
            let want = if (-3.0..3.0).contains(&x) {
                sinc(x) * sinc(x / 3.0)
            } else {
                0.0
            };
            assert!((lanczos3_weight(x) - want).abs() < 1e-12, "{x}");
        }
        let (w, h) = (97u32, 61u32);
        let data: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7919) % 251) as u8).collect();
        let src = ImageRef::new(w, h, &data, PixelType::U8x3).unwrap();
        for size in [(30, 19), (64, 40), (150, 100)] {
            let mut ours = Image::new(size.0, size.1, PixelType::U8x3);
            let mut theirs = Image::new(size.0, size.1, PixelType::U8x3);
            let built_in = ResizeAlg::Convolution(FilterType::Lanczos3);
            for (alg, dst) in [(lanczos3(), &mut ours), (built_in, &mut theirs)] {
                let opts = ResizeOptions::new().resize_alg(alg);
                Resizer::new().resize(&src, dst, &opts).unwrap();
            }
            assert_eq!(ours.buffer(), theirs.buffer(), "{size:?}");
        }
    }

    #[test]
    fn documented_worked_examples() {
        // OSS doc: source 200x100 with w=150, h=80
        assert_eq!(out(200, 100, "image/resize,m_lfit,w_150,h_80"), (150, 75));
        assert_eq!(out(200, 100, "image/resize,m_mfit,w_150,h_80"), (160, 80));
        assert_eq!(out(200, 100, "image/resize,m_fill,w_150,h_80"), (150, 80));
        assert_eq!(out(200, 100, "image/resize,m_pad,w_150,h_80"), (150, 80));
        assert_eq!(out(200, 100, "image/resize,m_fixed,w_150,h_80"), (150, 80));
        // fixed with only h gives a square
        assert_eq!(
            out(200, 100, "image/resize,m_fixed,h_100,limit_0"),
            (100, 100)
        );
        // example.jpg 400x267, w_100: 66.75 rounds half up to 67
        assert_eq!(out(400, 267, "image/resize,w_100"), (100, 67));
        assert_eq!(
            out(400, 267, "image/resize,m_fixed,w_100,h_100"),
            (100, 100)
        );
        // f.jpg oriented 333x424 with w_100 gives 100x127
        assert_eq!(out(333, 424, "image/resize,w_100"), (100, 127));
    }

    #[test]
    fn fill_after_shrink_on_load_never_reaches_past_the_edge() {
        // A 5312x2988 photo filled to 300x300 arrives decoded at 1/8 (664x374): the centred crop of
        // 300 * (374 / 300) rows overshot 374 by a rounding error and the resizer refused it.
        for (w, h) in [
            (5312, 2988),
            (2988, 5312),
            (4000, 3000),
            (4001, 2999),
            (1001, 333),
        ] {
            for target in ["w_300,h_300", "w_301,h_300", "w_100,h_250", "w_257,h_33"] {
                let text = format!("image/resize,m_fill,{target}");
                let plan = plan(w, h, &resize_op(&text), false, &Limits::default()).unwrap();
                for shrink in [4, 8] {
                    let (bw, bh) = (w.div_ceil(shrink), h.div_ceil(shrink));
                    let b = Bitmap::new(bw, bh, 3, vec![128; (bw * bh * 3) as usize]);
                    let Plan::Scale { out, .. } = plan else {
                        panic!("{text} on {w}x{h} scales")
                    };
                    let r =
                        apply(b, plan).unwrap_or_else(|e| panic!("{text} {w}x{h}/{shrink}: {e:?}"));
                    assert_eq!((r.width, r.height), out);
                }
            }
        }
    }

    #[test]
    fn long_short_and_percent() {
        assert_eq!(out(400, 200, "image/resize,l_100"), (100, 50));
        assert_eq!(out(200, 400, "image/resize,l_100"), (50, 100));
        assert_eq!(out(400, 200, "image/resize,s_100"), (200, 100));
        assert_eq!(out(400, 267, "image/resize,p_50"), (200, 134));
        assert_eq!(
            out(400, 267, "image/resize,p_200"),
            (400, 267),
            "limit_1 keeps the source"
        );
        assert_eq!(out(400, 267, "image/resize,p_200,limit_0"), (800, 534));
    }

    #[test]
    fn limit_keeps_source_and_limit_0_enlarges() {
        assert_eq!(
            plan(
                400,
                267,
                &resize_op("image/resize,w_800"),
                false,
                &Limits::default()
            )
            .unwrap(),
            Plan::Keep
        );
        assert_eq!(out(400, 267, "image/resize,w_800,limit_0"), (800, 534));
        // animated GIFs never enlarge
        assert_eq!(
            plan(
                400,
                267,
                &resize_op("image/resize,w_800,limit_0"),
                true,
                &Limits::default()
            )
            .unwrap(),
            Plan::Keep
        );
    }

    #[test]
    fn output_limit_is_enforced() {
        let e = plan(
            100,
            100,
            &resize_op("image/resize,m_fixed,w_16384,h_16384,limit_0"),
            false,
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, cyanotype_process::Code::ImageTooLarge);
        assert_eq!(e.ec, Some("0040-00000007"));
    }
}
