//! AVIF output through ravif (rav1e, pure Rust AV1), on one thread per image as every other encoder
//! here (rav1e's tiles gained nothing on a still: a 12 MP photo took 18.2 s on one thread, 19.8 s
//! allowed two).
//!
//! rav1e's speed is chosen by the output's size. It cannot be interrupted, so the time limit
//! (`deadline`) cannot stop it, and at speed 8 (imgproxy's default) a 4096x4096 image of noise, the
//! largest output OSS allows, took 65 s and the 12 MP photo of the benchmark 17 s of CPU. Speed 10
//! takes the photo in 2.6 s (7x faster) for 5% more bytes at the same quantizer (SSIM 0.9872 against
//! 0.9882), and the 1 MP noise in 0.53 s instead of 3.9; so images up to [`CAREFUL_PIXELS`] keep
//! speed 8 (at most about 4 s) and larger ones take speed 10.

use cyanotype_process::{Error, Result};
use ravif::{Encoder, Img, RGB8, RGBA8};

use crate::bitmap::Bitmap;

/// The largest output encoded at rav1e's slower, smaller speed 8: 1 MP.
pub const CAREFUL_PIXELS: u64 = 1 << 20;

/// rav1e's speed for an output of `pixels`.
pub fn speed(pixels: u64) -> u8 {
    if pixels <= CAREFUL_PIXELS {
        8
    } else {
        10
    }
}

pub fn encode(b: &Bitmap, quality: u32) -> Result<Vec<u8>> {
    let (w, h) = (b.width as usize, b.height as usize);
    let enc = Encoder::new()
        .with_quality(quality.clamp(1, 100) as f32)
        .with_speed(speed(w as u64 * h as u64))
        .with_num_threads(Some(1));
    let out = if b.channels == 4 {
        let px: Vec<RGBA8> = b
            .data
            .chunks_exact(4)
            .map(|p| RGBA8::new(p[0], p[1], p[2], p[3]))
            .collect();
        enc.encode_rgba(Img::new(&px[..], w, h))
    } else {
        let px: Vec<RGB8> = b
            .data
            .chunks_exact(3)
            .map(|p| RGB8::new(p[0], p[1], p[2]))
            .collect();
        enc.encode_rgb(Img::new(&px[..], w, h))
    };
    out.map(|e| e.avif_file).map_err(|_| Error::internal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_outputs_take_the_fast_speed() {
        assert_eq!(speed(300 * 300), 8);
        assert_eq!(speed(1024 * 1024), 8);
        assert_eq!(speed(1024 * 1024 + 1), 10);
        assert_eq!(speed(4096 * 4096), 10);
    }
}
