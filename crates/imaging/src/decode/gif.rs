//! GIF structure: the logical screen size and the frame count, read by walking the blocks without
//! decompressing any image data (so the pixel budget of an animation is known before decoding).

use cyanotype_process::{Error, Result};

pub struct GifInfo {
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

pub fn info(data: &[u8]) -> Result<GifInfo> {
    let bad = || Error::damaged("truncated GIF structure");
    if data.len() < 13 {
        return Err(bad());
    }
    let width = u16::from_le_bytes([data[6], data[7]]) as u32;
    let height = u16::from_le_bytes([data[8], data[9]]) as u32;
    let flags = data[10];
    let mut i = 13;
    if flags & 0x80 != 0 {
        i += 3 * (1 << ((flags & 7) + 1));
    }
    let mut frames = 0;
    // Skip a chain of data sub-blocks starting at `i`; returns the index after the terminator.
    let skip_blocks = |mut i: usize| -> Option<usize> {
        loop {
            let n = *data.get(i)? as usize;
            i += 1 + n;
            if n == 0 {
                return Some(i);
            }
        }
    };
    loop {
        match data.get(i) {
            Some(0x21) => i = skip_blocks(i + 2).ok_or_else(bad)?, // extension: label, then sub-blocks
            Some(0x2C) => {
                let flags = *data.get(i + 9).ok_or_else(bad)?;
                i += 10;
                if flags & 0x80 != 0 {
                    i += 3 * (1 << ((flags & 7) + 1));
                }
                i = skip_blocks(i + 1).ok_or_else(bad)?; // LZW minimum code size, then data
                frames += 1;
            }
            // Trailer, or a truncated file after at least one frame: decoders show what is there.
            Some(0x3B) | None if frames > 0 => break,
            _ if frames > 0 => break,
            _ => return Err(bad()),
        }
    }
    Ok(GifInfo {
        width,
        height,
        frames,
    })
}
