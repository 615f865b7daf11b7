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
    let (dw, dh) = if swaps_sides(o) { (h, w) } else { (w, h) };
    // Source coordinates of destination (x, y).
    let map = |x: usize, y: usize| -> (usize, usize) {
        match o {
            2 => (w - 1 - x, y),
            3 => (w - 1 - x, h - 1 - y),
            4 => (x, h - 1 - y),
            5 => (y, x),
            6 => (y, h - 1 - x),
            7 => (w - 1 - y, h - 1 - x),
            _ => (w - 1 - y, x), // 8
        }
    };
    let mut out = vec![0u8; dw * dh * C];
    const T: usize = 32;
    for ty in (0..dh).step_by(T) {
        for tx in (0..dw).step_by(T) {
            for y in ty..(ty + T).min(dh) {
                let row = y * dw * C;
                for x in tx..(tx + T).min(dw) {
                    let (sx, sy) = map(x, y);
                    let s = (sy * w + sx) * C;
                    out[row + x * C..row + x * C + C].copy_from_slice(&b.data[s..s + C]);
                }
            }
        }
    }
    Bitmap::new(dw as u32, dh as u32, C as u8, out)
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
