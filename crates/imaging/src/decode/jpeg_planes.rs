//! JPEG decode to Y'CbCr planes through libjpeg-turbo's raw output (TurboJPEG's decompress to YUV
//! planes): the inverse DCTs only, at 1/`denom` scale, with no chroma upsampling and no colour
//! conversion. For the JPEG-to-JPEG resize of `planes`.

use std::ffi::c_int;

use turbojpeg_sys as tj;

use super::turbo::Handle;
use crate::ops::resize::Placement;
use crate::planes::{Plane, Planes};
use cyanotype_process::{Error, Result};

/// Samples per pixel of the chroma planes for each TJSAMP value (444, 422, 420, gray, 440, 411,
/// 441); grey has none.
const CHROMA_DENSITY: [Option<(f64, f64)>; 7] = [
    Some((1.0, 1.0)),
    Some((0.5, 1.0)),
    Some((0.5, 0.5)),
    None,
    Some((1.0, 0.5)),
    Some((0.25, 1.0)),
    Some((1.0, 0.25)),
];

/// The planes of `data` decoded at `eighths`/8 (1 to 8); `None` when the file is not a lossy
/// three-component Y'CbCr JPEG with a known subsampling (the caller decodes it to RGB instead),
/// with which part of them is the source's picture (see `Placement::picture`).
/// When libjpeg-turbo reports anything while decoding (a warning included), the error the RGB
/// decode gives for the same file: that decode runs the same entropy decoder over the same data
/// and would fail with the same message (`tests/planes.rs` compares them), so it is not tried.
pub fn decode_planes(data: &[u8], eighths: u32) -> Option<Result<(Planes, Placement)>> {
    // SAFETY: every call gets a live handle; each plane buffer has room for its plane's width times
    // height as TurboJPEG computes them, and those are the strides passed, so
    // tj3DecompressToYUVPlanes8 writes inside them; on success it has written all of each
    // (turbojpeg.c copies or decodes every row of every plane), so the lengths are set only then.
    unsafe {
        let (handle, header) = Handle::header(data)?;
        let hp = handle.0;
        let subsamp = header.subsamp;
        if !header.ycbcr {
            return None;
        }
        let chroma = CHROMA_DENSITY[subsamp as usize]?;
        // In lowest terms, as libjpeg-turbo lists its factors (6/8 is 3/4).
        let common = [8, 4, 2, 1]
            .into_iter()
            .find(|&d| eighths.is_multiple_of(d))?;
        let factor = tj::tjscalingfactor {
            num: (eighths / common) as c_int,
            denom: (8 / common) as c_int,
        };
        if tj::tj3SetScalingFactor(hp, factor) != 0 {
            return None;
        }
        let scaled = |side| super::jpeg::scaled(side, eighths);
        let (w, h) = (scaled(header.width), scaled(header.height));
        let mut planes = Vec::with_capacity(3);
        for i in 0..3 {
            let pw = tj::tj3YUVPlaneWidth(i, w as c_int, subsamp);
            let ph = tj::tj3YUVPlaneHeight(i, h as c_int, subsamp);
            if pw <= 0 || ph <= 0 {
                return None;
            }
            // Not zeroed (that was 1% of a small resize): TurboJPEG writes every row of every
            // plane in full, and the length is set only once it has.
            planes.push(Plane {
                width: pw as u32,
                height: ph as u32,
                data: Vec::with_capacity(pw as usize * ph as usize),
            });
        }
        let mut ptrs: Vec<*mut u8> = planes
            .iter_mut()
            .map(|p| p.data.spare_capacity_mut().as_mut_ptr().cast())
            .collect();
        let mut strides: Vec<c_int> = planes.iter().map(|p| p.width as c_int).collect();
        let r = tj::tj3DecompressToYUVPlanes8(
            hp,
            data.as_ptr(),
            data.len() as tj::size_t,
            ptrs.as_mut_ptr(),
            strides.as_mut_ptr(),
        );
        if r != 0 {
            // As the turbojpeg crate words it, which the RGB decode's error carries.
            let detail = std::ffi::CStr::from_ptr(tj::tj3GetErrorStr(hp)).to_string_lossy();
            return Some(Err(Error::damaged(format!("TurboJPEG error: {detail}"))));
        }
        for p in &mut planes {
            // Written in full by the successful call above (each row `width` bytes, `height` rows).
            p.data.set_len(p.width as usize * p.height as usize);
        }
        let planes = Planes {
            width: w,
            height: h,
            planes: planes.try_into().ok()?,
            density: [(1.0, 1.0), chroma, chroma],
        };
        let at = Placement::scaled((0, 0), (w, h), (header.width, header.height), eighths);
        Some(Ok((planes, at)))
    }
}
