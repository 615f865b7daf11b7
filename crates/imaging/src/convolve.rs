//! Lanczos3 resampling of one 8-bit plane with AVX2: the planes path's resize (`planes.rs`).
//!
//! It computes what fast_image_resize 6.1 computes for a `U8` image (the same weights, the same
//! fixed point, vertical pass first), so the bytes are the same (`tests::same_bytes_as_the_resizer`),
//! only faster where that crate spends its time on a plane:
//! - its horizontal pass sums each output sample's taps across a vector (four shuffles and adds per
//!   sample) and does the taps past a multiple of 8 one by one (13 taps at a 2x shrink: 5 scalar
//!   multiplies per sample and row). Here each sample's weights are padded with zeros to a multiple
//!   of 16 (moved left at the right edge so the reads stay in the row), and four samples are summed
//!   together (`_mm256_hadd_epi32`) and stored with one 4-byte write;
//! - it computes the weights anew for each call; here they are kept by geometry (`plan`), so Cb and
//!   Cr share them, and so do pictures of one size resized to one size.
//!
//! Measured on the small resize (a 1000 x 750 JPEG to `resize,w_300`): see the README's performance
//! section. Without AVX2 the caller keeps fast_image_resize (`available`).

/// Fixed-point Lanczos3 weights of one direction: for each output sample, the first source sample
/// it reads and that many weights in `stride` slots (zeros past its own).
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    /// Weights are `round(w * 2^precision)`; a sum is rounded and shifted back by as much.
    precision: u32,
    stride: usize,
    starts: Vec<u32>,
    sizes: Vec<u32>,
    values: Vec<i16>,
}

/// 8 bits of result and 2 for overshoot (a Lanczos sum can leave 0..255) in an i32.
const PRECISION_BITS: u32 = 32 - 8 - 2;

impl Weights {
    /// The weights resampling `in0..in1` of `in_size` samples to `out_size`, with the filter
    /// widened by the shrink factor, each output's weights normalised to sum to 1 and cut where
    /// the source ends: fast_image_resize's `precompute_coefficients`, then its `Normalizer16`
    /// (the largest precision whose largest weight still fits an i16).
    pub fn lanczos3(in_size: u32, in0: f64, in1: f64, out_size: u32) -> Weights {
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: the CPU has AVX2.
            return unsafe { lanczos3_avx2(in_size, in0, in1, out_size) };
        }
        lanczos3_any(in_size, in0, in1, out_size)
    }

    fn weights(&self, out: usize) -> &[i16] {
        &self.values[out * self.stride..][..self.sizes[out] as usize]
    }

    /// The same weights with `starts` moved by `-by` (a pass over a buffer that begins there).
    fn shifted(mut self, by: u32) -> Weights {
        self.starts.iter_mut().for_each(|s| *s -= by);
        self
    }

    /// The first source sample any output reads, and one past the last.
    fn span(&self) -> (u32, u32) {
        let first = self.starts.first().copied().unwrap_or(0);
        let end = (self.starts.iter().zip(&self.sizes))
            .map(|(s, n)| s + n)
            .max()
            .unwrap_or(0);
        (first, end)
    }

    /// For the AVX2 horizontal pass: `stride` a multiple of 16, and each output's weights placed
    /// so that all `stride` samples read lie in a row of `width` (a start near the right edge
    /// moves left, its weights after that many zeros). `None` when the row is narrower than that.
    fn padded(&self, width: u32) -> Option<Weights> {
        let longest = self.sizes.iter().copied().max().unwrap_or(0) as usize;
        let stride = longest.div_ceil(16).max(1) * 16;
        if stride > width as usize {
            return None;
        }
        let mut p = Weights {
            precision: self.precision,
            stride,
            starts: Vec::with_capacity(self.starts.len()),
            sizes: vec![stride as u32; self.starts.len()],
            values: vec![0; stride * self.starts.len()],
        };
        for (out, slot) in p.values.chunks_exact_mut(stride).enumerate() {
            let start = self.starts[out].min(width - stride as u32);
            let lead = (self.starts[out] - start) as usize;
            let own = self.weights(out);
            slot[lead..lead + own.len()].copy_from_slice(own);
            p.starts.push(start);
        }
        Some(p)
    }

    /// A rounded, shifted and clamped sum: what a sample becomes.
    #[inline]
    fn finish(&self, acc: i32) -> u8 {
        ((acc + (1 << (self.precision - 1))) >> self.precision).clamp(0, 255) as u8
    }
}

/// `Weights::lanczos3` compiled with AVX2: the kernel is evaluated four taps at a time, and the
/// roundings are instructions rather than calls. Each lane does the scalar code's arithmetic in the
/// same order (no fused multiply-adds), so the weights are the same to the bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lanczos3_avx2(in_size: u32, in0: f64, in1: f64, out_size: u32) -> Weights {
    lanczos3_any(in_size, in0, in1, out_size)
}

#[inline(always)]
fn lanczos3_any(in_size: u32, in0: f64, in1: f64, out_size: u32) -> Weights {
    let mut w = Weights {
        precision: 0,
        stride: 0,
        starts: Vec::with_capacity(out_size as usize),
        sizes: Vec::with_capacity(out_size as usize),
        values: Vec::new(),
    };
    let scale = (in1 - in0) / out_size as f64;
    if in_size == 0 || out_size == 0 || scale <= 0.0 {
        return w;
    }
    const SUPPORT: f64 = 3.0;
    let filter_scale = scale.max(1.0);
    let radius = SUPPORT * filter_scale;
    w.stride = radius.ceil() as usize * 2 + 1;
    let recip = 1.0 / filter_scale;
    let mut float = vec![0f64; w.stride * out_size as usize];
    for (out, row) in float.chunks_exact_mut(w.stride).enumerate() {
        let in_center = in0 + (out as f64 + 0.5) * scale;
        let first = (in_center - radius).floor().max(0.0) as u32;
        let end = (in_center + radius).ceil().min(in_size as f64) as u32;
        let center = in_center - 0.5;
        // Every tap first (a loop without branches, so it vectorises), then the zeros at either
        // end dropped: leading ones move the start.
        let taps = &mut row[..(end - first) as usize];
        for (i, v) in taps.iter_mut().enumerate() {
            *v =
                crate::ops::resize::lanczos3_weight(((first as usize + i) as f64 - center) * recip);
        }
        let lead = taps.iter().take_while(|&&v| v == 0.0).count();
        let n = taps.len() - taps.iter().rev().take_while(|&&v| v == 0.0).count();
        let n = n.saturating_sub(lead);
        taps.copy_within(lead..lead + n, 0);
        taps[n..].iter_mut().for_each(|v| *v = 0.0);
        let sum = taps[..n].iter().sum::<f64>();
        if sum != 0.0 {
            taps[..n].iter_mut().for_each(|v| *v /= sum);
        }
        w.starts.push(first + lead as u32);
        w.sizes.push(n as u32);
    }
    let max = float.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for p in 0..PRECISION_BITS {
        w.precision = p;
        if (max * (1u32 << (p + 1)) as f64).round() as i32 >= 1 << 15 {
            break;
        }
    }
    let unit = (1u32 << w.precision) as f64;
    w.values = float.iter().map(|&v| (v * unit).round() as i16).collect();
    w
}

/// Whether this CPU runs the passes here (AVX2); elsewhere the caller keeps fast_image_resize.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// A plane's samples: `width` x `height` of them, rows `stride` bytes apart.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub data: &'a [u8],
    pub stride: usize,
    pub width: u32,
    pub height: u32,
}

/// How one plane is resampled: the weights of both directions (or none, where fast_image_resize
/// would not filter that direction: same size at a whole offset).
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// Left and top, when that direction is only an offset.
    left: u32,
    top: u32,
    /// The horizontal pass's weights over the buffer it reads: the vertical pass's output, which
    /// starts at source column `x_first` and is `x_cols` wide, or (without one) the plane.
    x: Option<Weights>,
    /// The same, padded for the AVX2 pass where the buffer is wide enough.
    x_padded: Option<Weights>,
    x_first: u32,
    x_cols: u32,
    y: Option<Weights>,
    /// The plane's size and the output's.
    plane: (u32, u32),
    size: (u32, u32),
}

/// What a plan is made from: the plane's size, the output's and the region.
pub type PlanKey = ((u32, u32), (u32, u32), crate::ops::resize::Rect);

/// The plans made last, newest first: a server resizes many pictures of one size to one size (a
/// camera's photos, a style), and Cb and Cr of one picture share theirs. Making one was 3% of a
/// small JPEG resize (`Weights::lanczos3`, for four directions); a plan is a few KB.
const PLANS_KEPT: usize = 32;
const PLAN_BYTES_KEPT: usize = 256 << 10;
static PLANS: Kept = Kept(std::sync::Mutex::new(Vec::new()));

/// The plan of `key` (`Plan::new`'s arguments), made or kept.
pub fn plan(key: PlanKey) -> std::sync::Arc<Plan> {
    PLANS.get(key)
}

/// Plans by key, the `PLANS_KEPT` used last, newest first.
struct Kept(std::sync::Mutex<Vec<(PlanKey, std::sync::Arc<Plan>)>>);

impl Kept {
    fn get(&self, key: PlanKey) -> std::sync::Arc<Plan> {
        let kept = |plans: &mut Vec<(PlanKey, std::sync::Arc<Plan>)>| {
            let i = plans.iter().position(|(k, _)| *k == key)?;
            let hit = plans.remove(i);
            plans.insert(0, hit.clone());
            Some(hit.1)
        };
        // A poisoned lock only means a panic elsewhere while it was held: the list is still whole.
        let lock = || self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = kept(&mut lock()) {
            return p;
        }
        // Made outside the lock, so another thread's hit does not wait for it.
        let made = std::sync::Arc::new(Plan::new(key.0, key.1, key.2));
        // A plan of a huge shrink (six weights per source sample each way, so up to about a MB at
        // the pixel limits) is not kept: the list stays within PLANS_KEPT times PLAN_BYTES_KEPT.
        if made.bytes() > PLAN_BYTES_KEPT {
            return made;
        }
        let mut plans = lock();
        if kept(&mut plans).is_none() {
            plans.insert(0, (key, made.clone()));
            plans.truncate(PLANS_KEPT);
        }
        made
    }
}

impl Plan {
    /// Resampling the rectangle `region` (left, top, width, height, in samples) of a `width` x
    /// `height` plane to `size`.
    ///
    /// # Panics
    /// When the region is empty or does not lie inside the plane, or `size` is empty (the caller's
    /// checks; `run`'s vector code counts on them).
    pub fn new(
        (width, height): (u32, u32),
        size: (u32, u32),
        region: crate::ops::resize::Rect,
    ) -> Plan {
        let (left, top, w, h) = region;
        assert!(
            left >= 0.0 && top >= 0.0 && w > 0.0 && h > 0.0,
            "a region of the plane: {region:?}"
        );
        assert!(
            left + w <= width as f64 && top + h <= height as f64,
            "{region:?} inside {width} x {height}"
        );
        assert!(size.0 > 0 && size.1 > 0, "an output of {size:?}");
        let filters = |out: u32, start: f64, len: f64| out as f64 != len || start != start.round();
        let x = filters(size.0, left, w).then(|| Weights::lanczos3(width, left, left + w, size.0));
        let y = filters(size.1, top, h).then(|| Weights::lanczos3(height, top, top + h, size.1));
        // With both passes, vertical first over the columns the horizontal pass reads (fewer rows
        // to filter across, as fast_image_resize does for 8-bit samples).
        let (x, x_first, x_cols) = match x {
            Some(x) if y.is_some() => {
                let (first, end) = x.span();
                (Some(x.shifted(first)), first, end - first)
            }
            x => (x, 0, width),
        };
        Plan {
            left: left as u32,
            top: top as u32,
            x_padded: x.as_ref().and_then(|x| x.padded(x_cols)),
            x,
            x_first,
            x_cols,
            y,
            plane: (width, height),
            size,
        }
    }

    /// The memory its weights take.
    fn bytes(&self) -> usize {
        [&self.x, &self.x_padded, &self.y]
            .iter()
            .filter_map(|w| w.as_ref())
            .map(|w| w.values.len() * 2 + w.starts.len() * 8)
            .sum()
    }

    /// The resampled plane, `size.0 * size.1` samples.
    ///
    /// # Panics
    /// When `src` is not the size the plan was made for, or its data does not hold its rows (the
    /// vector code reads through pointers within them).
    pub fn run(&self, src: Source) -> Vec<u8> {
        assert_eq!((src.width, src.height), self.plane, "the plan's plane");
        let rows = (src.height as usize - 1) * src.stride + src.width as usize;
        assert!(src.stride >= src.width as usize && src.data.len() >= rows);
        let (w, h) = (self.size.0 as usize, self.size.1 as usize);
        let mut out = vec![0u8; w * h];
        let padded = self.x_padded.as_ref();
        match (&self.x, &self.y) {
            (Some(x), Some(y)) => {
                let cols = self.x_cols as usize;
                let mut tmp = vec![0u8; cols * h];
                vertical(src, self.x_first as usize, y, &mut tmp, cols);
                let tmp = Source {
                    data: &tmp,
                    stride: cols,
                    width: cols as u32,
                    height: h as u32,
                };
                horizontal(tmp, 0, x, padded, &mut out, w);
            }
            (Some(x), None) => horizontal(src, self.top as usize, x, padded, &mut out, w),
            (None, Some(y)) => vertical(src, self.left as usize, y, &mut out, w),
            (None, None) => {
                for (row, dst) in out.chunks_exact_mut(w.max(1)).enumerate() {
                    let at = (self.top as usize + row) * src.stride + self.left as usize;
                    dst.copy_from_slice(&src.data[at..at + w]);
                }
            }
        }
        out
    }
}

/// Each output row `y` is the sum of `wts`' rows of `src` times their weights, over the `out_w`
/// columns from `x0`.
fn vertical(src: Source, x0: usize, wts: &Weights, out: &mut [u8], out_w: usize) {
    let vector = out_w >= 32 && available();
    let mut acc = vec![0i32; if vector { 0 } else { out_w }];
    for (y, dst) in out.chunks_exact_mut(out_w.max(1)).enumerate() {
        let start = wts.starts[y] as usize;
        let ks = wts.weights(y);
        #[cfg(target_arch = "x86_64")]
        if vector {
            // SAFETY: AVX2 is there; every row read (start.. start + ks.len() <= height) holds the
            // columns x0..x0 + out_w: the plan's region lies in the plane (`Plan::new`), and the
            // data holds the plane's rows (`Plan::run`).
            unsafe { avx2::vertical_row(src, x0, start, ks, wts.precision, dst) };
            continue;
        }
        acc.fill(0);
        for (t, &k) in ks.iter().enumerate() {
            let row = &src.data[(start + t) * src.stride + x0..][..out_w];
            for (a, &s) in acc.iter_mut().zip(row) {
                *a += s as i32 * k as i32;
            }
        }
        for (d, &a) in dst.iter_mut().zip(&acc) {
            *d = wts.finish(a);
        }
    }
}

/// Each output sample of row `y` is the sum of `wts`' samples of row `y0 + y` times their weights;
/// `padded` is `wts.padded(src.width)`.
fn horizontal(
    src: Source,
    y0: usize,
    wts: &Weights,
    padded: Option<&Weights>,
    out: &mut [u8],
    out_w: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if out_w >= 4 && available() {
        if let Some(padded) = padded {
            for (y, dst) in out.chunks_exact_mut(out_w).enumerate() {
                let row = &src.data[(y0 + y) * src.stride..][..src.width as usize];
                // SAFETY: AVX2 is there; `padded` keeps every read inside `row`. The common
                // widths (up to a 4.5x shrink) get a loop of known length, unrolled.
                unsafe {
                    match padded.stride / 16 {
                        1 => avx2::horizontal_row::<1>(row, padded, dst),
                        2 => avx2::horizontal_row::<2>(row, padded, dst),
                        _ => avx2::horizontal_row::<0>(row, padded, dst),
                    }
                }
            }
            return;
        }
    }
    for (y, dst) in out.chunks_exact_mut(out_w.max(1)).enumerate() {
        let row = &src.data[(y0 + y) * src.stride..][..src.width as usize];
        for (x, d) in dst.iter_mut().enumerate() {
            let start = wts.starts[x] as usize;
            let acc = (wts.weights(x).iter().zip(&row[start..]))
                .map(|(&k, &s)| k as i32 * s as i32)
                .sum();
            *d = wts.finish(acc);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Source, Weights};
    use std::arch::x86_64::*;

    /// One output row of the vertical pass, 32 columns at a time (the last 32 overlapping the
    /// ones before when the width is not a multiple): two source rows per step, their samples
    /// interleaved as 16-bit pairs and multiplied by the pair of weights (`_mm256_madd_epi16`).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn vertical_row(
        src: Source,
        x0: usize,
        start: usize,
        ks: &[i16],
        precision: u32,
        dst: &mut [u8],
    ) {
        let w = dst.len();
        debug_assert!(w >= 32 && (start + ks.len()) <= src.height as usize);
        debug_assert!(x0 + w <= src.width as usize);
        let round = _mm256_set1_epi32(1 << (precision - 1));
        let shift = _mm_cvtsi32_si128(precision as i32);
        let zero = _mm256_setzero_si256();
        let mut x = 0;
        loop {
            let x_at = x.min(w - 32);
            let mut acc = [round; 4];
            let base = src.data.as_ptr().add(start * src.stride + x0 + x_at);
            for (t, pair) in ks.chunks(2).enumerate() {
                let a = _mm256_loadu_si256(base.add(2 * t * src.stride) as *const __m256i);
                let (b, kb) = match pair {
                    [_, kb] => (
                        _mm256_loadu_si256(base.add((2 * t + 1) * src.stride) as *const __m256i),
                        *kb,
                    ),
                    _ => (zero, 0),
                };
                let k = _mm256_set1_epi32((kb as u16 as i32) << 16 | pair[0] as u16 as i32);
                // Per 128-bit lane: samples 0-7 and 8-15 as 16 bits, then (a, b) pairs of 0-3,
                // 4-7, 8-11, 12-15; the packs below undo the order lane by lane.
                let (alo, ahi) = (_mm256_unpacklo_epi8(a, zero), _mm256_unpackhi_epi8(a, zero));
                let (blo, bhi) = (_mm256_unpacklo_epi8(b, zero), _mm256_unpackhi_epi8(b, zero));
                let pairs = [
                    _mm256_unpacklo_epi16(alo, blo),
                    _mm256_unpackhi_epi16(alo, blo),
                    _mm256_unpacklo_epi16(ahi, bhi),
                    _mm256_unpackhi_epi16(ahi, bhi),
                ];
                for (a, p) in acc.iter_mut().zip(pairs) {
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(p, k));
                }
            }
            let s = acc.map(|a| _mm256_sra_epi32(a, shift));
            let lo = _mm256_packs_epi32(s[0], s[1]);
            let hi = _mm256_packs_epi32(s[2], s[3]);
            let bytes = _mm256_packus_epi16(lo, hi);
            _mm256_storeu_si256(dst.as_mut_ptr().add(x_at) as *mut __m256i, bytes);
            if x_at + 32 >= w {
                break;
            }
            x += 32;
        }
    }

    /// One output row of the horizontal pass, four samples at a time (the last four overlapping
    /// when the width is not a multiple): each sample's `stride` source bytes widened to 16 bits
    /// and multiplied by its weights 16 at a time, the four sums reduced together. `CHUNKS` is
    /// `stride / 16`, or 0 for "any".
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn horizontal_row<const CHUNKS: usize>(
        row: &[u8],
        wts: &Weights,
        dst: &mut [u8],
    ) {
        let w = dst.len();
        debug_assert!(w >= 4 && wts.stride % 16 == 0);
        debug_assert!(CHUNKS == 0 || CHUNKS * 16 == wts.stride);
        let chunks = if CHUNKS == 0 { wts.stride / 16 } else { CHUNKS };
        let round = _mm_set1_epi32(1 << (wts.precision - 1));
        let shift = _mm_cvtsi32_si128(wts.precision as i32);
        let mut x = 0;
        loop {
            let x_at = x.min(w - 4);
            let mut acc = [_mm256_setzero_si256(); 4];
            for (j, a) in acc.iter_mut().enumerate() {
                let out = x_at + j;
                let start = wts.starts[out] as usize;
                debug_assert!(start + wts.stride <= row.len());
                let px = row.as_ptr().add(start);
                let ks = wts.values.as_ptr().add(out * wts.stride);
                for c in 0..chunks {
                    let s = _mm256_cvtepu8_epi16(_mm_loadu_si128(px.add(16 * c) as *const __m128i));
                    let k = _mm256_loadu_si256(ks.add(16 * c) as *const __m256i);
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(s, k));
                }
            }
            // Per lane [sum0, sum1, sum2, sum3] of its half; the halves added.
            let h = _mm256_hadd_epi32(
                _mm256_hadd_epi32(acc[0], acc[1]),
                _mm256_hadd_epi32(acc[2], acc[3]),
            );
            let sums = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
            let v = _mm_sra_epi32(_mm_add_epi32(sums, round), shift);
            let v = _mm_packus_epi16(_mm_packs_epi32(v, v), v);
            let four = (_mm_cvtsi128_si32(v) as u32).to_le_bytes();
            dst[x_at..x_at + 4].copy_from_slice(&four);
            if x_at + 4 >= w {
                break;
            }
            x += 4;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fast_image_resize::images::{CroppedImage, Image, ImageRef};
    use fast_image_resize::{PixelType, ResizeOptions, Resizer};

    /// fast_image_resize's answer for the same request.
    fn theirs(src: Source, size: (u32, u32), region: crate::ops::resize::Rect) -> Vec<u8> {
        let whole = ImageRef::new(
            src.stride as u32,
            (src.data.len() / src.stride) as u32,
            src.data,
            PixelType::U8,
        )
        .unwrap();
        let view = CroppedImage::new(&whole, 0, 0, src.width, src.height).unwrap();
        let mut dst = Image::new(size.0, size.1, PixelType::U8);
        let opts = ResizeOptions::new()
            .resize_alg(crate::ops::resize::lanczos3())
            .crop(region.0, region.1, region.2, region.3);
        Resizer::new().resize(&view, &mut dst, &opts).unwrap();
        dst.into_vec()
    }

    /// A plane with edges and texture (so every tap matters), in a buffer wider than the plane.
    fn plane(w: u32, h: u32, stride: usize, seed: u32) -> Vec<u8> {
        let mut state = seed.wrapping_mul(2654435761) | 1;
        (0..stride * h as usize)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let (x, y) = ((i % stride) as u32, (i / stride) as u32);
                let edge = if (x / 7 + y / 5) % 2 == 0 { 230 } else { 20 };
                if x >= w {
                    0xEE
                } else {
                    edge.max(state % 256) as u8 & if state % 5 == 0 { 0xFF } else { 0xF0 }
                }
            })
            .collect()
    }

    #[test]
    fn same_bytes_as_the_resizer() {
        let mut rng = 7u64;
        let mut next = |n: u64| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) % n
        };
        let mut cases = vec![
            // The small resize's luma and chroma (1000 x 750 at 5/8), a shrink-on-load remainder
            // of 4x and more, an enlargement, one row, one column, same size at a fractional
            // offset, same width at a whole offset.
            ((625, 469), (300, 225), (0.0, 0.0, 625.0, 468.75)),
            ((313, 235), (150, 113), (0.0, 0.0, 312.5, 234.375)),
            ((500, 375), (100, 75), (0.0, 0.0, 500.0, 375.0)),
            ((40, 30), (97, 61), (0.0, 0.0, 40.0, 30.0)),
            ((300, 1), (37, 1), (0.0, 0.0, 300.0, 1.0)),
            ((1, 300), (1, 37), (0.0, 0.0, 1.0, 300.0)),
            ((64, 64), (32, 32), (10.5, 3.25, 32.0, 32.0)),
            ((64, 64), (64, 20), (0.0, 0.0, 64.0, 60.0)),
            ((64, 64), (20, 64), (0.0, 0.0, 60.0, 64.0)),
            ((64, 64), (30, 30), (3.0, 4.0, 30.0, 30.0)),
            // One direction at an offset: vertical only (AVX2, a width not a multiple of 32) and
            // horizontal only.
            ((100, 64), (70, 30), (7.0, 0.0, 70.0, 60.0)),
            ((100, 64), (70, 30), (7.0, 3.0, 70.0, 60.0)),
            ((64, 64), (20, 30), (0.0, 5.0, 60.0, 30.0)),
            ((64, 64), (20, 30), (2.0, 5.0, 60.0, 30.0)),
        ];
        for _ in 0..300 {
            let (w, h) = (1 + next(700) as u32, 1 + next(300) as u32);
            let (rw, rh) = (1.0 + next(w as u64) as f64, 1.0 + next(h as u64) as f64);
            let (rw, rh) = (rw - next(4) as f64 / 4.0, rh - next(8) as f64 / 8.0);
            let left = next(((w as f64 - rw) * 4.0) as u64 + 1) as f64 / 4.0;
            let top = next(((h as f64 - rh) * 3.0) as u64 + 1) as f64 / 3.0;
            let out = (
                1 + next(rw as u64 + 40) as u32,
                1 + next(rh as u64 + 40) as u32,
            );
            cases.push(((w, h), out, (left, top, rw, rh)));
        }
        for (i, &((w, h), size, region)) in cases.iter().enumerate() {
            let stride = w as usize + (i % 3) * 5;
            let data = plane(w, h, stride, i as u32);
            let src = Source {
                data: &data,
                stride,
                width: w,
                height: h,
            };
            let ours = plan(((w, h), size, region)).run(src);
            assert!(
                ours == theirs(src, size, region),
                "case {i}: {w}x{h} {region:?} to {size:?}"
            );
        }
    }

    #[test]
    fn plans_are_kept_by_their_key() {
        let kept = Kept(std::sync::Mutex::new(Vec::new()));
        let key = ((517, 333), (101, 67), (0.0, 0.0, 517.0, 333.0));
        let a = kept.get(key);
        assert_eq!(*a, Plan::new(key.0, key.1, key.2));
        assert!(std::sync::Arc::ptr_eq(&a, &kept.get(key)), "kept");
        // Used again, it stays through PLANS_KEPT - 1 newer ones; then one more pushes it out.
        for i in 0..PLANS_KEPT as u32 - 1 {
            kept.get(((517, 333), (102 + i, 67), key.2));
        }
        assert!(
            std::sync::Arc::ptr_eq(&a, &kept.get(key)),
            "the newest again"
        );
        for i in 0..PLANS_KEPT as u32 {
            kept.get(((517, 333), (200 + i, 67), key.2));
        }
        assert_eq!(kept.0.lock().unwrap().len(), PLANS_KEPT);
        assert!(!std::sync::Arc::ptr_eq(&a, &kept.get(key)), "pushed out");
        // A 20,000-sample plane to 1,000: 121 weights each way per output, about 740 KB; made
        // each time, not kept.
        let big = (
            (20_000, 20_000),
            (1_000, 1_000),
            (0.0, 0.0, 20_000.0, 20_000.0),
        );
        let b = kept.get(big);
        assert!(b.bytes() > PLAN_BYTES_KEPT);
        assert!(!std::sync::Arc::ptr_eq(&b, &kept.get(big)));
    }

    #[test]
    fn padded_weights_stay_in_the_row() {
        // A 2x shrink: 12 or 13 taps, padded to 16.
        let w = Weights::lanczos3(40, 0.0, 40.0, 20);
        let p = w.padded(40).unwrap();
        assert_eq!(p.stride, 16);
        for out in 0..20 {
            assert!(p.starts[out] as usize + 16 <= 40);
            // The same weights at the same source samples.
            let lead = (w.starts[out] - p.starts[out]) as usize;
            let own = w.weights(out);
            assert_eq!(&p.weights(out)[lead..lead + own.len()], own);
            assert!(p.weights(out)[lead + own.len()..].iter().all(|&k| k == 0));
        }
        assert!(w.padded(15).is_none(), "a row narrower than 16 samples");
    }
}
