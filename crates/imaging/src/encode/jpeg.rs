//! JPEG output through libjpeg-turbo: 4:2:0, optimised Huffman tables, baseline or progressive.
//! Up to 1600 px and from quality 50 the quantisation tables are ours (jpeg_tables.rs: fewer bytes at
//! equal SSIM), written through the libjpeg API by csrc/jpeg_tables.c; otherwise the TurboJPEG API
//! with libjpeg's.
//! Transparency is composited on white first (OSS: "OSS不支持将透明色填充为黑色").

use std::os::raw::{c_int, c_uchar, c_uint, c_ulong};

use cyanotype_process::{Error, Result, Rgb};
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use super::jpeg_tables;
use crate::bitmap::Bitmap;

unsafe extern "C" {
    fn cy_jpeg_encode_rgb(
        rgb: *const c_uchar,
        width: c_uint,
        height: c_uint,
        stride: usize,
        luma: *const c_uint,
        chroma: *const c_uint,
        progressive: c_int,
        out: *mut *mut c_uchar,
        out_len: *mut c_ulong,
    ) -> c_int;
    fn cy_jpeg_free(p: *mut c_uchar);
}

pub fn encode(b: Bitmap, quality: u32, progressive: bool) -> Result<Vec<u8>> {
    let b = b.flatten(Rgb::WHITE);
    match jpeg_tables::mapped_quality(quality, (b.width, b.height)) {
        Some(q) => encode_with_tables(&b, q, progressive),
        None => encode_standard(&b, quality, progressive),
    }
}

fn encode_with_tables(b: &Bitmap, quality: u32, progressive: bool) -> Result<Vec<u8>> {
    debug_assert_eq!(b.channels, 3);
    assert!(b.data.len() >= b.stride() * b.height as usize);
    let (luma, chroma) = jpeg_tables::tables(quality);
    let mut out: *mut c_uchar = std::ptr::null_mut();
    let mut len: c_ulong = 0;
    // SAFETY: the pixel buffer holds `height` rows of `stride` bytes (asserted above) and outlives the
    // call; the tables are 64 entries each; on success the C side hands over a malloc'd buffer of
    // `len` bytes, which is copied and released with cy_jpeg_free, and on failure allocates nothing.
    let rc = unsafe {
        cy_jpeg_encode_rgb(
            b.data.as_ptr(),
            b.width,
            b.height,
            b.stride(),
            luma.as_ptr(),
            chroma.as_ptr(),
            progressive as c_int,
            &mut out,
            &mut len,
        )
    };
    if rc != 0 || out.is_null() {
        return Err(Error::internal());
    }
    // SAFETY: see above; `out` is valid for `len` bytes until freed.
    let bytes = unsafe { std::slice::from_raw_parts(out, len as usize) }.to_vec();
    unsafe { cy_jpeg_free(out) };
    Ok(bytes)
}

fn encode_standard(b: &Bitmap, quality: u32, progressive: bool) -> Result<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Odd sizes through both paths (our tables from q50, libjpeg's below; all small), RGB and RGBA: each
    /// decodes back at its size with the colour it was given.
    #[test]
    fn every_size_and_path_round_trips() {
        for (w, h) in [(1, 1), (1, 17), (17, 1), (33, 9), (16, 16), (257, 3)] {
            for channels in [3u8, 4] {
                for quality in [30, 80, 100] {
                    let px: &[u8] = if channels == 3 {
                        &[40, 120, 200]
                    } else {
                        &[40, 120, 200, 255]
                    };
                    let b = Bitmap::new(w, h, channels, px.repeat((w * h) as usize));
                    let jpeg = encode(b, quality, quality == 80).unwrap();
                    let img = turbojpeg::decompress(&jpeg, PixelFormat::RGB).unwrap();
                    assert_eq!((img.width, img.height), (w as usize, h as usize));
                    let mid = (img.height / 2 * img.pitch) + img.width / 2 * 3;
                    for (k, want) in [40i32, 120, 200].iter().enumerate() {
                        let got = img.pixels[mid + k] as i32;
                        assert!(
                            (got - want).abs() <= 6,
                            "{w}x{h} c{channels} q{quality}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
