//! `rounded-corners`: round the four corners with radius r (at most half the shorter side); outside the
//! corners is transparent.

use cyanotype_process::RoundedCorners;

use crate::bitmap::Bitmap;
use crate::ops::mask;

pub fn apply(b: Bitmap, c: &RoundedCorners) -> Bitmap {
    let (w, h) = (b.width as f64, b.height as f64);
    let r = (c.r as f64).min(w.min(h) / 2.0);
    mask::apply(b, |x, y| {
        // Distance test only inside the four r x r corner squares.
        let cx = if x < r {
            r
        } else if x > w - r {
            w - r
        } else {
            return 1.0;
        };
        let cy = if y < r {
            r
        } else if y > h - r {
            h - r
        } else {
            return 1.0;
        };
        mask::disc(x, y, cx, cy, r)
    })
}
