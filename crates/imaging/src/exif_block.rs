//! Find the EXIF (TIFF-structured) block of a source in its container, and parse it with kamadak-exif.
//! Each container is walked by hand because writers differ: some WebP writers prefix the EXIF chunk
//! with `Exif\0\0`, which generic readers miss.

use cyanotype_process::Format;

use crate::jpeg_meta;

fn strip_prefix(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"Exif\0\0").unwrap_or(b)
}

/// The raw TIFF structure holding the EXIF data, if the source has one.
pub fn raw(data: &[u8], format: Format) -> Option<Vec<u8>> {
    match format {
        Format::Jpg => jpeg_meta::read(data).exif.map(<[u8]>::to_vec),
        Format::Tiff => Some(data.to_vec()),
        Format::Webp => {
            let mut i = 12;
            while i + 8 <= data.len() {
                let size = u32::from_le_bytes(data[i + 4..i + 8].try_into().ok()?) as usize;
                if &data[i..i + 4] == b"EXIF" {
                    return data
                        .get(i + 8..i + 8 + size)
                        .map(|b| strip_prefix(b).to_vec());
                }
                i = i.checked_add(8 + size + (size & 1))?;
            }
            None
        }
        Format::Png => {
            let mut i = 8;
            while i + 8 <= data.len() {
                let size = u32::from_be_bytes(data[i..i + 4].try_into().ok()?) as usize;
                let kind = &data[i + 4..i + 8];
                if kind == b"eXIf" {
                    return data
                        .get(i + 8..i + 8 + size)
                        .map(|b| strip_prefix(b).to_vec());
                }
                i = i.checked_add(12 + size)?;
            }
            None
        }
        Format::Heic | Format::Avif => crate::decode::heif::exif(data),
        _ => None,
    }
}

pub fn parse(data: &[u8], format: Format) -> Option<exif::Exif> {
    exif::Reader::new().read_raw(raw(data, format)?).ok()
}

/// The IFD0 pointer tags (ExifTag 0x8769, GPSTag 0x8825), which kamadak-exif follows but does not list
/// as fields; OSS shows them (f.jpg: ExifTag "2212", GPSTag "4292").
pub fn pointer_tags(raw: &[u8]) -> Vec<(&'static str, u32)> {
    let mut out = Vec::new();
    let big = match raw.get(0..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return out,
    };
    let u16_at = |i: usize| {
        raw.get(i..i + 2).map(|b| {
            if big {
                u16::from_be_bytes([b[0], b[1]])
            } else {
                u16::from_le_bytes([b[0], b[1]])
            }
        })
    };
    let u32_at = |i: usize| {
        raw.get(i..i + 4).map(|b| {
            let a = [b[0], b[1], b[2], b[3]];
            if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        })
    };
    let Some(ifd) = u32_at(4) else { return out };
    let Some(count) = u16_at(ifd as usize) else {
        return out;
    };
    for k in 0..count as usize {
        let e = ifd as usize + 2 + 12 * k;
        let (Some(tag), Some(value)) = (u16_at(e), u32_at(e + 8)) else {
            break;
        };
        match tag {
            0x8769 => out.push(("ExifTag", value)),
            0x8825 => out.push(("GPSTag", value)),
            _ => {}
        }
    }
    out
}
