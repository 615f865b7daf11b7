//! WebP output through libwebp: lossy at a quality or lossless, still or animated.

use cyanotype_process::{Error, Result};
use libwebp_sys as w;

use crate::bitmap::Bitmap;
use crate::decode::Frame;
use crate::planes::Planes;

fn config(quality: u32, lossless: bool) -> Result<w::WebPConfig> {
    let mut c = w::WebPConfig::new_with_preset(w::WebPPreset::WEBP_PRESET_DEFAULT, quality as f32)
        .map_err(|_| Error::internal())?;
    c.method = 4;
    c.lossless = lossless as i32;
    if lossless {
        c.quality = 75.0; // effort for lossless
    }
    Ok(c)
}

/// Fill a WebPPicture from a bitmap (ARGB storage, as both the lossless and the animation encoders want).
fn import(pic: &mut w::WebPPicture, b: &Bitmap) -> Result<()> {
    pic.use_argb = 1;
    pic.width = b.width as i32;
    pic.height = b.height as i32;
    let ok = unsafe {
        if b.channels == 4 {
            w::WebPPictureImportRGBA(pic, b.data.as_ptr(), b.stride() as i32)
        } else {
            w::WebPPictureImportRGB(pic, b.data.as_ptr(), b.stride() as i32)
        }
    };
    if ok == 0 {
        return Err(Error::internal());
    }
    Ok(())
}

pub fn encode(b: &Bitmap, quality: u32, lossless: bool) -> Result<Vec<u8>> {
    let config = config(quality, lossless)?;
    let pic = w::WebPPicture::new().map_err(|_| Error::internal())?;
    encode_picture(&config, pic, |pic| import(pic, b))
}

/// `pic` filled by `fill`, encoded with `config` into memory; the picture and the writer are freed
/// whatever happens.
fn encode_picture(
    config: &w::WebPConfig,
    mut pic: w::WebPPicture,
    fill: impl FnOnce(&mut w::WebPPicture) -> Result<()>,
) -> Result<Vec<u8>> {
    let mut writer: w::WebPMemoryWriter = unsafe { std::mem::zeroed() };
    unsafe { w::WebPMemoryWriterInit(&mut writer) };
    let result = (|| {
        fill(&mut pic)?;
        pic.writer = Some(w::WebPMemoryWrite);
        pic.custom_ptr = &mut writer as *mut _ as *mut std::ffi::c_void;
        if unsafe { w::WebPEncode(config, &mut pic) } == 0 {
            return Err(Error::internal());
        }
        Ok(unsafe { std::slice::from_raw_parts(writer.mem, writer.size) }.to_vec())
    })();
    unsafe {
        w::WebPPictureFree(&mut pic);
        w::WebPMemoryWriterClear(&mut writer);
    }
    result
}

/// The range of planes' samples: a JPEG's use all of 0-255 (JFIF); VP8's are BT.601 video range
/// (luma 16-235, chroma 16-240), with the same matrix.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Range {
    Full,
    Video,
}

/// Lossy WebP straight from 4:2:0 Y'CbCr planes (a JPEG's or a WebP's, `crate::planes`), with no
/// RGB on the way: full-range samples are only rescaled to video range, which is what libwebp
/// makes of RGB.
pub fn encode_planes(p: &Planes, range: Range, quality: u32) -> Result<Vec<u8>> {
    let (w, h) = (p.width as usize, p.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let sizes = [(w, h), (cw, ch), (cw, ch)];
    for (plane, (pw, ph)) in p.planes.iter().zip(sizes) {
        let (width, height) = (plane.width as usize, plane.height as usize);
        if width < pw || height < ph || plane.data.len() < width * height {
            return Err(Error::internal());
        }
    }
    let config = config(quality, false)?;
    let mut pic = w::WebPPicture::new().map_err(|_| Error::internal())?;
    pic.use_argb = 0;
    pic.colorspace = w::WebPEncCSP::WEBP_YUV420;
    pic.width = w as i32;
    pic.height = h as i32;
    encode_picture(&config, pic, |pic| {
        // SAFETY: the picture's size and colour space are set; libwebp allocates its planes.
        if unsafe { w::WebPPictureAlloc(pic) } == 0 {
            return Err(Error::internal());
        }
        let (luma, chroma) = match range {
            Range::Full => (
                video_range(0.0, 16.0, 219.0),
                video_range(128.0, 128.0, 224.0),
            ),
            Range::Video => {
                let same = std::array::from_fn(|v| v as u8);
                (same, same)
            }
        };
        let targets = [
            (pic.y, pic.y_stride, &luma),
            (pic.u, pic.uv_stride, &chroma),
            (pic.v, pic.uv_stride, &chroma),
        ];
        for ((plane, (pw, ph)), (dst, stride, map)) in p.planes.iter().zip(sizes).zip(targets) {
            let stride = stride as usize;
            // SAFETY: WebPPictureAlloc made `ph` rows of `stride` >= `pw` bytes for this plane
            // (luma w x h, chroma (w+1)/2 x (h+1)/2, as checked above on our side).
            let out = unsafe { std::slice::from_raw_parts_mut(dst, stride * (ph - 1) + pw) };
            for (y, row) in plane
                .data
                .chunks_exact(plane.width as usize)
                .take(ph)
                .enumerate()
            {
                for (d, s) in out[y * stride..][..pw].iter_mut().zip(&row[..pw]) {
                    *d = map[*s as usize];
                }
            }
        }
        Ok(())
    })
}

/// Full-range samples (0-255) to video range, rounded to nearest: sample `fixed` lands on `at`,
/// and 255 levels become `span`. Luma: 0 at 16, 219 levels (16-235); chroma: 128 stays, 224 levels
/// (16-240).
fn video_range(fixed: f64, at: f64, span: f64) -> [u8; 256] {
    std::array::from_fn(|v| (at + (v as f64 - fixed) * span / 255.0).round() as u8)
}

/// Video-range planes (VP8's) to full range (JPEG's), in place: luma 16-235 and chroma 16-240
/// about 128 stretched to 0-255 and clamped, as libwebp's own conversion to RGB reads them.
pub fn to_full_range(p: &mut Planes) {
    let luma = full_range(16.0, 0.0, 219.0);
    let chroma = full_range(128.0, 128.0, 224.0);
    for (i, plane) in p.planes.iter_mut().enumerate() {
        let lut = if i == 0 { &luma } else { &chroma };
        for s in &mut plane.data {
            *s = lut[*s as usize];
        }
    }
}

/// The inverse of `video_range`: sample `fixed` lands on `at`, and `span` levels become 255.
fn full_range(fixed: f64, at: f64, span: f64) -> [u8; 256] {
    std::array::from_fn(|v| {
        (at + (v as f64 - fixed) * 255.0 / span)
            .round()
            .clamp(0.0, 255.0) as u8
    })
}

pub fn encode_animation(frames: &[Frame], quality: u32, lossless: bool) -> Result<Vec<u8>> {
    let (cw, ch) = (frames[0].bitmap.width, frames[0].bitmap.height);
    let mut opts: w::WebPAnimEncoderOptions = unsafe { std::mem::zeroed() };
    if unsafe { w::WebPAnimEncoderOptionsInitInternal(&mut opts, w::WebPGetMuxABIVersion()) } == 0 {
        return Err(Error::internal());
    }
    opts.anim_params.loop_count = 0;
    let enc = unsafe {
        w::WebPAnimEncoderNewInternal(cw as i32, ch as i32, &opts, w::WebPGetMuxABIVersion())
    };
    if enc.is_null() {
        return Err(Error::internal());
    }
    let config = config(quality, lossless)?;
    let result = (|| {
        let mut ts = 0i32;
        for f in frames {
            let mut pic = w::WebPPicture::new().map_err(|_| Error::internal())?;
            // Freed whether the import (which may fail part-way, holding memory) or the add fails.
            let added = import(&mut pic, &f.bitmap)
                .map(|()| unsafe { w::WebPAnimEncoderAdd(enc, &mut pic, ts, &config) } != 0);
            unsafe { w::WebPPictureFree(&mut pic) };
            if !added? {
                return Err(Error::internal());
            }
            ts += f.delay_ms.max(1) as i32;
        }
        if unsafe { w::WebPAnimEncoderAdd(enc, std::ptr::null_mut(), ts, std::ptr::null()) } == 0 {
            return Err(Error::internal());
        }
        let mut data = w::WebPData::default();
        if unsafe { w::WebPAnimEncoderAssemble(enc, &mut data) } == 0 {
            return Err(Error::internal());
        }
        let out = unsafe { std::slice::from_raw_parts(data.bytes, data.size) }.to_vec();
        unsafe { w::WebPDataClear(&mut data) };
        Ok(out)
    })();
    unsafe { w::WebPAnimEncoderDelete(enc) };
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_range_ends_and_middle() {
        let luma = video_range(0.0, 16.0, 219.0);
        assert_eq!((luma[0], luma[128], luma[255]), (16, 126, 235));
        let chroma = video_range(128.0, 128.0, 224.0);
        assert_eq!((chroma[0], chroma[128], chroma[255]), (16, 128, 240));
        // Rounded about the middle, not from 16: 128 + 72 * 224 / 255 = 191.2.
        assert_eq!(chroma[200], 191);
        assert!(luma.windows(2).all(|p| p[0] <= p[1]));
    }

    #[test]
    fn full_range_inverts_video_range() {
        let (luma, chroma) = (
            full_range(16.0, 0.0, 219.0),
            full_range(128.0, 128.0, 224.0),
        );
        assert_eq!((luma[16], luma[235], luma[0], luma[255]), (0, 255, 0, 255));
        assert_eq!((chroma[128], chroma[240], chroma[255]), (128, 255, 255));
        // Full -> video -> full comes back within the one level video range cannot tell apart.
        let (to_luma, to_chroma) = (
            video_range(0.0, 16.0, 219.0),
            video_range(128.0, 128.0, 224.0),
        );
        for v in 0..256 {
            let l = luma[to_luma[v] as usize] as i32;
            let c = chroma[to_chroma[v] as usize] as i32;
            assert!(
                (l - v as i32).abs() <= 1 && (c - v as i32).abs() <= 1,
                "{v}: {l} {c}"
            );
        }
    }
}
