//! WebP output through libwebp: lossy at a quality or lossless, still or animated.

use cyanotype_process::{Error, Result};
use libwebp_sys as w;

use crate::bitmap::Bitmap;
use crate::decode::Frame;

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
    let mut pic = w::WebPPicture::new().map_err(|_| Error::internal())?;
    let mut writer: w::WebPMemoryWriter = unsafe { std::mem::zeroed() };
    unsafe { w::WebPMemoryWriterInit(&mut writer) };
    let result = (|| {
        import(&mut pic, b)?;
        pic.writer = Some(w::WebPMemoryWrite);
        pic.custom_ptr = &mut writer as *mut _ as *mut std::ffi::c_void;
        if unsafe { w::WebPEncode(&config, &mut pic) } == 0 {
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
            import(&mut pic, &f.bitmap)?;
            let ok = unsafe { w::WebPAnimEncoderAdd(enc, &mut pic, ts, &config) };
            unsafe { w::WebPPictureFree(&mut pic) };
            if ok == 0 {
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
