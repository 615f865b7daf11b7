//! Huffman tables of a baseline JPEG, built for the DC-domain decoder: a lookup of the next
//! `LOOKUP_BITS` bits gives a code's length and symbol, and a second lookup gives what skipping an AC
//! coefficient costs (code plus its extra bits) without reading its value. Longer codes take the
//! canonical slow path. A table libjpeg-turbo would refuse is refused here too (`None`).

pub const LOOKUP_BITS: u32 = 10;
const LOOKUP_SIZE: usize = 1 << LOOKUP_BITS;

/// In `skip`: a k advance this large ends the block (EOB).
pub const END_OF_BLOCK: u16 = 64;

/// The window of the two-symbol skip lookup.
pub const PAIR_BITS: u32 = 12;
const PAIR_SIZE: usize = 1 << PAIR_BITS;

#[derive(Debug, Clone)]
pub struct HuffTable {
    /// `len << 8 | symbol`; 0 when the code is longer than `LOOKUP_BITS`.
    pub fast: Box<[u16; LOOKUP_SIZE]>,
    /// `(code length + extra bits) << 8 | k advance` (run + 1; 16 for ZRL; `END_OF_BLOCK` for EOB);
    /// 0 when the code is longer than `LOOKUP_BITS`.
    pub skip: Box<[u16; LOOKUP_SIZE]>,
    /// Skipping up to two AC coefficients at once, for the next `PAIR_BITS` bits: bits 0-7 and 8-15
    /// are the first symbol's code-plus-extra-bits length and k advance, bits 16-23 and 24-31 the
    /// same for as many symbols as the window holds (both, or the first alone when the second code
    /// does not fit or the first is EOB: then both halves are equal, so the hot loop never asks
    /// which); 0 when even the first code is longer than the window.
    pub pairs: Box<[u32; PAIR_SIZE]>,
    /// Largest code of each length (index 1..=16), -1 when none.
    maxcode: [i32; 17],
    /// `symbols[valoffset[l] + code]` is the symbol of an l-bit code.
    valoffset: [i32; 17],
    symbols: Vec<u8>,
}

impl HuffTable {
    pub fn new(counts: &[u8; 16], symbols: &[u8], dc: bool) -> Option<HuffTable> {
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if symbols.len() != total || total > 256 || (dc && symbols.iter().any(|&s| s > 15)) {
            return None;
        }
        let mut t = HuffTable {
            fast: Box::new([0; LOOKUP_SIZE]),
            skip: Box::new([0; LOOKUP_SIZE]),
            pairs: vec![0; PAIR_SIZE].into_boxed_slice().try_into().unwrap(),
            maxcode: [-1; 17],
            valoffset: [0; 17],
            symbols: symbols.to_vec(),
        };
        let (mut code, mut p) = (0u32, 0usize);
        for len in 1..=16u32 {
            let n = counts[len as usize - 1] as usize;
            t.valoffset[len as usize] = p as i32 - code as i32;
            for &sym in &symbols[p..p + n] {
                // More codes than this length has (a table libjpeg-turbo refuses too).
                if code >= 1 << len {
                    return None;
                }
                if len <= LOOKUP_BITS {
                    let shift = LOOKUP_BITS - len;
                    let (run, size) = ((sym >> 4) as u16, (sym & 15) as u16);
                    let advance = match (size, run) {
                        (0, 15) => 16,
                        (0, _) => END_OF_BLOCK,
                        _ => run + 1,
                    };
                    let first = (code << shift) as usize;
                    for e in first..first + (1 << shift) {
                        t.fast[e] = ((len as u16) << 8) | sym as u16;
                        t.skip[e] = ((len as u16 + size) << 8) | advance;
                    }
                }
                code += 1;
            }
            p += n;
            if n > 0 {
                t.maxcode[len as usize] = code as i32 - 1;
            }
            // libjpeg-turbo refuses a table whose codes overflow their length (all ones included).
            if code >= 1 << len {
                return None;
            }
            code <<= 1;
        }
        t.fill_pairs();
        Some(t)
    }

    /// The code starting at the top of a `PAIR_BITS` window `w` shifted left by `used`, if it fits:
    /// (code length + extra bits, k advance).
    fn skip_in(&self, w: u32, used: u32) -> Option<(u32, u32)> {
        let rest = PAIR_BITS.checked_sub(used)?;
        let top =
            ((w << used) & (PAIR_SIZE as u32 - 1)) >> (PAIR_BITS - LOOKUP_BITS.min(PAIR_BITS));
        let e = self.skip[top as usize];
        let len = (self.fast[top as usize] >> 8) as u32;
        (e != 0 && len <= rest).then_some(((e >> 8) as u32, (e & 0xFF) as u32))
    }

    fn fill_pairs(&mut self) {
        for w in 0..PAIR_SIZE as u32 {
            let Some((bits1, k1)) = self.skip_in(w, 0) else {
                continue;
            };
            let first = (k1 << 8) | bits1;
            let both = match self.skip_in(w, bits1) {
                Some((bits2, k2)) if k1 < END_OF_BLOCK as u32 => ((k1 + k2) << 8) | (bits1 + bits2),
                _ => first,
            };
            self.pairs[w as usize] = (both << 16) | first;
        }
    }

    /// Decodes a code longer than the lookup from the top bits of `bits`: (length, symbol).
    #[cold]
    pub fn slow(&self, bits: u64) -> Option<(u32, u8)> {
        for len in 1..=16u32 {
            let code = (bits >> (64 - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let i = self.valoffset[len as usize] + code;
                return self
                    .symbols
                    .get(usize::try_from(i).ok()?)
                    .map(|&s| (len, s));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_luminance_dc_table_decodes_its_codes() {
        // ITU T.81 Table K.3.
        let counts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        let symbols: Vec<u8> = (0..12).collect();
        let t = HuffTable::new(&counts, &symbols, true).unwrap();
        // Category 0 is "00", category 5 is "110", category 11 is "111111110" (9 bits).
        assert_eq!(t.fast[0b00 << 8], 2 << 8);
        assert_eq!(t.fast[0b110 << 7], 3 << 8 | 5);
        assert_eq!(t.fast[0b111111110 << 1], 9 << 8 | 11);
        assert_eq!(t.slow(0b111111110u64 << 55), Some((9, 11)));
        // The all-ones code is not a code.
        assert_eq!(t.slow(u64::MAX), None);
    }

    #[test]
    fn tables_libjpeg_refuses_are_refused() {
        // Three 1-bit codes cannot exist.
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(HuffTable::new(&counts, &[0, 1, 2], false).is_none());
        // A DC category above 15.
        counts[0] = 1;
        assert!(HuffTable::new(&counts, &[16], true).is_none());
    }
}
