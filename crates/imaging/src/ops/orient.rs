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

/// Whether orientation `o` swaps width and height.
pub fn swaps_sides(o: u8) -> bool {
    (5..=8).contains(&o)
}

fn transform<const C: usize>(b: &Bitmap, o: u8) -> Bitmap {
    let (w, h) = (b.width as usize, b.height as usize);
    let row = |y: usize| &b.data[y * w * C..(y + 1) * w * C];
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
            Bitmap::new(w as u32, h as u32, C as u8, out)
        }
        // Where source pixel (sx, sy) lands; one monomorphic loop per orientation.
        5 => transpose::<C>(b, |sx, sy| (sy, sx)),
        6 => transpose::<C>(b, |sx, sy| (h - 1 - sy, sx)),
        7 => transpose::<C>(b, |sx, sy| (h - 1 - sy, w - 1 - sx)),
        _ => transpose::<C>(b, |sx, sy| (sy, w - 1 - sx)), // 8
    }
}

/// The orientations that swap the sides: read the source in 16x16 tiles, row by row, and write each
/// pixel where `dest(sx, sy)` puts it in the h x w output (tiles keep both sides in cache).
fn transpose<const C: usize>(b: &Bitmap, dest: impl Fn(usize, usize) -> (usize, usize)) -> Bitmap {
    let (w, h) = (b.width as usize, b.height as usize);
    let dw = h;
    let mut out = vec![0u8; w * h * C];
    const T: usize = 16;
    for ty in (0..h).step_by(T) {
        for tx in (0..w).step_by(T) {
            for sy in ty..(ty + T).min(h) {
                let src = &b.data[(sy * w + tx) * C..(sy * w + (tx + T).min(w)) * C];
                for (i, p) in src.chunks_exact(C).enumerate() {
                    let (x, y) = dest(tx + i, sy);
                    let d = (y * dw + x) * C;
                    out[d..d + C].copy_from_slice(p);
                }
            }
        }
    }
    Bitmap::new(h as u32, w as u32, C as u8, out)
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

    #[test]
    fn non_square_sizes_swap() {
        let b = Bitmap::filled(5, 3, 4, cyanotype_process::Rgb::BLACK, false);
        let r = apply(b, 6);
        assert_eq!((r.width, r.height), (3, 5));
    }
}
