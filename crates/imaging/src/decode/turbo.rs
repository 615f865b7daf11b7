//! Our handle on a TurboJPEG 3 decompressor (the C API of the turbojpeg crate's vendored
//! libjpeg-turbo), for what the crate does not expose: cropping regions (`jpeg_region`), raw Y'CbCr
//! planes (`jpeg_planes`), stopping at the first warning (all of them, `jpeg::decode_turbo` too).
//! Every handle refuses progressive files of too many scans.

use std::ffi::c_int;

use turbojpeg_sys as tj;

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
    /// A decompressor that refuses progressive files of more than `MAX_SCANS` scans and stops at
    /// the first warning.
    ///
    /// Every decode we make of a file fails on any warning (the whole picture and raw planes are
    /// refused; a region goes to the whole decode), so stopping there gives the same outcome without
    /// decoding the rest: a 21 KB file claiming 15000x15000 pixels was decoded in full, grey past its
    /// data, 700 MB and 0.4-2.8 s to give the same error. The same files fail; the message is the
    /// first warning's, as before, unless a fatal error followed it (that one's was kept before).
    pub(super) fn decompressor() -> Option<Handle> {
        // SAFETY: tj3Init has no preconditions; a null handle is refused here, and the handle is
        // live for tj3Set.
        unsafe {
            let h = tj::tj3Init(tj::TJINIT_TJINIT_DECOMPRESS as c_int);
            if h.is_null() {
                return None;
            }
            let handle = Handle(h);
            let set = |p: tj::TJPARAM, v: c_int| tj::tj3Set(h, p as c_int, v) == 0;
            if !set(tj::TJPARAM_TJPARAM_SCANLIMIT, MAX_SCANS)
                || !set(tj::TJPARAM_TJPARAM_STOPONWARNING, 1)
            {
                return None;
            }
            Some(handle)
        }
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
