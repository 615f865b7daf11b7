//! The eight EXIF orientations as exact pixel moves (also used by `rotate` for right angles).
//! Works in 32x32 tiles so that column-wise reads stay in cache on large images.

use crate::bitmap::Bitmap;

/// Apply EXIF orientation `o` (1-8) so the image shows upright.
pub fn apply(b: Bitmap, o: u8) -> Bitmap {
    if !(2..=8).contains(&o) {
        return b;
    }
    match b.channels {
        3 => transform::<3>(&b, o),
        _ => transform::<4>(&b, o),
    }
}

/// The orientation that turns an image clockwise by `degrees`, for right angles (0 is 1).
pub fn of_turn(degrees: u32) -> Option<u8> {
    match degrees % 360 {
        0 => Some(1),
        90 => Some(6),
        180 => Some(3),
        270 => Some(8),
        _ => None,
    }
}

/// The one orientation that moves pixels as `first` followed by `second` does (both 1-8): EXIF
/// orientation and a right-angle `rotate` become one move of the planes. Found by moving a 3x2
/// picture of distinct samples both ways; 3x2 tells all eight apart (no two moves agree on it).
pub fn then(first: u8, second: u8) -> u8 {
    let probe: Vec<u8> = (0..6).collect();
    let at = |o: u8, w: usize, h: usize, data: &[u8]| plane(w, h, data, o);
    let (w2, h2) = if swaps_sides(first) { (2, 3) } else { (3, 2) };
    let both = at(second, w2, h2, &at(first, 3, 2, &probe));
    (1..=8u8)
        .find(|&o| {
            swaps_sides(o) == (swaps_sides(first) != swaps_sides(second))
                && at(o, 3, 2, &probe) == both
        })
        .expect("the eight orientations are closed under composition")
}

/// Which sides of the source orientation `o` (1-8) reverses (x, y); 5-8 then swap the sides.
pub fn reverses(o: u8) -> (bool, bool) {
    (matches!(o, 2 | 3 | 7 | 8), matches!(o, 3 | 4 | 6 | 7))
}

/// Whether orientation `o` swaps width and height.
pub fn swaps_sides(o: u8) -> bool {
    (5..=8).contains(&o)
}

fn transform<const C: usize>(b: &Bitmap, o: u8) -> Bitmap {
    let (w, h) = (b.width, b.height);
    let data = moved::<C>(w as usize, h as usize, &b.data, o);
    let (w, h) = if swaps_sides(o) { (h, w) } else { (w, h) };
    Bitmap::new(w, h, C as u8, data)
}

/// One plane of samples (`w` x `h`, rows contiguous) under orientation `o` (1-8): the planes of a
/// JPEG turned without leaving Y'CbCr (`Planes::orient`). The sides swap as `swaps_sides` says.
/// Byte by byte as `moved` would do it, but whole rows at a time (a 12 MP photo's planes are 18 M
/// samples).
pub fn plane(w: usize, h: usize, data: &[u8], o: u8) -> Vec<u8> {
    match o {
        2..=4 => {
            let mut out = Vec::with_capacity(w * h);
            for y in 0..h {
                let src = &data[if o == 2 { y } else { h - 1 - y } * w..][..w];
                if o == 4 {
                    out.extend_from_slice(src);
                } else {
                    out.extend(src.iter().rev());
                }
            }
            out
        }
        5..=8 => transpose_plane(w, h, data, matches!(o, 6 | 7), matches!(o, 7 | 8)),
        _ => data[..w * h].to_vec(),
    }
}

/// A plane's columns as rows (h x w out): output row r is source column r (the last first when
/// `last_column_first`), read top down (bottom up when `bottom_up`). Through a 16x16 tile in L1:
/// read by source rows, written by output rows.
fn transpose_plane(
    w: usize,
    h: usize,
    data: &[u8],
    bottom_up: bool,
    last_column_first: bool,
) -> Vec<u8> {
    const T: usize = 16;
    let mut out = vec![0u8; w * h];
    let mut tile = [0u8; T * T];
    for ty in (0..h).step_by(T) {
        let th = T.min(h - ty);
        for tx in (0..w).step_by(T) {
            let tw = T.min(w - tx);
            // Bottom up, output column c holds source row h - 1 - c: this tile's rows land at
            // h - ty - th onwards, reversed.
            let c0 = if bottom_up { h - ty - th } else { ty };
            let out_row = |i: usize| {
                if last_column_first {
                    w - 1 - tx - i
                } else {
                    tx + i
                }
            };
            #[cfg(target_arch = "x86_64")]
            if tw == T && th == T {
                // A whole tile in registers; rows taken bottom up give reversed columns.
                let rows = std::array::from_fn(|j| {
                    let y = ty + if bottom_up { T - 1 - j } else { j };
                    data[y * w + tx..][..T].try_into().expect("16 samples")
                });
                for (i, column) in sse2::transpose(rows).iter().enumerate() {
                    out[out_row(i) * h + c0..][..T].copy_from_slice(column);
                }
                continue;
            }
            // tile[i * T + j]: source column tx + i, row ty + j.
            for j in 0..th {
                for (i, &v) in data[(ty + j) * w + tx..][..tw].iter().enumerate() {
                    tile[i * T + j] = v;
                }
            }
            for i in 0..tw {
                let dst = &mut out[out_row(i) * h + c0..][..th];
                let src = &tile[i * T..][..th];
                if bottom_up {
                    for (d, s) in dst.iter_mut().zip(src.iter().rev()) {
                        *d = *s;
                    }
                } else {
                    dst.copy_from_slice(src);
                }
            }
        }
    }
    out
}

/// A 16x16 block of bytes transposed in SSE2 registers (every x86-64 has it): four rounds of
/// interleaving, bytes, then pairs, quads and halves, each doubling the run of one column's samples.
/// The scalar tile took a quarter of a 12 MP JPEG's `rotate,90` (18 of 69 ms, `perf`).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// `rows[j]` is row j; the result's entry i is column i, row 0 first.
    pub fn transpose(rows: [&[u8; 16]; 16]) -> [[u8; 16]; 16] {
        // SAFETY: SSE2 is part of x86-64; loads and stores are unaligned ones of 16-byte arrays.
        unsafe {
            let r: [__m128i; 16] =
                std::array::from_fn(|j| _mm_loadu_si128(rows[j].as_ptr().cast()));
            // a[2k]: columns 0-7 of rows 2k and 2k+1, a sample pair per column; a[2k+1]: columns 8-15.
            let mut a = [_mm_setzero_si128(); 16];
            for k in 0..8 {
                a[2 * k] = _mm_unpacklo_epi8(r[2 * k], r[2 * k + 1]);
                a[2 * k + 1] = _mm_unpackhi_epi8(r[2 * k], r[2 * k + 1]);
            }
            // b[4q + g]: rows 4q..4q+3 of columns 4g..4g+3, four samples per column.
            let mut b = [_mm_setzero_si128(); 16];
            for q in 0..4 {
                b[4 * q] = _mm_unpacklo_epi16(a[4 * q], a[4 * q + 2]);
                b[4 * q + 1] = _mm_unpackhi_epi16(a[4 * q], a[4 * q + 2]);
                b[4 * q + 2] = _mm_unpacklo_epi16(a[4 * q + 1], a[4 * q + 3]);
                b[4 * q + 3] = _mm_unpackhi_epi16(a[4 * q + 1], a[4 * q + 3]);
            }
            // c[8h + m]: rows 8h..8h+7 of columns 2m and 2m+1, eight samples per column.
            let mut c = [_mm_setzero_si128(); 16];
            for h in 0..2 {
                for g in 0..4 {
                    let (top, bottom) = (b[8 * h + g], b[8 * h + 4 + g]);
                    c[8 * h + 2 * g] = _mm_unpacklo_epi32(top, bottom);
                    c[8 * h + 2 * g + 1] = _mm_unpackhi_epi32(top, bottom);
                }
            }
            let mut out = [[0u8; 16]; 16];
            for m in 0..8 {
                let (even, odd) = out[2 * m..].split_at_mut(1);
                _mm_storeu_si128(
                    even[0].as_mut_ptr().cast(),
                    _mm_unpacklo_epi64(c[m], c[8 + m]),
                );
                _mm_storeu_si128(
                    odd[0].as_mut_ptr().cast(),
                    _mm_unpackhi_epi64(c[m], c[8 + m]),
                );
            }
            out
        }
    }
}

/// The samples of a `w` x `h` image of `C` bytes a pixel under orientation `o` (2-8).
fn moved<const C: usize>(w: usize, h: usize, data: &[u8], o: u8) -> Vec<u8> {
    let row = |y: usize| &data[y * w * C..(y + 1) * w * C];
    match o {
        // Mirrors and the half turn keep rows whole: build the output row by row, no scatter.
        2..=4 => {
            let mut out = Vec::with_capacity(w * h * C);
            for y in 0..h {
                let src = row(if o == 2 { y } else { h - 1 - y });
                if o == 4 {
                    out.extend_from_slice(src);
                } else {
                    for p in src.chunks_exact(C).rev() {
                        out.extend_from_slice(p);
                    }
                }
            }
            out
        }
        // Where source pixel (sx, sy) lands; one monomorphic loop per orientation.
        5 => transpose::<C>(w, h, data, |sx, sy| (sy, sx)),
        6 => transpose::<C>(w, h, data, |sx, sy| (h - 1 - sy, sx)),
        7 => transpose::<C>(w, h, data, |sx, sy| (h - 1 - sy, w - 1 - sx)),
        _ => transpose::<C>(w, h, data, |sx, sy| (sy, w - 1 - sx)), // 8
    }
}

/// The orientations that swap the sides: read the source in 16x16 tiles, row by row, and write each
/// pixel where `dest(sx, sy)` puts it in the h x w output (tiles keep both sides in cache).
fn transpose<const C: usize>(
    w: usize,
    h: usize,
    data: &[u8],
    dest: impl Fn(usize, usize) -> (usize, usize),
) -> Vec<u8> {
    let dw = h;
    let mut out = vec![0u8; w * h * C];
    const T: usize = 16;
    for ty in (0..h).step_by(T) {
        for tx in (0..w).step_by(T) {
            for sy in ty..(ty + T).min(h) {
                let src = &data[(sy * w + tx) * C..(sy * w + (tx + T).min(w)) * C];
                for (i, p) in src.chunks_exact(C).enumerate() {
                    let (x, y) = dest(tx + i, sy);
                    let d = (y * dw + x) * C;
                    out[d..d + C].copy_from_slice(p);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2x2 red green / blue yellow, the ground truth of testdata/tiny/gen_2x2_rgby.png.
    fn rgby() -> Bitmap {
        Bitmap::new(2, 2, 3, vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0])
    }

    fn corners(b: &Bitmap) -> Vec<&[u8]> {
        b.data.chunks(3).collect()
    }

    #[test]
    fn right_angle_moves() {
        let (r, g, bl, y): (&[u8], &[u8], &[u8], &[u8]) =
            (&[255, 0, 0], &[0, 255, 0], &[0, 0, 255], &[255, 255, 0]);
        assert_eq!(
            corners(&apply(rgby(), 6)),
            vec![bl, r, y, g],
            "90 clockwise"
        );
        assert_eq!(corners(&apply(rgby(), 3)), vec![y, bl, g, r], "180");
        assert_eq!(
            corners(&apply(rgby(), 8)),
            vec![g, y, r, bl],
            "270 clockwise"
        );
        assert_eq!(corners(&apply(rgby(), 2)), vec![g, r, y, bl], "mirror");
        assert_eq!(corners(&apply(rgby(), 4)), vec![bl, y, r, g], "flip");
        assert_eq!(corners(&apply(rgby(), 5)), vec![r, bl, g, y], "transpose");
        assert_eq!(corners(&apply(rgby(), 7)), vec![y, g, bl, r], "transverse");
    }

    /// The plane version moves each sample where the pixel version moves a pixel, on sizes that
    /// leave partial tiles on both sides (and whole ones, which x86-64 moves in SSE2).
    #[test]
    fn planes_move_as_pixels_do() {
        for (w, h) in [(37usize, 21usize), (16, 16), (1, 5), (33, 1), (50, 35)] {
            let data: Vec<u8> = (0..w * h).map(|i| (i * 7 % 251) as u8).collect();
            for o in 1..=8u8 {
                let want = if o == 1 {
                    data.clone()
                } else {
                    moved::<1>(w, h, &data, o)
                };
                assert_eq!(plane(w, h, &data, o), want, "{w}x{h} orientation {o}");
            }
        }
    }

    #[test]
    fn composed_moves_are_one_move() {
        let (w, h) = (5usize, 3usize);
        let data: Vec<u8> = (0..15).collect();
        for a in 1..=8u8 {
            for b in 1..=8u8 {
                let (w2, h2) = if swaps_sides(a) { (h, w) } else { (w, h) };
                let two = plane(w2, h2, &plane(w, h, &data, a), b);
                assert_eq!(plane(w, h, &data, then(a, b)), two, "{a} then {b}");
            }
        }
        assert_eq!(then(6, 6), 3, "two quarter turns");
        assert_eq!(then(6, 8), 1, "a quarter turn and back");
        assert_eq!(then(1, 8), 8);
    }

    #[test]
    fn non_square_sizes_swap() {
        let b = Bitmap::filled(5, 3, 4, cyanotype_process::Rgb::BLACK, false);
        let r = apply(b, 6);
        assert_eq!((r.width, r.height), (3, 5));
    }
}
