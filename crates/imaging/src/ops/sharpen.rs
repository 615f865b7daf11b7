//! `sharpen,<v>`: unsharp mask. OSS does not document its formula; we add `v / 200` times the
//! difference between the image and its Gaussian blur (sigma 1, 5 taps), so the recommended 100 is a
//! moderate amount 0.5 and 399 a strong 2.0. Alpha is left as it is.

use cyanotype_process::Result;

use crate::bitmap::Bitmap;
use crate::ops::blur;

pub fn apply(b: &Bitmap, v: u32) -> Result<Bitmap> {
    let blurred = blur::gaussian(b, 5, 1.0)?;
    let amount = (v as i32 * 256) / 200; // fixed point, 8 fractional bits
    let c = b.channels as usize;
    let mut out = b.data.clone();
    for (i, (o, s)) in out.iter_mut().zip(blurred.data.iter()).enumerate() {
        if c == 4 && i % 4 == 3 {
            continue;
        }
        let orig = *o as i32;
        let diff = orig - *s as i32;
        *o = (orig + ((diff * amount) >> 8)).clamp(0, 255) as u8;
    }
    Ok(Bitmap::new(b.width, b.height, b.channels, out))
}
