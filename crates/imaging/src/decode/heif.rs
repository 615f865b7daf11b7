//! HEIC and AVIF sources, through the system libheif (on Debian 12: 1.15 with libde265 for HEVC and
//! dav1d for AV1). Only the primary image is read. libheif applies the file's own transformations
//! (`irot`, `imir`, `clap`) while decoding and reports the size after them, so a HEIF source has no
//! separate EXIF orientation to apply: the EXIF copy Apple writes repeats what `irot` already did.

use std::sync::OnceLock;

use cyanotype_process::{Error, Result};
use libheif_rs::{ColorSpace, DecodingOptions, HeifContext, ImageHandle, LibHeif, RgbChroma};

use crate::bitmap::Bitmap;
use crate::icc;

/// One library handle for the process (libheif counts `heif_init` calls; keeping one alive keeps
/// its decoder plugins loaded instead of loading them again for each image).
fn lib() -> &'static LibHeif {
    static LIB: OnceLock<LibHeif> = OnceLock::new();
    LIB.get_or_init(LibHeif::new)
}

fn damaged(e: libheif_rs::HeifError) -> Error {
    Error::damaged(format!("HEIF: {}", e.message))
}

fn primary(data: &[u8]) -> Result<(HeifContext<'_>, ImageHandle)> {
    lib();
    let ctx = HeifContext::read_from_bytes(data).map_err(damaged)?;
    let handle = ctx.primary_image_handle().map_err(damaged)?;
    Ok((ctx, handle))
}

/// Width and height of the primary image as it will be decoded (after its rotation), read from the
/// container's boxes: nothing is decoded.
pub fn info(data: &[u8]) -> Result<(u32, u32)> {
    let (_ctx, h) = primary(data)?;
    Ok((h.width(), h.height()))
}

/// The primary image's EXIF block as a TIFF structure (for `info`), if the file carries one. A HEIF
/// `Exif` item starts with the 4-byte offset of the TIFF header within the rest.
pub fn exif(data: &[u8]) -> Option<Vec<u8>> {
    let (_ctx, h) = primary(data).ok()?;
    let mut ids = [0; 1];
    if h.metadata_block_ids(&mut ids, b"Exif") == 0 {
        return None;
    }
    let block = h.metadata(ids[0]).ok()?;
    let offset = u32::from_be_bytes(block.get(..4)?.try_into().ok()?) as usize;
    block.get(4usize.checked_add(offset)?..).map(<[u8]>::to_vec)
}

/// The primary image as 8-bit RGB, or RGBA when it has an alpha plane, in sRGB. The caller has
/// checked the size from `info` against the limits. Decoded on the calling thread only: the workers
/// are one per core and each runs one image.
pub fn decode(data: &[u8]) -> Result<Bitmap> {
    let (mut ctx, h) = primary(data)?;
    ctx.set_max_decoding_threads(0);
    let alpha = h.has_alpha_channel();
    let chroma = if alpha {
        RgbChroma::Rgba
    } else {
        RgbChroma::Rgb
    };
    let mut options = DecodingOptions::new().ok_or_else(Error::internal)?;
    // 10- and 12-bit HEIC/AVIF come back as 8 bits a channel, like every other source here.
    options.set_convert_hdr_to_8bit(true);
    let image = lib()
        .decode(&h, ColorSpace::Rgb(chroma), Some(options))
        .map_err(damaged)?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| Error::damaged("HEIF: no interleaved RGB plane after decoding"))?;
    let channels: u32 = if alpha { 4 } else { 3 };
    let (w, hgt) = (plane.width, plane.height);
    let row = w as usize * channels as usize;
    if plane.storage_bits_per_pixel as u32 != 8 * channels || plane.stride < row {
        return Err(Error::damaged(
            "HEIF: unexpected layout of the decoded image",
        ));
    }
    let mut pixels = Vec::with_capacity(row * hgt as usize);
    for line in plane.data.chunks(plane.stride).take(hgt as usize) {
        pixels.extend_from_slice(line.get(..row).ok_or_else(Error::internal)?);
    }
    if pixels.len() != row * hgt as usize {
        return Err(Error::damaged(
            "HEIF: the decoded image is shorter than its size",
        ));
    }
    let mut bitmap = Bitmap::new(w, hgt, channels as u8, pixels);
    if let Some(profile) = h.color_profile_raw() {
        icc::rgb_to_srgb(&mut bitmap, &profile.data);
    }
    Ok(bitmap)
}
