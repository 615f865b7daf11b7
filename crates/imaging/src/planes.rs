//! Y'CbCr planes, for the commonest request of an image server: a JPEG resized to a JPEG.
//!
//! Through bitmaps that request converts colour twice (the decoder upsamples chroma and turns
//! Y'CbCr into RGB; the encoder turns RGB back and averages chroma down again) and resamples three
//! full-size channels. Resampling is linear and so is the colour transform, so resampling the
//! planes themselves gives the same picture up to rounding and clamping: the luma plane at full
//! size and the chroma planes at their own (for 4:2:0, a quarter) size, straight to the sizes the
//! encoder wants. The pipeline takes this path only when nothing else touches the pixels (see
//! `pipeline::jpeg_planes`); the test `tests/planes.rs` holds it to the bitmap path's output.

use crate::convolve;
use crate::ops::resize::Rect;
use cyanotype_process::{Error, Result};
use fast_image_resize::images::{CroppedImage, Image, ImageRef};
use fast_image_resize::{PixelType, ResizeOptions, Resizer};

/// One plane of 8-bit samples, rows contiguous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plane {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// A picture as Y, Cb and Cr planes.
#[derive(Clone, Debug, PartialEq)]
pub struct Planes {
    /// The picture's size in pixels (luma samples). A decoder's planes may hold a little more:
    /// libjpeg-turbo pads them to whole MCUs.
    pub width: u32,
    pub height: u32,
    /// Y, Cb, Cr.
    pub planes: [Plane; 3],
    /// Each plane's samples per picture pixel, across and down: 1 for luma, 1/2 for 4:2:0 chroma.
    pub density: [(f64, f64); 3],
}

/// The density of 4:2:0 output, the only subsampling our JPEG encoder writes.
pub const OUT_DENSITY: [(f64, f64); 3] = [(1.0, 1.0), (0.5, 0.5), (0.5, 0.5)];

impl Planes {
    /// How many samples of plane `i` are the picture's own, across and down: past them a decoder's
    /// planes hold block padding, which libjpeg-turbo leaves undefined where a whole block lies
    /// outside the image.
    fn valid(&self, i: usize) -> (u32, u32) {
        let ((dx, dy), plane) = (self.density[i], &self.planes[i]);
        (
            ((self.width as f64 * dx).ceil() as u32).min(plane.width),
            ((self.height as f64 * dy).ceil() as u32).min(plane.height),
        )
    }

    /// Resample to `out` pixels, 4:2:0, from the rectangle `src` (left, top, width, height in
    /// picture pixels) with Lanczos3, as `resize::scale` does for a bitmap. Each output plane reads
    /// the part of its source plane that covers the same part of the picture, so the planes stay in
    /// register whatever the two subsamplings.
    pub fn scale(&self, out: (u32, u32), src: Rect) -> Result<Planes> {
        let (left, top, w, h) = src;
        let mut planes = Vec::with_capacity(3);
        for (i, plane) in self.planes.iter().enumerate() {
            let (dx, dy) = self.density[i];
            let (ox, oy) = OUT_DENSITY[i];
            let size = (
                (out.0 as f64 * ox).ceil() as u32,
                (out.1 as f64 * oy).ceil() as u32,
            );
            // A chroma plane of an odd-sized output covers half a pixel more than the picture:
            // read that much more of the source too, so its samples keep the luma's scale.
            let (cover_x, cover_y) = (
                size.0 as f64 / (out.0 as f64 * ox),
                size.1 as f64 / (out.1 as f64 * oy),
            );
            let region = (left * dx, top * dy, w * dx * cover_x, h * dy * cover_y);
            planes.push(scale_plane(plane, self.valid(i), size, region)?);
        }
        let planes: [Plane; 3] = planes.try_into().map_err(|_| Error::internal())?;
        Ok(Planes {
            width: out.0,
            height: out.1,
            planes,
            density: OUT_DENSITY,
        })
    }
}

/// Whether orientation `o` (1-8) moves a 4:2:0 picture of `size` pixels with its chroma grid: each
/// chroma sample covers two pixels a side, and a side with an odd number of pixels ends with one
/// that covers only one; reversed, that one would have to cover the first pixel and one before it.
/// So a side that `o` reverses must be even for the planes to be encoded as they are.
pub fn orient_keeps_chroma(o: u8, (w, h): (u32, u32)) -> bool {
    let (x, y) = crate::ops::orient::reverses(o);
    !(x && w % 2 == 1) && !(y && h % 2 == 1)
}

impl Planes {
    /// The picture under EXIF orientation `o` (1-8; `rotate` by 90, 180 and 270 is 6, 3 and 8),
    /// sample by sample: each plane is cut to the picture's own samples (a decoder pads them to
    /// whole blocks), then moved. 4:2:0 planes only (`None` otherwise).
    ///
    /// A reversed odd side (see `orient_keeps_chroma`) gets one more luma sample, the edge repeated,
    /// so that the side's last chroma sample covers two again; moved, that sample comes first. The
    /// second value is where the picture starts in the planes returned: (1, 0) when such a sample
    /// leads each row, (0, 1) when a row leads, for `scale` to read from (its chroma then reads
    /// from half a sample in, which is where the picture's chroma lies).
    pub fn orient(&self, o: u8) -> Option<(Planes, (u32, u32))> {
        if self.density != OUT_DENSITY {
            return None;
        }
        let (rx, ry) = crate::ops::orient::reverses(o);
        let more = (
            (rx && self.width % 2 == 1) as u32,
            (ry && self.height % 2 == 1) as u32,
        );
        let swaps = crate::ops::orient::swaps_sides(o);
        let swap = |(a, b): (u32, u32)| if swaps { (b, a) } else { (a, b) };
        let mut planes = Vec::with_capacity(3);
        for (i, plane) in self.planes.iter().enumerate() {
            let trimmed = trim(plane, self.valid(i));
            let p = match (i, more) {
                (0, (0, 0)) | (1.., _) => trimmed,
                (0, (mx, my)) => std::borrow::Cow::Owned(pad(&trimmed, mx, my)),
            };
            let data = crate::ops::orient::plane(p.width as usize, p.height as usize, &p.data, o);
            let (width, height) = swap((p.width, p.height));
            planes.push(Plane {
                width,
                height,
                data,
            });
        }
        let (width, height) = swap((self.width + more.0, self.height + more.1));
        let planes = Planes {
            width,
            height,
            planes: planes.try_into().ok()?,
            density: OUT_DENSITY,
        };
        Some((planes, swap(more)))
    }
}

/// Resample `region` (left, top, width, height in samples) of the top left `valid` samples of `p` to
/// `size` with Lanczos3. The resizer sees those samples as the whole plane (a view of the decoder's
/// MCU-padded plane, not a copy), so its filter stops at their edge. A region reaching past that
/// edge (by the part of a sample an odd size leaves over) reads the edge repeated.
fn scale_plane(p: &Plane, valid: (u32, u32), size: (u32, u32), region: Rect) -> Result<Plane> {
    let (left, top, w, h) = region;
    let over = |end: f64, have: u32| (end - have as f64 - 1e-9).ceil().max(0.0) as u32;
    let (more_x, more_y) = (over(left + w, valid.0), over(top + h, valid.1));
    let padded;
    let src = if more_x > 0 || more_y > 0 {
        padded = pad(&trim(p, valid), more_x, more_y);
        convolve::Source {
            data: &padded.data,
            stride: padded.width as usize,
            width: padded.width,
            height: padded.height,
        }
    } else {
        convolve::Source {
            data: &p.data,
            stride: p.width as usize,
            width: valid.0,
            height: valid.1,
        }
    };
    let dims = (src.width as f64, src.height as f64);
    let region = (left, top, w.min(dims.0 - left), h.min(dims.1 - top));
    // What fast_image_resize refuses (its crop box), and an empty output: `convolve::Plan::new`
    // asserts neither happens.
    let inside = region.0 + region.2 <= dims.0 && region.1 + region.3 <= dims.1;
    if !(left >= 0.0 && top >= 0.0 && region.2 > 0.0 && region.3 > 0.0 && inside)
        || size.0 == 0
        || size.1 == 0
    {
        return Err(Error::internal());
    }
    let data = if convolve::available() {
        convolve::plan(((src.width, src.height), size, region)).run(src)
    } else {
        resample(src, size, region)?
    };
    Ok(Plane {
        width: size.0,
        height: size.1,
        data,
    })
}

/// `region` of `src` to `size` with fast_image_resize's Lanczos3: the same bytes as
/// `convolve::Plan`, for CPUs without AVX2.
fn resample(src: convolve::Source, size: (u32, u32), region: Rect) -> Result<Vec<u8>> {
    let (left, top, w, h) = region;
    let rows = (src.data.len() / src.stride) as u32;
    let whole = ImageRef::new(src.stride as u32, rows, src.data, PixelType::U8)
        .map_err(|_| Error::internal())?;
    let view =
        CroppedImage::new(&whole, 0, 0, src.width, src.height).map_err(|_| Error::internal())?;
    let mut dst = Image::new(size.0, size.1, PixelType::U8);
    let opts = ResizeOptions::new()
        .resize_alg(crate::ops::resize::lanczos3())
        .crop(left, top, w, h);
    Resizer::new()
        .resize(&view, &mut dst, &opts)
        .map_err(|_| Error::internal())?;
    Ok(dst.into_vec())
}

/// The top left `size` samples of `p`: `p` itself (borrowed) when that is all of it, else a copy.
fn trim(p: &Plane, (w, h): (u32, u32)) -> std::borrow::Cow<'_, Plane> {
    use std::borrow::Cow;
    if (w, h) == (p.width, p.height) {
        return Cow::Borrowed(p);
    }
    let mut data = Vec::with_capacity(w as usize * h as usize);
    for row in p.data.chunks_exact(p.width as usize).take(h as usize) {
        data.extend_from_slice(&row[..w as usize]);
    }
    Cow::Owned(Plane {
        width: w,
        height: h,
        data,
    })
}

/// `p` with its last column repeated `more_x` times and its last row `more_y` times.
fn pad(p: &Plane, more_x: u32, more_y: u32) -> Plane {
    let (w, h) = (p.width as usize, p.height as usize);
    let nw = w + more_x as usize;
    let mut data = Vec::with_capacity(nw * (h + more_y as usize));
    for row in p.data.chunks_exact(w) {
        data.extend_from_slice(row);
        data.resize(data.len() + more_x as usize, row[w - 1]);
    }
    let last = data.len() - nw;
    for _ in 0..more_y {
        data.extend_from_within(last..last + nw);
    }
    Plane {
        width: nw as u32,
        height: p.height + more_y,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(w: u32, h: u32, v: u8) -> Plane {
        Plane {
            width: w,
            height: h,
            data: vec![v; (w * h) as usize],
        }
    }

    #[test]
    fn pad_repeats_the_edges() {
        let p = Plane {
            width: 2,
            height: 2,
            data: vec![1, 2, 3, 4],
        };
        let q = pad(&p, 2, 1);
        assert_eq!((q.width, q.height), (4, 3));
        assert_eq!(q.data, vec![1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4]);
    }

    /// A 4x2 picture with 2x1 chroma, padded as a decoder pads to blocks, turned a quarter: the
    /// padding is cut and every plane turns with the picture; odd sides that would be reversed are
    /// refused.
    #[test]
    fn orient_moves_every_plane() {
        let pad = 9;
        let luma = Plane {
            width: 5,
            height: 3,
            data: vec![1, 2, 3, 4, pad, 5, 6, 7, 8, pad, pad, pad, pad, pad, pad],
        };
        let chroma = |a, b| Plane {
            width: 3,
            height: 2,
            data: vec![a, b, pad, pad, pad, pad],
        };
        let p = Planes {
            width: 4,
            height: 2,
            planes: [luma, chroma(10, 11), chroma(20, 21)],
            density: OUT_DENSITY,
        };
        let (q, at) = p.orient(6).unwrap();
        assert_eq!(at, (0, 0));
        assert_eq!((q.width, q.height), (2, 4));
        assert_eq!(q.planes[0].data, vec![5, 1, 6, 2, 7, 3, 8, 4]);
        assert_eq!((q.planes[1].width, q.planes[1].height), (1, 2));
        assert_eq!(q.planes[1].data, vec![10, 11]);
        assert_eq!(q.planes[2].data, vec![20, 21]);
        let (q, _) = p.orient(2).unwrap();
        assert_eq!(q.planes[0].data, vec![4, 3, 2, 1, 8, 7, 6, 5]);
        assert_eq!(q.planes[1].data, vec![11, 10]);
        // Three pixels wide (chroma 2 wide, its second sample covering the third pixel only),
        // mirrored: a fourth pixel (the third repeated) is added first, so it leads the rows,
        // and the picture starts one pixel in.
        let mut odd = p.clone();
        odd.width = 3;
        let (q, at) = odd.orient(2).unwrap();
        assert_eq!(at, (1, 0));
        assert_eq!((q.width, q.height), (4, 2));
        assert_eq!(q.planes[0].data, vec![3, 3, 2, 1, 7, 7, 6, 5]);
        assert_eq!(q.planes[1].data, vec![11, 10]);
        // Turned a quarter clockwise (6 reverses the rows): the sides swap, rows stay even.
        let (q, at) = odd.orient(6).unwrap();
        assert_eq!((at, q.width, q.height), ((0, 0), 2, 3));
        // A quarter anticlockwise (8 reverses x, which becomes y): the extra pixel leads a row.
        let (q, at) = odd.orient(8).unwrap();
        assert_eq!((at, q.width, q.height), ((0, 1), 2, 4));
        assert_eq!(q.planes[0].data, vec![3, 7, 3, 7, 2, 6, 1, 5]);
        // A 3-pixel-wide picture can be turned so its width becomes height unreversed (8 reverses
        // x, 6 reverses y), but not mirrored.
        assert!(orient_keeps_chroma(6, (3, 2)));
        assert!(!orient_keeps_chroma(8, (3, 2)));
        assert!(!orient_keeps_chroma(2, (3, 2)));
        assert!(orient_keeps_chroma(5, (3, 3)));
        let mut q = p.clone();
        q.density = [(1.0, 1.0); 3];
        assert!(q.orient(6).is_none(), "only 4:2:0 planes");
    }

    /// The fallback for CPUs without AVX2 (`resample`, fast_image_resize) gives the bytes
    /// `convolve` gives, through the views `scale_plane` hands it: a decoder's plane seen through
    /// its valid samples (stride wider than the view), at fractional offsets, one direction only.
    #[test]
    fn the_fallback_resizer_gives_the_same_bytes() {
        let p = Plane {
            width: 40,
            height: 24,
            data: (0..960u32).map(|i| (i * 37 % 251) as u8).collect(),
        };
        for (valid, size, region) in [
            ((37, 21), (11, 7), (0.0, 0.0, 37.0, 21.0)),
            ((37, 21), (20, 10), (1.5, 2.25, 30.0, 17.5)),
            ((40, 24), (40, 9), (0.0, 0.0, 40.0, 24.0)),
            ((40, 24), (9, 24), (0.0, 0.0, 40.0, 24.0)),
        ] {
            let src = convolve::Source {
                data: &p.data,
                stride: 40,
                width: valid.0,
                height: valid.1,
            };
            let ours = convolve::plan((valid, size, region)).run(src);
            assert_eq!(
                resample(src, size, region).unwrap(),
                ours,
                "{region:?} to {size:?}"
            );
        }
    }

    /// Odd output sizes make chroma planes that reach past the picture; each plane still comes out
    /// at its size, and flat planes stay flat.
    #[test]
    fn odd_sizes_scale_every_plane() {
        for (w, h, out) in [
            (1000, 750, (300, 225)),
            (999, 751, (333, 1)),
            (17, 9, (5, 3)),
        ] {
            let planes = Planes {
                width: w,
                height: h,
                planes: [
                    flat(w, h, 90),
                    flat(w.div_ceil(2), h.div_ceil(2), 100),
                    flat(w.div_ceil(2), h.div_ceil(2), 200),
                ],
                density: OUT_DENSITY,
            };
            let s = planes.scale(out, (0.0, 0.0, w as f64, h as f64)).unwrap();
            assert_eq!((s.planes[0].width, s.planes[0].height), out);
            let c = (out.0.div_ceil(2), out.1.div_ceil(2));
            for (i, v) in [(0, 90u8), (1, 100), (2, 200)] {
                if i > 0 {
                    assert_eq!((s.planes[i].width, s.planes[i].height), c);
                }
                assert!(s.planes[i].data.iter().all(|&x| x == v), "plane {i}");
            }
        }
    }
}
