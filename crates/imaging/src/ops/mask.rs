//! Shared by circle and rounded-corners: antialiased coverage of a shape, applied to the alpha channel.
//! Pixels outside become transparent; JPEG output later renders them white, as OSS does.

use crate::bitmap::Bitmap;

/// Multiply alpha by `coverage(x + 0.5, y + 0.5)` in [0, 1] for every pixel.
pub fn apply(b: Bitmap, coverage: impl Fn(f64, f64) -> f64) -> Bitmap {
    let mut b = b.into_rgba();
    let w = b.width as usize;
    for (i, px) in b.data.chunks_exact_mut(4).enumerate() {
        let (x, y) = ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5);
        let c = coverage(x, y);
        if c < 1.0 {
            px[3] = (px[3] as f64 * c.max(0.0)).round() as u8;
        }
    }
    b
}

/// Coverage of a disc of radius `r` centred at (cx, cy): 1 inside, 0 outside, a one-pixel ramp at the edge.
pub fn disc(x: f64, y: f64, cx: f64, cy: f64, r: f64) -> f64 {
    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
    (r - d + 0.5).clamp(0.0, 1.0)
}
