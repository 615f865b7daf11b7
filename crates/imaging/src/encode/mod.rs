//! Writing the output: one function per format family. JPEG and WebP go through their reference C
//! libraries (speed and size); GIF through the `gif` crate with our own palette and frame differencing
//! (gif.rs); PNG, BMP and TIFF through the `image` crate.

pub mod avif;
pub mod gif;
pub mod jpeg;
pub mod jpeg_tables;
pub mod webp;

use std::io::Cursor;

use cyanotype_process::{Error, Format, Result};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::bitmap::Bitmap;
use crate::decode::Frame;

/// Resolved output settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub format: Format,
    /// 1-100, for jpg and lossy webp.
    pub quality: u32,
    /// Progressive JPEG (`interlace,1`).
    pub progressive: bool,
    pub webp_lossless: bool,
}

fn color_type(b: &Bitmap) -> ExtendedColorType {
    if b.channels == 4 {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    }
}

/// Encode one still image.
pub fn encode(b: Bitmap, s: &Settings) -> Result<Vec<u8>> {
    match s.format {
        Format::Jpg => jpeg::encode(b, s.quality, s.progressive),
        Format::Webp => webp::encode(&b.drop_opaque_alpha(), s.quality, s.webp_lossless),
        Format::Gif => gif::encode(&[Frame {
            bitmap: b,
            delay_ms: 0,
        }]),
        Format::Png => {
            let b = b.drop_opaque_alpha();
            let mut out = Vec::new();
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(&b.data, b.width, b.height, color_type(&b))
                .map_err(|_| Error::internal())?;
            Ok(out)
        }
        Format::Bmp | Format::Tiff => {
            let b = b.drop_opaque_alpha();
            let mut out = Cursor::new(Vec::new());
            let f =
                crate::decode::image_format(s.format).expect("bmp and tiff are image-rs formats");
            image::write_buffer_with_format(
                &mut out,
                &b.data,
                b.width,
                b.height,
                color_type(&b),
                f,
            )
            .map_err(|_| Error::internal())?;
            Ok(out.into_inner())
        }
        Format::Avif => avif::encode(&b.drop_opaque_alpha(), s.quality),
        // A source format only: `format,heic` does not parse and a HEIC source's own format is
        // answered as JPEG (pipeline's output settings).
        Format::Heic => Err(Error::internal()),
    }
}

/// Encode an animation (GIF or WebP); other formats take the first frame.
pub fn encode_frames(frames: Vec<Frame>, s: &Settings) -> Result<Vec<u8>> {
    match s.format {
        Format::Gif => gif::encode(&frames),
        Format::Webp if frames.len() > 1 => {
            webp::encode_animation(&frames, s.quality, s.webp_lossless)
        }
        _ => encode(
            frames
                .into_iter()
                .next()
                .ok_or_else(Error::internal)?
                .bitmap,
            s,
        ),
    }
}
