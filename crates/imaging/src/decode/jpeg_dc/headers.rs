//! The markers before the scan, read only as far as the DC-domain decoder needs: one baseline
//! (sequential Huffman, 8-bit) interleaved scan of all components. Anything else is `None` and the
//! caller decodes with libjpeg-turbo instead.

use super::huffman::HuffTable;

#[derive(Debug, Clone, Copy)]
pub struct Component {
    pub h: usize,
    pub v: usize,
    /// Quantisation table slot.
    pub tq: usize,
    /// Huffman table slots (DC, AC), from the scan header.
    pub td: usize,
    pub ta: usize,
}

#[derive(Debug)]
pub struct Headers {
    pub width: usize,
    pub height: usize,
    pub components: Vec<Component>,
    /// Quantisation tables in zig-zag order (as `jpeg_meta` reads them).
    pub dqt: [Option<[u16; 64]>; 4],
    pub dc: [Option<HuffTable>; 4],
    pub ac: [Option<HuffTable>; 4],
    pub restart_interval: usize,
    /// The colour transform libjpeg-turbo would apply to three components: YCbCr (true) or none.
    pub ycbcr: bool,
    /// Offset of the first entropy-coded byte.
    pub scan_start: usize,
}

/// Blocks in one interleaved MCU, at most (T.81 B.2.3; libjpeg-turbo refuses more).
pub const MAX_BLOCKS_IN_MCU: usize = 10;

/// Zigzag position -> natural (row-major) index.
pub const NATURAL: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

fn be16(d: &[u8], i: usize) -> Option<usize> {
    Some(((*d.get(i)? as usize) << 8) | *d.get(i + 1)? as usize)
}

pub fn read(data: &[u8]) -> Option<Headers> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut h = Headers {
        width: 0,
        height: 0,
        components: Vec::new(),
        dqt: [None; 4],
        dc: [None, None, None, None],
        ac: [None, None, None, None],
        restart_interval: 0,
        ycbcr: true,
        scan_start: 0,
    };
    let (mut jfif, mut adobe, mut ids) = (false, None::<u8>, Vec::new());
    let mut i = 2;
    loop {
        if *data.get(i)? != 0xFF {
            return None;
        }
        // Fill bytes (0xFF repeated) may precede a marker.
        while *data.get(i + 1)? == 0xFF {
            i += 1;
        }
        let marker = *data.get(i + 1)?;
        let len = be16(data, i + 2)?;
        if len < 2 {
            return None;
        }
        let seg = data.get(i + 4..i + 2 + len)?;
        match marker {
            // Baseline and extended sequential Huffman.
            0xC0 | 0xC1 => {
                if seg.first()? != &8 || !h.components.is_empty() {
                    return None;
                }
                h.height = be16(seg, 1)?;
                h.width = be16(seg, 3)?;
                let n = *seg.get(5)? as usize;
                // JPEG_MAX_DIMENSION in libjpeg-turbo.
                if h.width == 0
                    || h.height == 0
                    || h.width > 65500
                    || h.height > 65500
                    || !(n == 1 || n == 3)
                    || seg.len() < 6 + 3 * n
                {
                    return None;
                }
                for c in 0..n {
                    let s = &seg[6 + 3 * c..9 + 3 * c];
                    ids.push(s[0]);
                    let comp = Component {
                        h: (s[1] >> 4) as usize,
                        v: (s[1] & 15) as usize,
                        tq: s[2] as usize,
                        td: 0,
                        ta: 0,
                    };
                    if !(1..=4).contains(&comp.h) || !(1..=4).contains(&comp.v) || comp.tq > 3 {
                        return None;
                    }
                    h.components.push(comp);
                }
            }
            // Progressive, lossless, arithmetic, hierarchical: libjpeg-turbo's business.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDE => return None,
            0xC4 => {
                let mut s = seg;
                while !s.is_empty() {
                    let class = s[0] >> 4;
                    let slot = (s[0] & 15) as usize;
                    let counts: [u8; 16] = s.get(1..17)?.try_into().ok()?;
                    let total: usize = counts.iter().map(|&c| c as usize).sum();
                    let symbols = s.get(17..17 + total)?;
                    if slot > 3 || class > 1 {
                        return None;
                    }
                    let table = HuffTable::new(&counts, symbols, class == 0)?;
                    if class == 0 {
                        h.dc[slot] = Some(table);
                    } else {
                        h.ac[slot] = Some(table);
                    }
                    s = &s[17 + total..];
                }
            }
            0xDB => {
                if !crate::jpeg_meta::read_dqt(seg, &mut h.dqt) {
                    return None;
                }
            }
            0xDD => h.restart_interval = be16(seg, 0)?,
            // libjpeg-turbo warns (and TurboJPEG fails) on a JFIF major version other than 1.
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 14 => {
                if seg[5] != 1 {
                    return None;
                }
                jfif = true
            }
            // Likewise on an Adobe transform other than 0 (none) or 1 (YCbCr) for three components.
            0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => {
                if seg[11] > 1 {
                    return None;
                }
                adobe = Some(seg[11])
            }
            0xDA => {
                let n = *seg.first()? as usize;
                if n != h.components.len() || seg.len() < 1 + 2 * n + 3 {
                    return None;
                }
                // The scan must list every component, in frame order (an interleaved baseline scan).
                for c in 0..n {
                    if seg[1 + 2 * c] != ids[c] {
                        return None;
                    }
                    let comp = &mut h.components[c];
                    comp.td = (seg[2 + 2 * c] >> 4) as usize;
                    comp.ta = (seg[2 + 2 * c] & 15) as usize;
                    if comp.td > 3
                        || comp.ta > 3
                        || h.dc[comp.td].is_none()
                        || h.ac[comp.ta].is_none()
                        || h.dqt[comp.tq].is_none()
                    {
                        return None;
                    }
                }
                let tail = &seg[1 + 2 * n..];
                if tail != [0, 63, 0] {
                    return None;
                }
                h.scan_start = i + 2 + len;
                break;
            }
            // Other application segments and comments carry nothing we need.
            0xE0..=0xEF | 0xFE => {}
            // Anything else libjpeg-turbo either refuses or treats specially: leave the file to it.
            _ => return None,
        }
        i += 2 + len;
    }
    if h.components.is_empty() {
        return None;
    }
    // An interleaved MCU holds at most 10 blocks (libjpeg-turbo's D_MAX_BLOCKS_IN_MCU, an error
    // there); the scan's padding is sized for that many.
    let blocks: usize = h.components.iter().map(|c| c.h * c.v).sum();
    if h.components.len() > 1 && blocks > MAX_BLOCKS_IN_MCU {
        return None;
    }
    if h.components.len() == 3 {
        // The same guess libjpeg-turbo makes (jdapimin.c), so both decoders agree.
        h.ycbcr = if jfif {
            true
        } else if let Some(t) = adobe {
            t != 0
        } else {
            ids != [82, 71, 66]
        };
    }
    Some(h)
}
