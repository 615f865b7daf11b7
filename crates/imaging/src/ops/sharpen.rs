//! `sharpen,<v>`: unsharp mask. OSS does not document its formula; we add `v / 200` times the
//! difference between the image and its Gaussian blur (sigma 1, 5 taps), so the recommended 100 is a
//! moderate amount 0.5 and 399 a strong 2.0. Alpha is left as it is.

use cyanotype_process::Result;

use crate::bitmap::Bitmap;
use crate::ops::blur;

pub fn apply(b: Bitmap, v: u32) -> Result<Bitmap> {
    let mut out = blur::gaussian(&b, 5, 1.0)?;
    // Fixed point, 8 fractional bits.
    let amount = (v as i32 * 256) / 200;
    // A blurred sample becomes the original plus `amount` times (original - blurred).
    let sharpen = |blurred: &mut u8, orig: u8| {
        let diff = orig as i32 - *blurred as i32;
        *blurred = (orig as i32 + ((diff * amount) >> 8)).clamp(0, 255) as u8;
    };
    // The result is written over the blurred copy (each blurred sample is read once, just before
    // it is replaced), so a large image takes two buffers, not three.
    if b.channels == 4 {
        for (o, s) in out.data.chunks_exact_mut(4).zip(b.data.chunks_exact(4)) {
            for k in 0..3 {
                sharpen(&mut o[k], s[k]);
            }
            o[3] = s[3];
        }
    } else {
        for (o, &s) in out.data.iter_mut().zip(b.data.iter()) {
            sharpen(o, s);
        }
    }
    Ok(out)
}
