//! `circle`: the inscribed circle of radius r around the centre, on a 2r square; outside is transparent.

use cyanotype_process::Circle;

use crate::bitmap::Bitmap;
use crate::ops::mask;

/// The radius used on a `w` x `h` image and the side of the square it makes.
pub fn square(c: &Circle, w: u32, h: u32) -> (u32, u32) {
    // OSS: a radius above half the shorter side means the largest inscribed circle.
    let r = c.r.min(w.min(h) / 2).max(1);
    (r, (2 * r).min(w).min(h))
}

pub fn apply(b: &Bitmap, c: &Circle) -> Bitmap {
    let (r, side) = square(c, b.width, b.height);
    let x0 = (b.width - side) / 2;
    let y0 = (b.height - side) / 2;
    let square = b.sub_image(x0, y0, side, side);
    let centre = side as f64 / 2.0;
    mask::apply(square, |x, y| mask::disc(x, y, centre, centre, r as f64))
}
