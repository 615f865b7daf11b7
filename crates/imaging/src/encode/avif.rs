//! AVIF output through ravif (rav1e, pure Rust AV1). Speed 8 keeps encode time reasonable for a server
//! (imgproxy uses the same default); one thread per image, as every other encoder here.

use cyanotype_process::{Error, Result};
use ravif::{Encoder, Img, RGB8, RGBA8};

use crate::bitmap::Bitmap;

pub fn encode(b: &Bitmap, quality: u32) -> Result<Vec<u8>> {
    let enc = Encoder::new()
        .with_quality(quality.clamp(1, 100) as f32)
        .with_speed(8);
    let (w, h) = (b.width as usize, b.height as usize);
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
