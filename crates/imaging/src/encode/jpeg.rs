//! JPEG output through libjpeg-turbo: 4:2:0, optimised Huffman tables, baseline or progressive.
//! Up to 1600 px and from quality 50 the quantisation tables are ours (jpeg_tables.rs: fewer bytes at
//! equal SSIM), otherwise libjpeg's scaled to the quality. Either way written through the libjpeg API
//! by csrc/jpeg_tables.c, which also counts the symbols for the optimised Huffman tables itself
//! (faster, same counts). Larger pictures went through the TurboJPEG API, whose counting pass was a
//! quarter of a 12 MP watermark's time; the bytes are the same (`libjpeg_tables_as_turbojpeg`).
//! Transparency is composited on white first (OSS: "OSS不支持将透明色填充为黑色").

use std::os::raw::{c_int, c_uchar, c_uint, c_ulong};

use cyanotype_process::{Error, Result, Rgb};

use super::jpeg_tables;
use crate::bitmap::Bitmap;
use crate::planes::Planes;

unsafe extern "C" {
    fn cy_jpeg_encode_rgb(
        rgb: *const c_uchar,
        width: c_uint,
        height: c_uint,
        stride: usize,
        luma: *const c_uint,
        chroma: *const c_uint,
        quality: c_int,
        progressive: c_int,
        libjpeg_gather: c_int,
        out: *mut *mut c_uchar,
        out_len: *mut c_ulong,
    ) -> c_int;
    fn cy_jpeg_encode_planes(
        planes: *const *const c_uchar,
        strides: *const usize,
        width: c_uint,
        height: c_uint,
        luma: *const c_uint,
        chroma: *const c_uint,
        quality: c_int,
        progressive: c_int,
        libjpeg_gather: c_int,
        out: *mut *mut c_uchar,
        out_len: *mut c_ulong,
    ) -> c_int;
    fn cy_jpeg_free(p: *mut c_uchar);
    #[cfg(test)]
    fn cy_fast_gathers() -> c_ulong;
}

pub fn encode(b: Bitmap, quality: u32, progressive: bool) -> Result<Vec<u8>> {
    let b = b.flatten(Rgb::WHITE);
    encode_rgb(&b, quality, progressive, Gather::Ours)
}

/// Who counts the symbols for the optimised Huffman tables: our pass (csrc/jpeg_tables.c,
/// `cy_fast_gather`), or libjpeg-turbo's own, which the tests hold ours to.
#[derive(Clone, Copy, PartialEq)]
enum Gather {
    Ours,
    #[cfg_attr(not(test), allow(dead_code))]
    Libjpeg,
}

/// Our tables scaled for `quality` at this size, or none (libjpeg's at `quality`).
type Tables = Option<([u32; 64], [u32; 64])>;

fn tables_for(quality: u32, size: (u32, u32)) -> Tables {
    jpeg_tables::mapped_quality(quality, size).map(jpeg_tables::tables)
}

/// The table pointers for the C side: ours, or null for libjpeg's.
fn table_ptrs(tables: &Tables) -> (*const c_uint, *const c_uint) {
    match tables {
        Some((l, c)) => (l.as_ptr(), c.as_ptr()),
        None => (std::ptr::null(), std::ptr::null()),
    }
}

fn encode_rgb(b: &Bitmap, quality: u32, progressive: bool, gather: Gather) -> Result<Vec<u8>> {
    debug_assert_eq!(b.channels, 3);
    assert!(b.data.len() >= b.stride() * b.height as usize);
    let tables = tables_for(quality, (b.width, b.height));
    let (luma, chroma) = table_ptrs(&tables);
    let mut out: *mut c_uchar = std::ptr::null_mut();
    let mut len: c_ulong = 0;
    // SAFETY: the pixel buffer holds `height` rows of `stride` bytes (asserted above) and outlives the
    // call; the tables, when given, are 64 entries each; on success the C side hands over a malloc'd
    // buffer of `len` bytes, which is copied and released with cy_jpeg_free, and on failure allocates
    // nothing.
    let rc = unsafe {
        cy_jpeg_encode_rgb(
            b.data.as_ptr(),
            b.width,
            b.height,
            b.stride(),
            luma,
            chroma,
            quality.clamp(1, 100) as c_int,
            progressive as c_int,
            (gather == Gather::Libjpeg) as c_int,
            &mut out,
            &mut len,
        )
    };
    take_output(rc, out, len)
}

/// The bytes the C side handed over (rc 0 and a malloc'd `out` of `len` bytes), released after the
/// copy.
fn take_output(rc: c_int, out: *mut c_uchar, len: c_ulong) -> Result<Vec<u8>> {
    if rc != 0 || out.is_null() {
        return Err(Error::internal());
    }
    // SAFETY: on success `out` is valid for `len` bytes until freed, and freed once here.
    let bytes = unsafe { std::slice::from_raw_parts(out, len as usize) }.to_vec();
    unsafe { cy_jpeg_free(out) };
    Ok(bytes)
}

/// Encode Y, Cb and Cr planes (4:2:0: chroma half the size each way, rounded up) without colour
/// conversion, with the same tables, quality mapping and options as `encode`.
pub fn encode_planes(p: &Planes, quality: u32, progressive: bool) -> Result<Vec<u8>> {
    encode_planes_with(p, quality, progressive, Gather::Ours)
}

fn encode_planes_with(
    p: &Planes,
    quality: u32,
    progressive: bool,
    gather: Gather,
) -> Result<Vec<u8>> {
    let (w, h) = (p.width, p.height);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let sizes = [(w, h), (cw, ch), (cw, ch)];
    for (plane, (pw, ph)) in p.planes.iter().zip(sizes) {
        if plane.width < pw
            || plane.height < ph
            || plane.data.len() < (plane.width * plane.height) as usize
        {
            return Err(Error::internal());
        }
    }
    let tables = tables_for(quality, (w, h));
    let (luma, chroma) = table_ptrs(&tables);
    let ptrs = p.planes.each_ref().map(|q| q.data.as_ptr());
    let strides = p.planes.each_ref().map(|q| q.width as usize);
    let mut out: *mut c_uchar = std::ptr::null_mut();
    let mut len: c_ulong = 0;
    // SAFETY: each plane holds at least the rows and columns the C side reads (checked above), with
    // rows `width` bytes apart; the tables, when given, are 64 entries each; the planes and tables
    // outlive the call. Ownership of `out` as for cy_jpeg_encode_rgb.
    let rc = unsafe {
        cy_jpeg_encode_planes(
            ptrs.as_ptr(),
            strides.as_ptr(),
            w,
            h,
            luma,
            chroma,
            quality.clamp(1, 100) as c_int,
            progressive as c_int,
            (gather == Gather::Libjpeg) as c_int,
            &mut out,
            &mut len,
        )
    };
    take_output(rc, out, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planes::Plane;
    use turbojpeg::PixelFormat;

    /// Pictures that give the statistics pass every kind of block: flat (EOB only), smooth, sharp
    /// edges (large AC values), noise (few zeros), and sparse dots on flat ground (runs of 16 zeros
    /// and more: ZRL codes).
    fn samples(w: u32, h: u32, kind: u32, channel: u32) -> Vec<u8> {
        let mut seed = 0x9E37_79B9u32.wrapping_mul(kind * 7 + channel + 1);
        (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                match kind {
                    0 => 90 + channel as u8 * 40,
                    1 => ((x * 255 / w.max(1) + y * 3 + channel * 50) % 256) as u8,
                    2 => {
                        (if (x / 3 + y / 5 + channel).is_multiple_of(2) {
                            8
                        } else {
                            247
                        }) as u8
                    }
                    3 => seed as u8,
                    _ => (if seed.is_multiple_of(97) { 255 } else { 128 }) as u8,
                }
            })
            .collect()
    }

    /// Three channels of `samples` interleaved.
    fn sample_rgb(w: u32, h: u32, kind: u32) -> Bitmap {
        let channels = [0, 1, 2].map(|c| samples(w, h, kind, c));
        let rgb: Vec<u8> = (0..(w * h) as usize)
            .flat_map(|i| channels.iter().map(move |c| c[i]))
            .collect();
        Bitmap::new(w, h, 3, rgb)
    }

    /// Where libjpeg's tables serve (below quality 50, above 1600 px), our libjpeg API path writes
    /// the bytes the TurboJPEG API wrote before it (same tables, sampling, DCT and Huffman tables).
    #[test]
    fn libjpeg_tables_as_turbojpeg() {
        for (w, h) in [(1, 1), (17, 9), (301, 203), (1700, 20), (9, 1601)] {
            for kind in 0..5 {
                for quality in [1, 30, 49, 80, 100] {
                    if jpeg_tables::mapped_quality(quality, (w, h)).is_some() {
                        continue;
                    }
                    for progressive in [false, true] {
                        let b = sample_rgb(w, h, kind);
                        let mut c = turbojpeg::Compressor::new().unwrap();
                        c.set_quality(quality as i32).unwrap();
                        c.set_subsamp(turbojpeg::Subsamp::Sub2x2).unwrap();
                        c.set_optimize(true).unwrap();
                        c.set_progressive(progressive).unwrap();
                        let image = turbojpeg::Image {
                            pixels: b.data.as_slice(),
                            width: w as usize,
                            pitch: b.stride(),
                            height: h as usize,
                            format: PixelFormat::RGB,
                        };
                        let want = c.compress_to_vec(image).unwrap();
                        let got = encode(b, quality, progressive).unwrap();
                        assert!(got == want, "{w}x{h} kind {kind} q{quality} p{progressive}");
                    }
                }
            }
        }
    }

    /// Our statistics pass gives the same counts as libjpeg-turbo's, so the same tables and bytes:
    /// RGB and planes, sizes with partial MCUs, quality 30 (libjpeg's tables) and from 50 (ours) to
    /// 100 (coefficients up to 10 bits), baseline (where ours is taken) and progressive (where it is
    /// not).
    #[test]
    fn our_statistics_pass_gives_libjpeg_bytes() {
        let before = unsafe { cy_fast_gathers() };
        let mut ours_taken = 0;
        for (w, h) in [(1, 1), (17, 9), (64, 48), (301, 203)] {
            for kind in 0..5 {
                for quality in [30, 50, 80, 95, 100] {
                    for progressive in [false, true] {
                        let b = sample_rgb(w, h, kind);
                        let a = encode_rgb(&b, quality, progressive, Gather::Ours).unwrap();
                        let l = encode_rgb(&b, quality, progressive, Gather::Libjpeg).unwrap();
                        assert!(a == l, "rgb {w}x{h} kind {kind} q{quality} p{progressive}");
                        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
                        let planes = Planes {
                            width: w,
                            height: h,
                            planes: [(w, h, 0), (cw, ch, 1), (cw, ch, 2)].map(|(pw, ph, c)| {
                                Plane {
                                    width: pw,
                                    height: ph,
                                    data: samples(pw, ph, kind, c),
                                }
                            }),
                            density: crate::planes::OUT_DENSITY,
                        };
                        let a = encode_planes_with(&planes, quality, progressive, Gather::Ours);
                        let l = encode_planes_with(&planes, quality, progressive, Gather::Libjpeg);
                        assert!(
                            a.unwrap() == l.unwrap(),
                            "planes {w}x{h} kind {kind} q{quality} p{progressive}"
                        );
                        if !progressive {
                            ours_taken += 2;
                        }
                    }
                }
            }
        }
        // Every baseline encode above took our pass (other tests may add to the count meanwhile).
        let taken = unsafe { cy_fast_gathers() } - before;
        assert!(taken >= ours_taken, "{taken} of {ours_taken}");
    }

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
