//! Partial JPEG decode for a leading crop: libjpeg-turbo decodes only the rows down to the bottom of the
//! region (nothing below it is even entropy-decoded) and runs IDCT and colour conversion only for the
//! region's columns. A 800x600 crop of a 12 MP photo then costs a fraction of a full decode.
//!
//! The turbojpeg crate does not expose cropping regions, so this calls the TurboJPEG 3 C API of the same
//! vendored libjpeg-turbo directly. Only 3-channel (YCbCr or RGB) lossy JPEGs with a known subsampling
//! take this path; everything else answers `None` and is decoded whole.

use std::ffi::c_int;

use turbojpeg_sys as tj;

use super::turbo::Handle;
use crate::bitmap::Bitmap;

/// iMCU width per TJSAMP value (444, 422, 420, gray, 440, 411, 441), as turbojpeg.h's `tjMCUWidth`,
/// which is a header-only static and so not linkable.
const MCU_WIDTH: [u32; 7] = [8, 16, 16, 8, 8, 32, 8];

/// The pixels of (x, y, w, h), which must lie inside the image, or `None` when this JPEG cannot be
/// partially decoded (the caller decodes it whole, with the same result).
pub fn decode_region(data: &[u8], x: u32, y: u32, w: u32, h: u32) -> Option<Bitmap> {
    // SAFETY: every call gets a live handle and pointers into buffers of the stated sizes; the output
    // buffer holds exactly the region (pitch x height) that tj3Decompress8 writes.
    unsafe {
        let (handle, header) = Handle::header(data)?;
        let hp = handle.0;
        let subsamp = header.subsamp;
        if x + w > header.width || y + h > header.height || w == 0 || h == 0 {
            return None;
        }
        // The left edge must fall on an iMCU column; decode from there and drop the extra columns.
        let mcu_w = MCU_WIDTH[subsamp as usize];
        let ax = x - x % mcu_w;
        let aw = x + w - ax;
        let region = tj::tjregion {
            x: ax as c_int,
            y: y as c_int,
            w: aw as c_int,
            h: h as c_int,
        };
        if tj::tj3SetCroppingRegion(hp, region) != 0 {
            return None;
        }
        let pitch = aw as usize * 3;
        let mut pixels = vec![0u8; pitch * h as usize];
        let r = tj::tj3Decompress8(
            hp,
            data.as_ptr(),
            data.len() as tj::size_t,
            pixels.as_mut_ptr(),
            pitch as c_int,
            tj::TJPF_TJPF_RGB as c_int,
        );
        // A warning (damage in the rows decoded; the handle stops there) sends the file to the
        // whole decode, which stops at the same warning and refuses the file: a crop is refused
        // exactly when a resize would be, unless the damage lies below the crop, never read.
        if r != 0 {
            return None;
        }
        let b = Bitmap::new(aw, h, 3, pixels);
        Some(if ax == x {
            b
        } else {
            b.sub_image(x - ax, 0, w, h)
        })
    }
}
