//! `circle`: the inscribed circle of radius r around the centre, on a 2r square; outside is transparent.

use cyanotype_process::Circle;

use crate::bitmap::Bitmap;
use crate::ops::mask;

pub fn apply(b: &Bitmap, c: &Circle) -> Bitmap {
    // OSS: a radius above half the shorter side means the largest inscribed circle.
    let r = c.r.min(b.width.min(b.height) / 2).max(1);
    let side = (2 * r).min(b.width).min(b.height);
    let x0 = (b.width - side) / 2;
    let y0 = (b.height - side) / 2;
    let square = b.sub_image(x0, y0, side, side);
    let centre = side as f64 / 2.0;
    mask::apply(square, |x, y| mask::disc(x, y, centre, centre, r as f64))
}
