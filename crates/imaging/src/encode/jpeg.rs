//! JPEG output through libjpeg-turbo: 4:2:0, optimised Huffman tables, baseline or progressive.
//! Transparency is composited on white first (OSS: "OSS不支持将透明色填充为黑色").

use cyanotype_process::{Error, Result, Rgb};
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use crate::bitmap::Bitmap;

pub fn encode(b: Bitmap, quality: u32, progressive: bool) -> Result<Vec<u8>> {
    let b = b.flatten(Rgb::WHITE);
    let mut c = Compressor::new().map_err(|_| Error::internal())?;
    c.set_quality(quality.clamp(1, 100) as i32)
        .map_err(|_| Error::internal())?;
    c.set_subsamp(Subsamp::Sub2x2)
        .map_err(|_| Error::internal())?;
    c.set_optimize(true).map_err(|_| Error::internal())?;
    c.set_progressive(progressive)
        .map_err(|_| Error::internal())?;
    let image = Image {
        pixels: b.data.as_slice(),
        width: b.width as usize,
        pitch: b.stride(),
        height: b.height as usize,
        format: PixelFormat::RGB,
    };
    c.compress_to_vec(image).map_err(|_| Error::internal())
}
