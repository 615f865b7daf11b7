//! Partial JPEG decode for a leading crop: libjpeg-turbo decodes only the rows down to the bottom of the
//! region (nothing below it is even entropy-decoded) and runs IDCT and colour conversion only for the
//! region's columns. A 800x600 crop of a 12 MP photo then costs a fraction of a full decode.
//!
//! The turbojpeg crate does not expose cropping regions, so this calls the TurboJPEG 3 C API of the same
//! vendored libjpeg-turbo directly. Only 3-channel (YCbCr or RGB) lossy JPEGs with a known subsampling
//! take this path; everything else answers `None` and is decoded whole.

use std::ffi::c_int;

use turbojpeg_sys as tj;

use crate::bitmap::Bitmap;

/// iMCU width per TJSAMP value (444, 422, 420, gray, 440, 411, 441), as turbojpeg.h's `tjMCUWidth`,
/// which is a header-only static and so not linkable.
const MCU_WIDTH: [u32; 7] = [8, 16, 16, 8, 8, 32, 8];

/// Owns one TurboJPEG decompressor.
pub(super) struct Handle(pub(super) tj::tjhandle);

/// What both partial paths need from a JPEG's header.
pub(super) struct Header {
    pub width: u32,
    pub height: u32,
    /// A TJSAMP value, checked to be one of the 7 known (0..7).
    pub subsamp: c_int,
    /// The colour space is Y'CbCr (otherwise RGB).
    pub ycbcr: bool,
}

/// The most scans a progressive JPEG may have. Each scan is a pass over every block of the picture,
/// and a valid file can have hundreds of them with almost no data in each: 57 KB of 694 scans
/// (16 MP of grey) took 2.2 s to decode, and the same at 250 MP would hold a worker for half a
/// minute. Encoders write about 10 (libjpeg's default script, mozjpeg, Photoshop fewer); 100 leaves
/// room for any tool that splits every coefficient into its own scan. (TurboJPEG's own protective
/// setting, TJFLAG_LIMITSCANS, allows 500.)
pub(super) const MAX_SCANS: c_int = 100;

impl Handle {
    /// A decompressor that refuses progressive files of more than `MAX_SCANS` scans.
    pub(super) fn decompressor() -> Option<Handle> {
        // SAFETY: tj3Init has no preconditions; a null handle is refused here, and the handle is
        // live for tj3Set.
        unsafe {
            let h = tj::tj3Init(tj::TJINIT_TJINIT_DECOMPRESS as c_int);
            if h.is_null() {
                return None;
            }
            let handle = Handle(h);
            if tj::tj3Set(h, tj::TJPARAM_TJPARAM_SCANLIMIT as c_int, MAX_SCANS) != 0 {
                return None;
            }
            Some(handle)
        }
    }

    /// Stops decoding at the first warning. Where any warning fails the decode anyway (the whole
    /// picture, raw planes), this fails it as soon as libjpeg-turbo sees it rather than after
    /// decoding the rest: a 21 KB file claiming 15000x15000 pixels was decoded in full, grey past
    /// its data, 700 MB and 0.4-2.8 s to give the same error. The same files fail; the message is
    /// the first warning's, as before, unless a fatal error followed it (that one's message was
    /// kept before).
    pub(super) fn stop_on_warning(&self) -> Option<()> {
        // SAFETY: a live handle.
        let r = unsafe { tj::tj3Set(self.0, tj::TJPARAM_TJPARAM_STOPONWARNING as c_int, 1) };
        (r == 0).then_some(())
    }

    /// A new decompressor with `data`'s header read, when it is a lossy three-component (Y'CbCr or
    /// RGB) JPEG with a known subsampling: what TurboJPEG's partial decodes (a region, raw planes)
    /// take. `data` must outlive the handle's use.
    pub(super) fn header(data: &[u8]) -> Option<(Handle, Header)> {
        let handle = Handle::decompressor()?;
        let hp = handle.0;
        // SAFETY: a live handle, and a pointer to `data.len()` bytes.
        unsafe {
            if tj::tj3DecompressHeader(hp, data.as_ptr(), data.len() as tj::size_t) != 0 {
                return None;
            }
            let get = |p: tj::TJPARAM| tj::tj3Get(hp, p as c_int);
            let colorspace = get(tj::TJPARAM_TJPARAM_COLORSPACE);
            let ycbcr = colorspace == tj::TJCS_TJCS_YCbCr as c_int;
            let subsamp = get(tj::TJPARAM_TJPARAM_SUBSAMP);
            let three_channel = ycbcr || colorspace == tj::TJCS_TJCS_RGB as c_int;
            if !three_channel
                || get(tj::TJPARAM_TJPARAM_LOSSLESS) != 0
                || !(0..7).contains(&subsamp)
            {
                return None;
            }
            let header = Header {
                width: get(tj::TJPARAM_TJPARAM_JPEGWIDTH) as u32,
                height: get(tj::TJPARAM_TJPARAM_JPEGHEIGHT) as u32,
                subsamp,
                ycbcr,
            };
            Some((handle, header))
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tj3Init and is destroyed once.
        unsafe { tj::tj3Destroy(self.0) }
    }
}

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
        if r != 0 && tj::tj3GetErrorCode(hp) == tj::TJERR_TJERR_FATAL as c_int {
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
