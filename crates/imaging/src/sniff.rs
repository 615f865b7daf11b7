//! Detect the source format from its first bytes, never from a file name or Content-Type.

use cyanotype_process::Format;

pub fn sniff(data: &[u8]) -> Option<Format> {
    let starts = |m: &[u8]| data.len() >= m.len() && &data[..m.len()] == m;
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Format::Gif)
    } else if data.len() >= 12 && &data[0..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else if starts(b"BM") && data.len() >= 26 {
        Some(Format::Bmp)
    } else if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        Some(Format::Tiff)
    } else {
        heif_brand(data)
    }
}

/// An ISO-BMFF file (`ftyp` box first) whose major or compatible brands name a HEIF still: AVIF
/// (`avif`) or HEVC-coded HEIC (`heic`, `heix`, Apple's; `mif1` alone is the generic HEIF still,
/// nearly always HEVC). Image sequences (`avis`, `hevc`, `msf1`) are not taken: we decode stills.
fn heif_brand(data: &[u8]) -> Option<Format> {
    if data.len() < 16 || &data[4..8] != b"ftyp" {
        return None;
    }
    let size = (u32::from_be_bytes(data[0..4].try_into().ok()?) as usize).min(data.len());
    if size < 16 {
        return None;
    }
    // The major brand, then the compatible brands after the 4-byte minor version.
    let brands = std::iter::once(&data[8..12]).chain(data[16..size].chunks_exact(4));
    let mut found = None;
    for b in brands {
        match b {
            b"avif" => return Some(Format::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" => found = Some(Format::Heic),
            b"mif1" if found.is_none() => found = Some(Format::Heic),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut b = (size as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0; 16]); // the next box
        b
    }

    #[test]
    fn heif_brands() {
        assert_eq!(
            sniff(&ftyp(b"heic", &[b"mif1", b"heic"])),
            Some(Format::Heic)
        );
        assert_eq!(sniff(&ftyp(b"mif1", &[b"heic"])), Some(Format::Heic));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1"])), Some(Format::Heic));
        assert_eq!(
            sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])),
            Some(Format::Avif)
        );
        assert_eq!(sniff(&ftyp(b"mif1", &[b"avif"])), Some(Format::Avif));
        // Sequences, video and other ISO-BMFF files are not images we read.
        assert_eq!(sniff(&ftyp(b"msf1", &[b"hevc"])), None);
        assert_eq!(sniff(&ftyp(b"avis", &[b"msf1"])), None);
        assert_eq!(sniff(&ftyp(b"isom", &[b"mp41"])), None);
        // A size that claims more than the file, or less than the box: read what is there.
        let mut b = ftyp(b"mif1", &[b"heic"]);
        b[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(sniff(&b), Some(Format::Heic));
        b[0..4].copy_from_slice(&8u32.to_be_bytes());
        assert_eq!(sniff(&b), None);
        assert_eq!(sniff(b"\0\0\0\x10ftypheic"), None, "too short");
    }
}
