//! Walk a JPEG's marker segments up to the first scan and collect what the engine needs besides pixels:
//! the EXIF block, the ICC profile (which may span several APP2 chunks), the Adobe APP14 transform flag
//! (which tells whether CMYK samples are stored inverted), and the quantisation tables (for estimating the
//! source quality). Bounded by the input: every length is checked against the slice.

#[derive(Debug, Default)]
pub struct JpegMeta<'a> {
    /// The TIFF structure inside the APP1 `Exif\0\0` segment.
    pub exif: Option<&'a [u8]>,
    pub icc: Option<Vec<u8>>,
    /// Present when an Adobe APP14 segment exists.
    pub adobe: bool,
    /// Quantisation tables by id (0..4), in zig-zag order, 8-bit precision values widened.
    pub dqt: [Option<[u16; 64]>; 4],
    pub components: u8,
    /// The frame header is a progressive one (SOF2, SOF6, SOF10, SOF14).
    pub progressive: bool,
    /// How many components the first scan carries (0 when no scan header was reached).
    pub first_scan_components: u8,
    /// Width and height from the frame header.
    pub size: (u32, u32),
}

impl JpegMeta<'_> {
    /// Whether the file comes in several scans, so that libjpeg-turbo keeps every block's
    /// coefficients until the last one: a progressive frame, or a baseline one whose first scan
    /// carries only some of the components (libjpeg's `has_multiple_scans`).
    pub fn multi_scan(&self) -> bool {
        self.progressive
            || (self.first_scan_components > 0 && self.first_scan_components < self.components)
    }
}

pub fn read(data: &[u8]) -> JpegMeta<'_> {
    let mut meta = JpegMeta::default();
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut i = 2; // after SOI
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            break;
        }
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            if marker == 0xDA {
                // After the segment's length: Ns.
                meta.first_scan_components = data.get(i + 4).copied().unwrap_or(0);
            }
            break; // start of scan: no more header segments before the pixels
        }
        let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        if len < 2 || i + 2 + len > data.len() {
            break;
        }
        let body = &data[i + 4..i + 2 + len];
        match marker {
            0xE1 if body.starts_with(b"Exif\0\0") && meta.exif.is_none() => {
                meta.exif = Some(&body[6..])
            }
            0xE2 if body.starts_with(b"ICC_PROFILE\0") && body.len() > 14 => {
                icc_chunks.push((body[12], &body[14..]));
            }
            0xEE if body.starts_with(b"Adobe") => meta.adobe = true,
            0xDB => {
                read_dqt(body, &mut meta.dqt);
            }
            0xC0..=0xCF
                if marker != 0xC4 && marker != 0xC8 && marker != 0xCC && body.len() >= 6 =>
            {
                meta.components = body[5];
                meta.progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
                meta.size = (
                    u16::from_be_bytes([body[3], body[4]]) as u32,
                    u16::from_be_bytes([body[1], body[2]]) as u32,
                );
            }
            _ => {}
        }
        i += 2 + len;
    }
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|(n, _)| *n);
        meta.icc = Some(
            icc_chunks
                .iter()
                .flat_map(|(_, c)| c.iter().copied())
                .collect(),
        );
    }
    meta
}

/// Reads the tables of one DQT segment into `out` (zig-zag order; any precision other than 0 is
/// 16-bit, as libjpeg reads it). False when the segment is malformed (a short table, an id above 3);
/// the tables before that point are kept.
pub fn read_dqt(mut body: &[u8], out: &mut [Option<[u16; 64]>; 4]) -> bool {
    while !body.is_empty() {
        let pq = body[0] >> 4;
        let id = (body[0] & 0x0F) as usize;
        let size = if pq == 0 { 64 } else { 128 };
        if body.len() < 1 + size || id > 3 {
            return false;
        }
        let mut t = [0u16; 64];
        for (k, v) in t.iter_mut().enumerate() {
            *v = if pq == 0 {
                body[1 + k] as u16
            } else {
                u16::from_be_bytes([body[1 + 2 * k], body[2 + 2 * k]])
            };
        }
        out[id] = Some(t);
        body = &body[1 + size..];
    }
    true
}

/// The IJG standard luminance table (Annex K), in zig-zag order.
const STD_LUMA: [u16; 64] = [
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37,
    29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81,
    87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/// Estimate the IJG quality (1-100) the JPEG was written with, from its luminance table: find the IJG
/// scale factor that best reproduces the table, then invert IJG's quality-to-scale mapping. Exact for
/// files written by libjpeg-style encoders; a close estimate for others.
pub fn estimate_quality(meta: &JpegMeta) -> Option<u32> {
    let table = meta.dqt[0].as_ref()?;
    if let Some(q) = crate::encode::jpeg_tables::asked_quality_of(table, meta.size) {
        return Some(q);
    }
    let mut best = (u64::MAX, 0u32);
    for q in 1..=100u32 {
        // A quality is dropped as soon as its error reaches the best one's: the first with the
        // least error is the answer either way, and most stop after a few entries (this ran for
        // every JPEG a request re-encodes, 0.6% of a small resize).
        let mut err = 0u64;
        for (&t, &s) in table.iter().zip(STD_LUMA.iter()) {
            let expect = crate::encode::jpeg_tables::scaled(s as u32, q);
            let d = expect as i64 - t as i64;
            err += (d * d) as u64;
            if err >= best.0 {
                break;
            }
        }
        if err < best.0 {
            best = (err, q);
        }
    }
    Some(best.1)
}
