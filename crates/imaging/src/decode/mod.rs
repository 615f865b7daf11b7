//! Reading sources: `probe` reads only headers (format, size, frame count, EXIF orientation) so every
//! limit is checked before a pixel is decoded; `decode` then produces sRGB bitmaps, shrinking on load
//! where the format allows it.

pub mod gif;
pub mod heif;
pub mod jpeg;
pub mod jpeg_dc;
pub mod jpeg_planes;
pub mod jpeg_region;
mod turbo;
pub mod webp;

use std::io::Cursor;

use crate::ops::resize::Placement;

use cyanotype_process::{Error, Format, Result};
use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat};

use crate::bitmap::Bitmap;
use crate::icc;
use crate::limits::Limits;
use crate::sniff::sniff;

/// What the header says, before any decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    /// EXIF orientation 1-8 (anything else is reported as 1).
    pub orientation: u8,
}

/// One frame of a (possibly animated) image, composited on the full canvas.
#[derive(Debug, Clone)]
pub struct Frame {
    pub bitmap: Bitmap,
    pub delay_ms: u32,
}

pub fn probe(data: &[u8]) -> Result<Probe> {
    let format = sniff(data)
        .ok_or_else(|| Error::damaged("the source is not in a supported image format"))?;
    let (width, height, frames) = match format {
        Format::Jpg => {
            let (w, h) = jpeg::header(data)?;
            (w, h, 1)
        }
        Format::Gif => {
            let g = gif::info(data)?;
            (g.width, g.height, g.frames)
        }
        Format::Webp => {
            let i = webp::info(data)?;
            (
                i.width,
                i.height,
                if i.animated {
                    webp::frame_count(data)
                } else {
                    1
                },
            )
        }
        Format::Png | Format::Bmp | Format::Tiff => {
            let (w, h) = image_rs_decoder(data, format, &Limits::default())?.dimensions();
            (w, h, 1)
        }
        Format::Heic | Format::Avif => {
            let (w, h) = heif::info(data)?;
            (w, h, 1)
        }
    };
    if width == 0 || height == 0 {
        return Err(Error::damaged("the image has no pixels"));
    }
    Ok(Probe {
        format,
        width,
        height,
        frames,
        // libheif applies a HEIF's rotation itself (see heif.rs): its EXIF orientation is not ours to apply.
        orientation: if matches!(format, Format::Heic | Format::Avif) {
            1
        } else {
            orientation(data, format)
        },
    })
}

/// EXIF orientation from JPEG APP1, PNG eXIf, WebP EXIF or the TIFF IFD.
pub fn orientation(data: &[u8], format: Format) -> u8 {
    let Some(exif) = crate::exif_block::parse(data, format) else {
        return 1;
    };
    match exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
    {
        Some(v @ 1..=8) => v as u8,
        _ => 1,
    }
}

/// Check the source limits from the probe.
pub fn check_source(p: &Probe, limits: &Limits) -> Result<()> {
    let pixels = p.width as u64 * p.height as u64 * p.frames.max(1) as u64;
    if p.width > limits.max_source_side
        || p.height > limits.max_source_side
        || pixels > limits.max_source_pixels
    {
        return Err(Error::too_large(format!(
            "The source image {}x{} ({} frames) exceeds the limit of {} px per side and {} pixels in total.",
            p.width, p.height, p.frames, limits.max_source_side, limits.max_source_pixels
        ))
        .with_ec(cyanotype_process::error::ec::SOURCE_TOO_LARGE));
    }
    Ok(())
}

/// A decoder from the `image` crate for the formats it reads well (PNG, BMP, TIFF, GIF stills).
fn image_rs_decoder<'a>(
    data: &'a [u8],
    format: Format,
    limits: &Limits,
) -> Result<Box<dyn ImageDecoder + 'a>> {
    let c = Cursor::new(data);
    let mut dec: Box<dyn ImageDecoder> = match format {
        Format::Png => Box::new(image::codecs::png::PngDecoder::new(c).map_err(Error::damaged)?),
        Format::Bmp => Box::new(image::codecs::bmp::BmpDecoder::new(c).map_err(Error::damaged)?),
        Format::Tiff => Box::new(image::codecs::tiff::TiffDecoder::new(c).map_err(Error::damaged)?),
        Format::Gif => Box::new(image::codecs::gif::GifDecoder::new(c).map_err(Error::damaged)?),
        _ => return Err(Error::internal()),
    };
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_source_side);
    l.max_image_height = Some(limits.max_source_side);
    l.max_alloc = Some(limits.max_source_pixels.saturating_mul(8));
    dec.set_limits(l).map_err(Error::damaged)?;
    Ok(dec)
}

/// Turn any decoded image into our 8-bit RGB or RGBA bitmap.
fn from_dynamic(img: DynamicImage) -> Bitmap {
    let (w, h) = (img.width(), img.height());
    if img.color().has_alpha() {
        Bitmap::new(w, h, 4, img.into_rgba8().into_raw())
    } else {
        Bitmap::new(w, h, 3, img.into_rgb8().into_raw())
    }
}

/// Decode the first (or only) frame. `min_size` lets JPEG and WebP shrink on load while staying at
/// least that large.
pub fn decode_first(
    data: &[u8],
    probe: &Probe,
    min_size: Option<(u32, u32)>,
    limits: &Limits,
) -> Result<Bitmap> {
    decode_first_placed(data, probe, min_size, limits).map(|(b, _)| b)
}

/// As `decode_first`, with which part of the bitmap is the source's picture: all of it but for a
/// JPEG shrunk on load (see `Placement::picture`).
pub fn decode_first_placed(
    data: &[u8],
    probe: &Probe,
    min_size: Option<(u32, u32)>,
    limits: &Limits,
) -> Result<(Bitmap, Placement)> {
    if probe.format == Format::Jpg {
        let denom = min_size.map_or(1, |m| {
            jpeg::choose_denominator(probe.width, probe.height, m)
        });
        return jpeg::decode(data, denom);
    }
    let b = decode_other(data, probe, min_size, limits)?;
    let whole = Placement::whole((b.width, b.height));
    Ok((b, whole))
}

/// `decode_first` for every format but JPEG.
fn decode_other(
    data: &[u8],
    probe: &Probe,
    min_size: Option<(u32, u32)>,
    limits: &Limits,
) -> Result<Bitmap> {
    match probe.format {
        Format::Webp if probe.frames > 1 => Ok(webp::decode_animation(data, 1)?.remove(0).bitmap),
        Format::Webp => {
            // libwebp's scaler averages, so decoding straight to a 2x size keeps quality.
            let size = min_size.map(|(mw, mh)| {
                let s = (mw as f64 / probe.width as f64).max(mh as f64 / probe.height as f64);
                (
                    ((probe.width as f64 * s).ceil() as u32).max(1),
                    ((probe.height as f64 * s).ceil() as u32).max(1),
                )
            });
            let mut b = webp::decode_still(data, size)?;
            if let Some(profile) = webp::icc(data) {
                icc::rgb_to_srgb(&mut b, profile);
            }
            Ok(b)
        }
        Format::Heic | Format::Avif => heif::decode(data),
        _ => {
            let mut dec = image_rs_decoder(data, probe.format, limits)?;
            let profile = dec.icc_profile().ok().flatten();
            let img = DynamicImage::from_decoder(dec).map_err(Error::damaged)?;
            let mut b = from_dynamic(img);
            if let Some(profile) = profile {
                icc::rgb_to_srgb(&mut b, &profile);
            }
            Ok(b)
        }
    }
}

/// As `decode_first` for the fill plan's `window` (see `resize::Plan::fill_window`): a JPEG may come
/// back as only that window of the decoded picture, placed as the returned `Placement` says.
pub fn decode_first_window(
    data: &[u8],
    probe: &Probe,
    min_size: (u32, u32),
    window: [f64; 4],
    limits: &Limits,
) -> Result<(Bitmap, Placement)> {
    if probe.format == Format::Jpg {
        let denom = jpeg::choose_denominator(probe.width, probe.height, min_size);
        return jpeg::decode_window(data, denom, (probe.width, probe.height), window);
    }
    decode_first_placed(data, probe, Some(min_size), limits)
}

/// Decode every frame of an animated GIF or WebP.
pub fn decode_all(data: &[u8], probe: &Probe) -> Result<Vec<Frame>> {
    match probe.format {
        Format::Webp => webp::decode_animation(data, probe.frames as usize),
        Format::Gif => {
            let dec =
                image::codecs::gif::GifDecoder::new(Cursor::new(data)).map_err(Error::damaged)?;
            let mut frames = Vec::new();
            for f in dec.into_frames() {
                let f = f.map_err(Error::damaged)?;
                let (n, d) = f.delay().numer_denom_ms();
                let delay_ms = n.checked_div(d).unwrap_or(0);
                let buf = f.into_buffer();
                frames.push(Frame {
                    bitmap: Bitmap::new(buf.width(), buf.height(), 4, buf.into_raw()),
                    delay_ms,
                });
            }
            if frames.is_empty() {
                return Err(Error::damaged("GIF without frames"));
            }
            Ok(frames)
        }
        _ => Ok(vec![Frame {
            bitmap: decode_first(data, probe, None, &Limits::default())?,
            delay_ms: 0,
        }]),
    }
}

/// The `image` crate's format for a format name, used by encoders.
pub fn image_format(f: Format) -> Option<ImageFormat> {
    Some(match f {
        Format::Png => ImageFormat::Png,
        Format::Bmp => ImageFormat::Bmp,
        Format::Tiff => ImageFormat::Tiff,
        Format::Gif => ImageFormat::Gif,
        _ => return None,
    })
}
