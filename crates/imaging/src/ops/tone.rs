//! `bright` and `contrast`: per-channel lookup tables on the colour channels (alpha untouched).
//!
//! OSS does not document either formula. bright adds v * 255 / 100 (so 100 makes everything white and
//! -100 black). contrast scales the distance from mid-grey: by (100 + v) / 100 when v < 0 (so -100 is
//! flat grey) and by 100 / (100 - v) when v > 0 (so 100 is a hard threshold).

use crate::bitmap::Bitmap;

fn apply_lut(mut b: Bitmap, lut: &[u8; 256]) -> Bitmap {
    if b.channels == 3 {
        for v in b.data.iter_mut() {
            *v = lut[*v as usize];
        }
    } else {
        for px in b.data.chunks_exact_mut(4) {
            for v in &mut px[..3] {
                *v = lut[*v as usize];
            }
        }
    }
    b
}

pub fn bright(b: Bitmap, v: i32) -> Bitmap {
    if v == 0 {
        return b;
    }
    let add = v * 255 / 100;
    let lut: [u8; 256] = std::array::from_fn(|i| (i as i32 + add).clamp(0, 255) as u8);
    apply_lut(b, &lut)
}

pub fn contrast(b: Bitmap, v: i32) -> Bitmap {
    if v == 0 {
        return b;
    }
    let k = if v < 0 {
        (100 + v) as f64 / 100.0
    } else if v < 100 {
        100.0 / (100 - v) as f64
    } else {
        1e6
    };
    let lut: [u8; 256] =
        std::array::from_fn(|i| (127.5 + (i as f64 - 127.5) * k).round().clamp(0.0, 255.0) as u8);
    apply_lut(b, &lut)
}
