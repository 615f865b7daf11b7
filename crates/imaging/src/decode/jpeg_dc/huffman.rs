//! Huffman tables of a baseline JPEG, built for the DC-domain decoder: a lookup of the next
//! `LOOKUP_BITS` bits gives a code's length and symbol (`fast`), what skipping one AC coefficient
//! costs (`skip`), or the whole value with its extra bits (`values`); a lookup of the next
//! `RUN_BITS` skips several AC coefficients at once (`runs`). Longer codes take the canonical slow
//! path. A table libjpeg-turbo would refuse is refused here too (`None`).

pub const LOOKUP_BITS: u32 = 10;
const LOOKUP_SIZE: usize = 1 << LOOKUP_BITS;

/// How far an AC symbol moves k, the position in the block: run + 1 for a coefficient, 16 for ZRL,
/// 64 (past any block's end) for EOB.
#[inline(always)]
pub fn advance(sym: u8) -> u32 {
    match (sym & 15, sym >> 4) {
        (0, 15) => 16,
        (0, _) => 64,
        (_, run) => run as u32 + 1,
    }
}

/// The run of an EOB in a `values` entry: it takes k past any block's end (and past the positions
/// real runs reach, so its value lands in the decoder's ignored slot).
pub const EOB_RUN: u32 = 128;

/// The window of the multi-symbol skip lookup. Only each code must lie in it; the last one's extra
/// bits may run past it. 12 bits (u32 entries, a 16 KB table) measured faster than 11 and 13, and
/// than a 13-bit table of u16 entries whose codes and extra bits all lay in the window.
pub const RUN_BITS: u32 = 12;
const RUN_SIZE: usize = 1 << RUN_BITS;
/// Lookups per refill of the skip loop, and so the most bits one entry may consume (18 of the 56
/// bits a refill leaves).
pub const RUNS_PER_REFILL: u32 = 3;
const RUN_MAX_BITS: u32 = 56 / RUNS_PER_REFILL;

/// In a `runs` entry: the total length of its codes and their extra bits (bits 0-7), the k advance
/// of all its symbols (bits 8-15, `run_all`) and of all but the last (bits 16-23,
/// `run_before_last`); advances are capped at 63, which is as good as "the block ends" since k
/// starts at 1.
#[inline(always)]
pub fn run_bits(e: u32) -> u32 {
    e & 0xFF
}
#[inline(always)]
pub fn run_all(e: u32) -> u32 {
    (e >> 8) & 0xFF
}
#[inline(always)]
pub fn run_before_last(e: u32) -> u32 {
    e >> 16
}

#[derive(Debug, Clone)]
pub struct HuffTable {
    /// `len << 8 | symbol`; 0 when the code is longer than `LOOKUP_BITS`.
    pub fast: Box<[u16; LOOKUP_SIZE]>,
    /// `(code length + extra bits) << 8 | k advance` (`advance`); 0 when the code is longer than
    /// `LOOKUP_BITS`.
    pub skip: Box<[u16; LOOKUP_SIZE]>,
    /// Skipping, in one lookup, as many AC coefficients as have their codes in the next `RUN_BITS`
    /// bits (with their extra bits, at most `RUN_MAX_BITS` in all), up to and including an EOB; see
    /// `run_bits` for the fields. 0 when even the first does not fit. AC tables only (empty for DC).
    /// Made on first use (`runs`): a full-size decode keeps every coefficient and never skips, and
    /// the table (16 KB each) was 1.4% of a small picture's resize.
    runs: std::sync::OnceLock<Box<[u32]>>,
    dc: bool,
    /// Decoding a value (a DC difference, an AC coefficient) whole in one lookup, when its code
    /// and extra bits fit in `LOOKUP_BITS`: `value << 16 | run << 8 | code length + extra bits`
    /// (value as i16, run 0 for DC; a ZRL is run 15 and value 0, an EOB run `EOB_RUN`); 0 for
    /// longer codes.
    pub values: Box<[u32]>,
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
            runs: std::sync::OnceLock::new(),
            dc,
            values: Box::new([]),
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
                    let size = (sym & 15) as u16;
                    let first = (code << shift) as usize;
                    for e in first..first + (1 << shift) {
                        t.fast[e] = ((len as u16) << 8) | sym as u16;
                        t.skip[e] = ((len as u16 + size) << 8) | advance(sym) as u16;
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
        t.fill_values(dc);
        Some(t)
    }

    /// The AC code at the top of a `RUN_BITS` window `w` shifted left by `used`, if the code (its
    /// extra bits need not) fits in what is left: (code length + extra bits, k advance).
    fn skip_in(&self, w: u32, used: u32) -> Option<(u32, u32)> {
        let rest = RUN_BITS.checked_sub(used)?;
        let top = ((w << used) & (RUN_SIZE as u32 - 1)) >> (RUN_BITS - LOOKUP_BITS);
        let e = self.skip[top as usize];
        let len = (self.fast[top as usize] >> 8) as u32;
        (e != 0 && len <= rest).then_some(((e >> 8) as u32, (e & 0xFF) as u32))
    }

    /// The `runs` table, made on first use; empty for a DC table.
    #[inline]
    pub fn runs(&self) -> &[u32] {
        self.runs.get_or_init(|| {
            if self.dc {
                Box::new([])
            } else {
                self.make_runs()
            }
        })
    }

    fn make_runs(&self) -> Box<[u32]> {
        let mut runs = vec![0u32; RUN_SIZE];
        for (w, entry) in runs.iter_mut().enumerate() {
            let (mut used, mut all, mut before_last) = (0, 0, 0);
            while let Some((bits, k)) = self.skip_in(w as u32, used) {
                if used + bits > RUN_MAX_BITS {
                    break;
                }
                used += bits;
                before_last = all;
                all += k;
                // Past an EOB (advance 64) or a block's worth of coefficients, the bits are the
                // next block's.
                if all >= 63 {
                    break;
                }
            }
            if used > 0 {
                *entry = used | all.min(63) << 8 | before_last.min(63) << 16;
            }
        }
        runs.into_boxed_slice()
    }

    fn fill_values(&mut self, dc: bool) {
        let mut values = vec![0u32; LOOKUP_SIZE];
        for (i, entry) in values.iter_mut().enumerate() {
            let e = self.fast[i];
            let (len, sym) = ((e >> 8) as u32, (e & 0xFF) as u32);
            // A DC symbol is the difference's size alone (checked to be at most 15).
            let (mut run, size) = if dc { (0, sym) } else { (sym >> 4, sym & 15) };
            if e == 0 || len + size > LOOKUP_BITS {
                continue;
            }
            // AC size 0: ZRL (run 15, its 16th zero written as a value) or the end of the block.
            if size == 0 && !dc && run != 15 {
                run = EOB_RUN;
            }
            // The extra bits follow the code; libjpeg's HUFF_EXTEND makes them signed.
            let raw = (i as u32 >> (LOOKUP_BITS - len - size)) & ((1 << size) - 1);
            let value = if size == 0 {
                0
            } else if raw < 1 << (size - 1) {
                raw as i32 - (1 << size) + 1
            } else {
                raw as i32
            };
            *entry = (value as i16 as u16 as u32) << 16 | run << 8 | (len + size);
        }
        self.values = values.into_boxed_slice();
    }

    /// The same codes and symbols (so every lookup table built from them is the same too).
    pub fn same_codes(&self, other: &HuffTable) -> bool {
        self.maxcode == other.maxcode
            && self.valoffset == other.valoffset
            && self.symbols == other.symbols
    }

    /// Decodes a code longer than the lookup from the top bits of `bits`: (length, symbol). Only
    /// for bits whose `fast` entry is 0, so no shorter code can match and the search starts past
    /// `LOOKUP_BITS`: ten comparisons fewer per call, which was 1% of a 12 MP thumbnail.
    #[cold]
    pub fn slow(&self, bits: u64) -> Option<(u32, u8)> {
        debug_assert_eq!(self.fast[(bits >> (64 - LOOKUP_BITS)) as usize], 0);
        for len in LOOKUP_BITS + 1..=16u32 {
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
        // Whole differences: "110" then "10000" is +16, then "01111" is -16; "00" is 0.
        assert_eq!(t.values[0b110_10000 << 2], 16 << 16 | 8);
        assert_eq!(t.values[0b110_01111 << 2], (-16i16 as u16 as u32) << 16 | 8);
        assert_eq!(t.values[0], 2);
        // The all-ones code is not a code.
        assert_eq!(t.slow(u64::MAX), None);
    }

    #[test]
    fn codes_longer_than_the_lookup_take_the_slow_path() {
        // One code of each length 1 to 12: "0", "10", "110", ... "111111111110" (the all-ones
        // code is not a code).
        let counts = [1u8; 12].into_iter().chain([0; 4]).collect::<Vec<_>>();
        let symbols: Vec<u8> = (1..=12).collect();
        let t = HuffTable::new(&counts.try_into().unwrap(), &symbols, false).unwrap();
        assert_eq!(t.fast[0b1111111110], 10 << 8 | 10);
        assert_eq!(t.fast[0b1111111111], 0);
        assert_eq!(t.slow(0b11111111110u64 << 53), Some((11, 11)));
        assert_eq!(t.slow(0b111111111110u64 << 52), Some((12, 12)));
        assert_eq!(t.slow(u64::MAX), None);
    }

    #[test]
    fn ac_values_are_decoded_whole_and_signed() {
        // EOB "0", run 1 size 2 "10", ZRL "110".
        let mut counts = [0u8; 16];
        counts[0] = 1;
        counts[1] = 1;
        counts[2] = 1;
        let t = HuffTable::new(&counts, &[0x00, 0x12, 0xF0], false).unwrap();
        let at = |bits: usize, n: u32| t.values[bits << (LOOKUP_BITS - n)];
        // "10" then "11": +3; "10" then "01": -2 (HUFF_EXTEND); 4 bits, run 1.
        assert_eq!(at(0b1011, 4), 3 << 16 | 1 << 8 | 4);
        assert_eq!(at(0b1001, 4), (-2i16 as u16 as u32) << 16 | 1 << 8 | 4);
        // EOB ends the block, ZRL is 15 zeros and a zero.
        assert_eq!(at(0b0, 1), EOB_RUN << 8 | 1);
        assert_eq!(at(0b110, 3), 15 << 8 | 3);
        // Multi-symbol skip: "10 11" then "10 00" then EOB "0" is 9 bits, k advance 2 + 2 + 64
        // (capped at 63), 4 before the EOB. The literal is grouped by symbol, not by nibble.
        #[allow(clippy::unusual_byte_groupings)]
        let e = t.runs()[0b1011_1000_0 << (RUN_BITS - 9)];
        assert_eq!((run_bits(e), run_all(e), run_before_last(e)), (9, 63, 4));
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
