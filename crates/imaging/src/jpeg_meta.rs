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
    Some(best_quality(table))
}

/// The quality whose IJG table is nearest `table` (sum of squared differences; the lowest quality
/// among equals). Searched from the quality the table's overall scale suggests: with that one's
/// error as the bound from the start, the others are dropped after an entry or two (searched from
/// quality 1 up, this was 1% of a small resize).
fn best_quality(table: &[u16; 64]) -> u32 {
    let error = |q: u32, bound: (u64, u32)| -> u64 {
        let mut err = 0u64;
        for (&t, &s) in table.iter().zip(STD_LUMA.iter()) {
            let d = crate::encode::jpeg_tables::scaled(s as u32, q) as i64 - t as i64;
            err += (d * d) as u64;
            // It can no longer win: more error, or as much from a higher quality.
            if err > bound.0 || (err == bound.0 && q > bound.1) {
                break;
            }
        }
        err
    };
    let sum = |t: &[u16; 64]| t.iter().map(|&v| v as u64).sum::<u64>().max(1);
    let percent = (sum(table) * 100 / sum(&STD_LUMA)).max(1) as u32;
    let seed = if percent <= 100 {
        (200 - percent) / 2
    } else {
        5000 / percent
    }
    .clamp(1, 100);
    let mut best = (error(seed, (u64::MAX, 0)), seed);
    for q in (1..=100u32).filter(|&q| q != seed) {
        let err = error(q, best);
        if (err, q) < best {
            best = (err, q);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::jpeg_tables::scaled;

    /// The plain search: every quality, the first with the least error.
    fn brute(table: &[u16; 64]) -> u32 {
        (1..=100u32)
            .min_by_key(|&q| {
                let err: u64 = table
                    .iter()
                    .zip(STD_LUMA.iter())
                    .map(|(&t, &s)| (scaled(s as u32, q) as i64 - t as i64).pow(2) as u64)
                    .sum();
                (err, q)
            })
            .unwrap()
    }

    /// The seeded search answers as the plain one: on every IJG table (exact), on those tables
    /// disturbed, and on arbitrary ones (a fixed generator).
    #[test]
    fn the_seeded_search_finds_what_the_plain_one_does() {
        let mut next = crate::xorshift64(0x2545_F491_4F6C_DD1Du64);
        for q in 1..=100u32 {
            let table = STD_LUMA.map(|s| scaled(s as u32, q) as u16);
            assert_eq!(best_quality(&table), brute(&table), "IJG q{q}");
            for _ in 0..20 {
                let noisy =
                    table.map(|v| (v as i64 + (next() % 7) as i64 - 3).clamp(1, 255) as u16);
                assert_eq!(best_quality(&noisy), brute(&noisy), "{noisy:?}");
            }
        }
        for _ in 0..2000 {
            let wide = next() % 4 == 0;
            let table: [u16; 64] = std::array::from_fn(|_| {
                let v = next();
                if wide {
                    (v % 65535 + 1) as u16
                } else {
                    (v % 255 + 1) as u16
                }
            });
            assert_eq!(best_quality(&table), brute(&table), "{table:?}");
        }
    }
}
