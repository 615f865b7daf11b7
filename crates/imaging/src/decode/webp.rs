//! WebP through libwebp: scaled decode for static images (shrink-on-load), and the animation decoder,
//! which gives every frame composited on the full canvas.

use std::ptr;

use cyanotype_process::{Error, Result};
use libwebp_sys as w;

use crate::bitmap::Bitmap;
use crate::decode::Frame;
use crate::planes::{Plane, Planes, OUT_DENSITY};

pub struct WebpInfo {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub animated: bool,
    /// VP8L (lossless) rather than VP8 (lossy) coding, for a still picture.
    pub lossless: bool,
}

pub fn info(data: &[u8]) -> Result<WebpInfo> {
    let mut f: w::WebPBitstreamFeatures = unsafe { std::mem::zeroed() };
    let status = unsafe { w::WebPGetFeatures(data.as_ptr(), data.len(), &mut f) };
    if status != w::VP8StatusCode::VP8_STATUS_OK {
        return Err(Error::damaged(format!("webp header: {status:?}")));
    }
    Ok(WebpInfo {
        width: f.width as u32,
        height: f.height as u32,
        has_alpha: f.has_alpha != 0,
        animated: f.has_animation != 0,
        // WebPBitstreamFeatures.format: 0 mixed (animations), 1 lossy, 2 lossless.
        lossless: f.format == 2,
    })
}

/// Count ANMF chunks by walking the RIFF structure (no pixel decoding).
pub fn frame_count(data: &[u8]) -> u32 {
    let mut i = 12;
    let mut n = 0;
    while i + 8 <= data.len() {
        let size =
            u32::from_le_bytes([data[i + 4], data[i + 5], data[i + 6], data[i + 7]]) as usize;
        if &data[i..i + 4] == b"ANMF" {
            n += 1;
        }
        i = i.saturating_add(8).saturating_add(size + (size & 1));
    }
    n.max(1)
}

/// The ICCP chunk, if any.
pub fn icc(data: &[u8]) -> Option<&[u8]> {
    let mut i = 12;
    while i + 8 <= data.len() {
        let size =
            u32::from_le_bytes([data[i + 4], data[i + 5], data[i + 6], data[i + 7]]) as usize;
        if &data[i..i + 4] == b"ICCP" {
            return data.get(i + 8..i + 8 + size);
        }
        i = i.saturating_add(8).saturating_add(size + (size & 1));
    }
    None
}

/// Decode a still image (or the first frame's bitstream), scaled to `size` when given.
pub fn decode_still(data: &[u8], size: Option<(u32, u32)>) -> Result<Bitmap> {
    let info = info(data)?;
    let mut config = w::WebPDecoderConfig::new().map_err(|_| Error::internal())?;
    let channels: u8 = if info.has_alpha { 4 } else { 3 };
    config.output.colorspace = if info.has_alpha {
        w::WEBP_CSP_MODE::MODE_RGBA
    } else {
        w::WEBP_CSP_MODE::MODE_RGB
    };
    let (ow, oh) = match size {
        Some((sw, sh)) if sw < info.width && sh < info.height => {
            config.options.use_scaling = 1;
            config.options.scaled_width = sw as i32;
            config.options.scaled_height = sh as i32;
            (sw, sh)
        }
        _ => (info.width, info.height),
    };
    let status = unsafe { w::WebPDecode(data.as_ptr(), data.len(), &mut config) };
    if status != w::VP8StatusCode::VP8_STATUS_OK {
        unsafe { w::WebPFreeDecBuffer(&mut config.output) };
        return Err(Error::damaged(format!("webp decode: {status:?}")));
    }
    let out = unsafe {
        let rgba = config.output.u.RGBA;
        let stride = rgba.stride as usize;
        let row = ow as usize * channels as usize;
        let mut pixels = Vec::with_capacity(row * oh as usize);
        for y in 0..oh as usize {
            let src = std::slice::from_raw_parts(rgba.rgba.add(y * stride), row);
            pixels.extend_from_slice(src);
        }
        w::WebPFreeDecBuffer(&mut config.output);
        pixels
    };
    Ok(Bitmap::new(ow, oh, channels, out))
}

/// A still WebP without alpha as its 4:2:0 planes at full size, in VP8's video range (what a lossy
/// one stores; libwebp converts a lossless one), written by libwebp straight into ours. `None` for
/// an animation or alpha, which stay on bitmaps.
pub fn decode_planes(data: &[u8]) -> Result<Option<Planes>> {
    let info = info(data)?;
    if info.has_alpha || info.animated {
        return Ok(None);
    }
    let (w, h) = (info.width, info.height);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut planes = [(w, h), (cw, ch), (cw, ch)].map(|(pw, ph)| Plane {
        width: pw,
        height: ph,
        data: vec![0u8; pw as usize * ph as usize],
    });
    let mut config = w::WebPDecoderConfig::new().map_err(|_| Error::internal())?;
    config.output.colorspace = w::WEBP_CSP_MODE::MODE_YUV;
    config.output.is_external_memory = 1;
    let [y, u, v] = &mut planes;
    config.output.u.YUVA = w::WebPYUVABuffer {
        y: y.data.as_mut_ptr(),
        u: u.data.as_mut_ptr(),
        v: v.data.as_mut_ptr(),
        a: ptr::null_mut(),
        y_stride: w as i32,
        u_stride: cw as i32,
        v_stride: cw as i32,
        a_stride: 0,
        y_size: y.data.len(),
        u_size: u.data.len(),
        v_size: v.data.len(),
        a_size: 0,
    };
    // SAFETY: the buffers hold the whole picture's planes at the strides given (libwebp checks the
    // sizes against them) and outlive the call; libwebp frees nothing of external memory.
    let status = unsafe { w::WebPDecode(data.as_ptr(), data.len(), &mut config) };
    unsafe { w::WebPFreeDecBuffer(&mut config.output) };
    if status != w::VP8StatusCode::VP8_STATUS_OK {
        return Err(Error::damaged(format!("webp decode: {status:?}")));
    }
    Ok(Some(Planes {
        width: w,
        height: h,
        planes,
        density: OUT_DENSITY,
    }))
}

/// Decode every frame of an animated WebP, each composited on the full canvas, with its duration.
pub fn decode_animation(data: &[u8], max_frames: usize) -> Result<Vec<Frame>> {
    let mut opts: w::WebPAnimDecoderOptions = unsafe { std::mem::zeroed() };
    if unsafe { w::WebPAnimDecoderOptionsInit(&mut opts) } == 0 {
        return Err(Error::internal());
    }
    opts.color_mode = w::WEBP_CSP_MODE::MODE_RGBA;
    opts.use_threads = 0;
    let wd = w::WebPData {
        bytes: data.as_ptr(),
        size: data.len(),
    };
    let dec = unsafe { w::WebPAnimDecoderNew(&wd, &opts) };
    if dec.is_null() {
        return Err(Error::damaged("webp animation could not be read"));
    }
    let mut ai = w::WebPAnimInfo::default();
    let result = (|| {
        if unsafe { w::WebPAnimDecoderGetInfo(dec, &mut ai) } == 0 {
            return Err(Error::damaged("webp animation info"));
        }
        let (cw, ch) = (ai.canvas_width, ai.canvas_height);
        let len = cw as usize * ch as usize * 4;
        let mut frames = Vec::new();
        let mut prev_ts = 0;
        while unsafe { w::WebPAnimDecoderHasMoreFrames(dec) } != 0 && frames.len() < max_frames {
            let mut buf: *mut u8 = ptr::null_mut();
            let mut ts = 0;
            if unsafe { w::WebPAnimDecoderGetNext(dec, &mut buf, &mut ts) } == 0 {
                return Err(Error::damaged("webp animation frame"));
            }
            let pixels = unsafe { std::slice::from_raw_parts(buf, len) }.to_vec();
            frames.push(Frame {
                bitmap: Bitmap::new(cw, ch, 4, pixels),
                delay_ms: (ts - prev_ts).max(0) as u32,
            });
            prev_ts = ts;
        }
        if frames.is_empty() {
            return Err(Error::damaged("webp animation has no frames"));
        }
        Ok(frames)
    })();
    unsafe { w::WebPAnimDecoderDelete(dec) };
    result
}
