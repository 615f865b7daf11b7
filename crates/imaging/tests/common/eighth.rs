//! Comparing our 1/8- and 1/4-scale JPEG decoder with libjpeg-turbo's.

use cyanotype_imaging::decode::jpeg_dc::{decode_scaled, decode_scaled_scalar};
use turbojpeg::{Decompressor, Image, PixelFormat, ScalingFactor};

/// libjpeg-turbo's 1/`denom` decode to RGB, default flags (what decode::jpeg uses).
fn turbo_scaled(data: &[u8], denom: usize) -> Result<(usize, usize, Vec<u8>), String> {
    let mut d = Decompressor::new().map_err(|e| e.to_string())?;
    let header = d.read_header(data).map_err(|e| e.to_string())?;
    let factor = ScalingFactor::new(1, denom);
    d.set_scaling_factor(factor).map_err(|e| e.to_string())?;
    let s = header.scaled(factor);
    let mut pixels = vec![0u8; s.width * s.height * 3];
    let image = Image {
        pixels: pixels.as_mut_slice(),
        width: s.width,
        pitch: s.width * 3,
        height: s.height,
        format: PixelFormat::RGB,
    };
    d.decompress(data, image).map_err(|e| e.to_string())?;
    Ok((s.width, s.height, pixels))
}

/// Compares both decoders on `data` at 1/8 and at 1/4; true when ours took the file at 1/8.
pub fn same(name: &str, data: &[u8]) -> bool {
    same_at(name, data, 4);
    same_at(name, data, 8)
}

/// Compares both decoders on `data` at 1/`denom`; true when ours took the file.
pub fn same_at(name: &str, data: &[u8], denom: usize) -> bool {
    let name = &format!("{name} at 1/{denom}");
    let mut took = false;
    // One thread and two; the vector inverse DCTs (where the CPU has them) and the scalar ones.
    for (two, scalar) in [(false, false), (true, false), (false, true)] {
        let decoded = if scalar {
            decode_scaled_scalar(data, denom, two)
        } else {
            decode_scaled(data, denom, two)
        };
        let Some(ours) = decoded.map(|e| e.bitmap) else {
            continue;
        };
        took = true;
        let (w, h, theirs) = turbo_scaled(data, denom)
            .unwrap_or_else(|e| panic!("{name}: libjpeg-turbo refused a file we decoded: {e}"));
        assert_eq!(
            (ours.width as usize, ours.height as usize),
            (w, h),
            "{name}: size"
        );
        if ours.data != theirs {
            let differ: Vec<usize> = (0..theirs.len())
                .filter(|&i| ours.data[i] != theirs[i])
                .collect();
            let (diff, first) = (differ.len(), differ[0]);
            panic!("{name} (two threads: {two}, scalar: {scalar}): {diff} of {} bytes differ, first at pixel {} ({} vs {})",
                theirs.len(), first / 3, ours.data[first], theirs[first]);
        }
    }
    took
}
