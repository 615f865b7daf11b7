//! Our own 1/8- and 1/4-scale decode of baseline JPEGs: a thumbnail's whole cost is the entropy
//! decode, and at 1/8 a picture needs only each block's DC coefficient (plus a few AC of 4:2:0
//! chroma), so this decoder skips AC coefficients with one table lookup each instead of decoding and
//! storing them; at 1/4 it keeps only the coefficients libjpeg-turbo's reduced inverse DCTs read. On
//! one thread it decodes and renders a band of MCU rows at a time, or, when every block keeps only
//! its DC, the two halves of the scan interleaved (`interleave`); when a core is idle it decodes the
//! two halves of the scan at once (restart segments split exactly; without restart markers the second
//! half starts at a guessed byte and is kept from the first MCU whose position the first half's
//! decoder confirms, see `split`). The output is the same bytes as libjpeg-turbo's scaled decode
//! (TurboJPEG, default flags); the tests compare them.
//!
//! The same machinery decodes 4:2:0 files at full size to Y'CbCr planes (for a JPEG resized to a
//! JPEG by less than 4x), keeping every coefficient and calling libjpeg-turbo's own AVX2 inverse
//! DCT (`idct8`), so only the entropy decode is ours (0.82x libjpeg-turbo's decode on one core);
//! and at 3/8, 5/8, 3/4 and 7/8 with our own n x n inverse DCTs (`idct_n`: within one of
//! libjpeg-turbo's samples, not the same bytes).
//!
//! Only what it can do exactly is taken: one interleaved baseline Huffman scan, 8-bit, grey or
//! three components with the usual subsamplings. Anything else, and any data it cannot decode
//! cleanly (bad codes, data that ends early, restart markers out of order), returns `None` and the
//! caller uses libjpeg-turbo, which has its own rules for damaged files.

mod headers;
// The zig-zag order, for the encoder's quality matching too.
pub(crate) use headers::NATURAL;
mod huffman;
mod idct;
#[cfg(target_arch = "x86_64")]
mod idct8;
#[cfg(target_arch = "x86_64")]
mod idct_avx2;
#[cfg(target_arch = "x86_64")]
mod idct_n;
mod interleave;
mod pixels;
mod planar;
mod scan;
mod split;

use crate::bitmap::Bitmap;
use crate::planes::{Plane, Planes};
use pixels::CompOut;
use scan::{Layout, Records, RunEnd, State, Until};

/// A 1/8- or 1/4-scale decode.
pub struct Scaled {
    /// The picture, or the window of it that was asked for (see `origin`).
    pub bitmap: Bitmap,
    /// The source was greyscale (its RGB is grey repeated; an ICC profile would be a grey one).
    pub grey: bool,
    /// Where `bitmap` lies in the whole scaled picture, and that picture's size.
    pub origin: (u32, u32),
    pub full: (u32, u32),
    /// The source's size (the frame header's).
    pub source: (u32, u32),
}

/// A 1/8- or 1/4-scale decode to Y'CbCr planes (4:2:0 only; see `planar`).
pub struct ScaledPlanes {
    /// The picture, or the window of it that was asked for; `planes.width` x `planes.height` luma
    /// pixels, at `origin` of the whole scaled picture of `full` pixels.
    pub planes: Planes,
    pub origin: (u32, u32),
    pub full: (u32, u32),
    /// The source's size (the frame header's).
    pub source: (u32, u32),
}

/// What `decode` rendered: interleaved RGB, or the three planes.
enum Rendered {
    Rgb(Vec<u8>),
    Planes([Plane; 3]),
}

/// A rectangle of the scaled picture, in its pixels: x0, y0, x1, y1 (exclusive).
pub type Rect = [usize; 4];

/// The most memory the coefficients kept for a split decode may take (a 12 MP 4:2:0 photo at 1/4
/// takes about 38 MB, at 1/8 about 11 MB; at 1/1 about 74 MB, so it is decoded in bands: up to
/// about 10 MP at 1/1 is split).
const MAX_RECORDS_BYTES: usize = 64 << 20;

/// Whether this CPU runs the reduced inverse DCTs of 3/8, 5/8, 3/4 and 7/8 (`idct_n`: AVX2 and FMA).
pub fn reduced_idct() -> bool {
    #[cfg(target_arch = "x86_64")]
    return idct_n::supported();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether this CPU runs the vector inverse DCTs (AVX2), which make the 1/4 decode faster than
/// libjpeg-turbo's on one thread.
pub fn vector_idct() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Decodes `data` at 1/`denom` scale (8 or 4) to RGB, or `None` when libjpeg-turbo should.
/// `two_threads`: a second core may help.
pub fn decode_scaled(data: &[u8], denom: usize, two_threads: bool) -> Option<Scaled> {
    rgb(decode(
        data,
        8 / denom,
        How {
            two_threads,
            ..How::default()
        },
    ))
}

/// Decodes a 4:2:0 Y'CbCr `data` at `eighths`/8 to planes: at 1/8, 1/4 (and 1/1 where the CPU has
/// AVX2) the same bytes as libjpeg-turbo's raw output, at 3/8, 5/8, 3/4 and 7/8 (AVX2 and FMA) within
/// one of them (`idct_n`); `None` for 1/2, for anything else, or what `decode_scaled` declines.
pub fn decode_planes(data: &[u8], eighths: usize, two_threads: bool) -> Option<ScaledPlanes> {
    planes(decode(
        data,
        eighths,
        How {
            two_threads,
            as_planes: true,
            ..How::default()
        },
    ))
}

/// As `decode_planes` on one thread, for the MCUs covering `want`, as `decode_scaled_window`.
pub fn decode_planes_window(data: &[u8], eighths: usize, want: Rect) -> Option<ScaledPlanes> {
    planes(decode(
        data,
        eighths,
        How {
            want: Some(want),
            as_planes: true,
            ..How::default()
        },
    ))
}

/// A decode: what was rendered, its size, where it lies in the whole picture, that picture's size
/// and the source's, whether the source is grey.
type Decoded = (
    Rendered,
    (usize, usize),
    (u32, u32),
    ((u32, u32), (u32, u32)),
    bool,
);

fn rgb(d: Option<Decoded>) -> Option<Scaled> {
    let (Rendered::Rgb(rgb), (w, h), origin, (full, source), grey) = d? else {
        return None;
    };
    Some(Scaled {
        bitmap: Bitmap::new(w as u32, h as u32, 3, rgb),
        grey,
        origin,
        full,
        source,
    })
}

fn planes(d: Option<Decoded>) -> Option<ScaledPlanes> {
    let (Rendered::Planes(planes), (w, h), origin, (full, source), _) = d? else {
        return None;
    };
    Some(ScaledPlanes {
        planes: Planes {
            width: w as u32,
            height: h as u32,
            planes,
            density: crate::planes::OUT_DENSITY,
        },
        origin,
        full,
        source,
    })
}

/// As `decode_scaled` on one thread, rendering only the MCUs that cover `want` (in pixels of the
/// scaled picture): the MCUs around them are decoded for their DC predictors alone (no inverse
/// DCTs, no kept coefficients), to the scan's end, so a file is declined exactly when the whole
/// decode would decline it. A fill that crops a 4:3 photo to a square needs 3/4 of the columns.
pub fn decode_scaled_window(data: &[u8], denom: usize, want: Rect) -> Option<Scaled> {
    rgb(decode(
        data,
        8 / denom,
        How {
            want: Some(want),
            ..How::default()
        },
    ))
}

/// As `decode_scaled`, with the code any x86-64 runs whatever the CPU has (the scalar inverse DCTs,
/// the scan without BMI2), so the tests hold both builds to libjpeg-turbo's bytes.
#[doc(hidden)]
pub fn decode_scaled_scalar(data: &[u8], denom: usize, two_threads: bool) -> Option<Scaled> {
    rgb(decode(
        data,
        8 / denom,
        How {
            two_threads,
            scalar: true,
            ..How::default()
        },
    ))
}

/// As `decode_scaled` on two threads, but `None` unless the scan is split: for a scale where our
/// decoder on one thread is slower than libjpeg-turbo (1/4 without AVX2).
pub fn decode_split(data: &[u8], denom: usize) -> Option<Scaled> {
    rgb(decode(
        data,
        8 / denom,
        How {
            two_threads: true,
            split_only: true,
            ..How::default()
        },
    ))
}

/// How `decode` goes about it.
#[derive(Clone, Copy, Default)]
struct How {
    /// A second core may help.
    two_threads: bool,
    /// Decline unless the scan is split (see `decode_split`).
    split_only: bool,
    /// The scalar inverse DCTs and the scan without BMI2, even where the CPU has AVX2 and BMI2.
    scalar: bool,
    /// Only the MCUs covering this (see `decode_scaled_window`; only on one thread).
    want: Option<Rect>,
    /// Render Y'CbCr planes (4:2:0 only) instead of RGB.
    as_planes: bool,
}

/// Decodes at `size`/8: each block gives `size` x `size` samples.
fn decode(data: &[u8], size: usize, how: How) -> Option<Decoded> {
    let How {
        two_threads,
        split_only,
        scalar,
        want,
        as_planes,
    } = how;
    let vector = !scalar && vector_idct();
    // 1/8 and 1/4 any way; 1/1 only as planes, with libjpeg-turbo's AVX2 inverse DCT (`idct8`);
    // 3/8, 5/8, 3/4 and 7/8 only as planes, with our AVX2 and FMA ones (`idct_n`).
    let taken = match size {
        1 | 2 => true,
        8 => as_planes && vector,
        3 | 5 | 6 | 7 => as_planes && vector && reduced_idct(),
        _ => false,
    };
    if !taken {
        return None;
    }
    let h = headers::read(data)?;
    let comps = if as_planes {
        planar_outputs(&h, size)?
    } else {
        outputs(&h, size)?
    };
    let keep: Vec<usize> = comps
        .iter()
        .map(|c| match c.size {
            1 => 0,
            2 => scan::KEEP_2X2,
            4 => scan::KEEP_4X4,
            5 => scan::KEEP_5ROWS,
            _ => scan::KEEP_8X8,
        })
        .collect();
    let mut layout = Layout::new(&h, &keep);
    if scalar {
        layout.portable();
    }
    let entropy = scan::unstuff(data, h.scan_start)?;
    // Without restarts, a restart marker in the scan is damage libjpeg-turbo reports.
    if !entropy.eoi || (layout.restart_interval == 0 && entropy.segments.len() != 2) {
        return None;
    }
    let total = layout.total_mcus();
    let (w, hgt) = ((h.width * size).div_ceil(8), (h.height * size).div_ceil(8));
    let sizes = ((w as u32, hgt as u32), (h.width as u32, h.height as u32));
    let grey = comps.len() == 1;
    let picture = |pieces| pixels::Picture {
        grid: layout.grid(),
        comps: &comps,
        pieces,
        base: 0,
        w,
        h: hgt,
        ycbcr: h.ycbcr,
        vector,
    };
    // The split paths keep the whole scan's records (both halves' runs, the second's speculative);
    // past a bound a big picture decodes on one thread in bands instead, or (restart files, whose
    // split path is the only one we have) goes to libjpeg-turbo.
    let records = total
        .saturating_mul(layout.blocks * 4 + layout.ac_len * 2)
        .saturating_mul(2);
    let small = records <= MAX_RECORDS_BYTES;
    if layout.restart_interval > 0 && !small {
        return None;
    }
    let scan_bytes = *entropy
        .segments
        .last()
        .expect("at least the start and the end");
    let split = two_threads && small && scan_bytes >= split::MIN_SPLIT_BYTES;
    if split_only && !split {
        return None;
    }
    // One core: a whole picture whose blocks keep only their DC decodes its halves interleaved.
    let one_core = (!split
        && want.is_none()
        && small
        && layout.restart_interval == 0
        && scan_bytes >= split::MIN_SPLIT_BYTES)
        .then(|| interleave::Tables::new(&layout))
        .flatten();
    if layout.restart_interval == 0 && !split && one_core.is_none() {
        // One thread: decode and render a band of MCU rows at a time, of the whole picture or of
        // the MCUs covering `want`.
        let (mcu_w, mcu_h) = mcu_pixels(&h, size);
        let [c0, r0, c1, r1] = match want {
            Some([x0, y0, x1, y1]) if x0 < x1 && y0 < y1 => [
                (x0 / mcu_w).min(layout.mcus_x),
                (y0 / mcu_h).min(layout.mcus_y),
                x1.div_ceil(mcu_w).min(layout.mcus_x),
                y1.div_ceil(mcu_h).min(layout.mcus_y),
            ],
            _ => [0, 0, layout.mcus_x, layout.mcus_y],
        };
        if c0 >= c1 || r0 >= r1 {
            return None;
        }
        let whole_rows = (c0, c1) == (0, layout.mcus_x);
        let cols = if whole_rows {
            scan::ALL_COLUMNS
        } else {
            (c0, c1)
        };
        let end = entropy.segments[1] * 8;
        let mut state = State::default();
        let mut run = |rows: usize, cols, records: &mut Records| {
            let until = Until {
                end,
                count: rows * layout.mcus_x,
                stop_at: usize::MAX,
                track: false,
                cols,
            };
            scan::run(&layout, &entropy.bytes, &mut state, until, records) == RunEnd::Done
        };
        // The rows above the window: their DC predictors, nothing kept.
        if r0 > 0 && !run(r0, (0, 0), &mut Records::default()) {
            return None;
        }
        let (x0, y0) = (c0 * mcu_w, r0 * mcu_h);
        let (bw, bh) = ((c1 * mcu_w).min(w) - x0, (r1 * mcu_h).min(hgt) - y0);
        let grid = scan::Grid {
            mcus_x: c1 - c0,
            mcus_y: r1 - r0,
            ..layout.grid()
        };
        let band = pixels::Picture {
            grid,
            w: bw,
            h: bh,
            ..picture(&[])
        };
        let rendered = if as_planes {
            Rendered::Planes(sized(
                &band,
                band.stream_planes(|rows, records| run(rows, cols, records))?,
            ))
        } else {
            Rendered::Rgb(band.stream(|rows, records| run(rows, cols, records))?)
        };
        // The rows below the window are decoded too (nothing kept), so that damage anywhere in the
        // scan declines the file as the whole decode would: a window does not change which files
        // are refused, whether the server is loaded or not.
        let below = layout.mcus_y - r1;
        if below > 0 && !run(below, (0, 0), &mut Records::default()) {
            return None;
        }
        if !scan::whole(state.pos, end) {
            return None;
        }
        return Some((rendered, (bw, bh), (x0 as u32, y0 as u32), sizes, grey));
    }
    let mut first = Records::default();
    let mut second = Records::default();
    let pieces = if layout.restart_interval > 0 {
        split::by_restarts(&layout, &entropy, two_threads, &mut first, &mut second)?
    } else {
        split::speculative(
            &layout,
            &entropy,
            one_core.as_ref(),
            &mut first,
            &mut second,
        )?
    };
    let whole = picture(&pieces);
    let two = two_threads && total >= split::MIN_SPLIT_MCUS;
    let rendered = if as_planes {
        Rendered::Planes(sized(&whole, whole.render_planes(two)))
    } else {
        Rendered::Rgb(whole.render(two))
    };
    Some((rendered, (w, hgt), (0, 0), sizes, grey))
}

/// `planes` as the picture's plane sizes say.
fn sized(p: &pixels::Picture, planes: [Vec<u8>; 3]) -> [Plane; 3] {
    let sizes = p.plane_sizes();
    let mut i = 0;
    planes.map(|data| {
        let (w, h) = sizes[i];
        i += 1;
        Plane {
            width: w as u32,
            height: h as u32,
            data,
        }
    })
}

/// For planes: 4:2:0 Y'CbCr only (luma 2x2, both chroma 1x1), every component at the smallest
/// inverse DCT size, nothing replicated.
fn planar_outputs(h: &headers::Headers, min: usize) -> Option<Vec<CompOut>> {
    let [y, cb, cr] = h.components.as_slice() else {
        return None;
    };
    let shape = [(y.h, y.v), (cb.h, cb.v), (cr.h, cr.v)];
    if !h.ycbcr || shape != [(2, 2), (1, 1), (1, 1)] {
        return None;
    }
    [y, cb, cr]
        .iter()
        .map(|c| {
            Some(CompOut {
                h: c.h,
                v: c.v,
                size: min,
                rep_x: 1,
                rep_y: 1,
                quant: quant(h.dqt[c.tq].as_ref()?),
            })
        })
        .collect()
}

/// The output pixels of one MCU at `block`/8: `block` per block, times the largest sampling
/// factors (a single-component scan has one block per MCU).
fn mcu_pixels(h: &headers::Headers, block: usize) -> (usize, usize) {
    if h.components.len() == 1 {
        return (block, block);
    }
    let hmax = h.components.iter().map(|c| c.h).max().unwrap_or(1);
    let vmax = h.components.iter().map(|c| c.v).max().unwrap_or(1);
    (block * hmax, block * vmax)
}

/// How libjpeg-turbo scales each component when the smallest inverse DCT is `min` (1 at 1/8, 2 at
/// 1/4; jdmaster.c): a component at lower resolution is given a larger inverse DCT while that still
/// divides evenly, then upsampled. At 1/8 the upsampling is replication; at 1/4 it is "fancy"
/// (interpolating), which we do not do, so there every component must come out at full size. We have
/// the 1x1, 2x2 and 4x4 inverse DCTs; anything else is refused.
fn outputs(h: &headers::Headers, min: usize) -> Option<Vec<CompOut>> {
    if h.components.len() == 1 {
        let c = h.components[0];
        return Some(vec![CompOut {
            h: 1,
            v: 1,
            size: min,
            rep_x: 1,
            rep_y: 1,
            quant: quant(h.dqt[c.tq].as_ref()?),
        }]);
    }
    let hmax = h.components.iter().map(|c| c.h).max()?;
    let vmax = h.components.iter().map(|c| c.v).max()?;
    h.components
        .iter()
        .map(|c| {
            let mut size = min;
            while size < 8
                && (hmax * min).is_multiple_of(c.h * size * 2)
                && (vmax * min).is_multiple_of(c.v * size * 2)
            {
                size *= 2;
            }
            let (in_x, in_y) = (c.h * size, c.v * size);
            let (out_x, out_y) = (hmax * min, vmax * min);
            if size > 4 || (min == 1 && size > 2) || out_x % in_x != 0 || out_y % in_y != 0 {
                return None;
            }
            if min > 1 && (out_x != in_x || out_y != in_y) {
                return None;
            }
            Some(CompOut {
                h: c.h,
                v: c.v,
                size,
                rep_x: out_x / in_x,
                rep_y: out_y / in_y,
                quant: quant(h.dqt[c.tq].as_ref()?),
            })
        })
        .collect()
}

/// A zig-zag table in natural order, as the 16-bit values libjpeg-turbo multiplies by
/// (ISLOW_MULT_TYPE is short with SIMD).
fn quant(zigzag: &[u16; 64]) -> [i16; 64] {
    let mut natural = [0i16; 64];
    for (k, &nat) in headers::NATURAL.iter().enumerate() {
        natural[nat] = zigzag[k] as i16;
    }
    natural
}
