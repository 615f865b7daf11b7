//! Colour management: embedded ICC profiles are converted to sRGB at decode, so every action and encoder
//! works in one colour space and outputs look the same in every viewer. Uses moxcms (pure Rust).

use moxcms::{ColorProfile, Layout, TransformOptions};

use crate::bitmap::Bitmap;

/// Profiles that already describe sRGB need no conversion: recognised by their description text.
fn is_srgb(icc: &[u8]) -> bool {
    let head = &icc[..icc.len().min(1024)];
    head.windows(4).any(|w| w == b"sRGB") || head.windows(8).any(|w| w == b"s\0R\0G\0B\0")
}

/// Convert an RGB or RGBA bitmap from the embedded profile to sRGB in place. A profile we cannot read is
/// ignored (the pixels are then taken as sRGB, as browsers do).
pub fn rgb_to_srgb(bitmap: &mut Bitmap, icc: &[u8]) {
    if is_srgb(icc) {
        return;
    }
    let Ok(src) = ColorProfile::new_from_slice(icc) else {
        return;
    };
    let layout = if bitmap.channels == 4 {
        Layout::Rgba
    } else {
        Layout::Rgb
    };
    let dst = ColorProfile::new_srgb();
    let Ok(t) = src.create_transform_8bit(layout, &dst, layout, TransformOptions::default()) else {
        return;
    };
    let mut out = vec![0u8; bitmap.data.len()];
    if t.transform(&bitmap.data, &mut out).is_ok() {
        bitmap.data = out;
    }
}

/// CMYK samples (4 per pixel, 0 = no ink) to an sRGB bitmap, through the embedded CMYK profile when
/// there is one, else with the plain complement formula.
pub fn cmyk_to_srgb(width: u32, height: u32, cmyk: &[u8], icc: Option<&[u8]>) -> Bitmap {
    if let Some(icc) = icc {
        if let Ok(src) = ColorProfile::new_from_slice(icc) {
            let dst = ColorProfile::new_srgb();
            if let Ok(t) = src.create_transform_8bit(
                Layout::Rgba,
                &dst,
                Layout::Rgb,
                TransformOptions::default(),
            ) {
                let mut out = vec![0u8; width as usize * height as usize * 3];
                if t.transform(cmyk, &mut out).is_ok() {
                    return Bitmap::new(width, height, 3, out);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for p in cmyk.chunks_exact(4) {
        let k = 255 - p[3] as u32;
        for &c in &p[..3] {
            out.push(((255 - c as u32) * k / 255) as u8);
        }
    }
    Bitmap::new(width, height, 3, out)
}
