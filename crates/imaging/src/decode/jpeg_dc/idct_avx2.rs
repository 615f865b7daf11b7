//! The 2x2 and 4x4 inverse DCTs of `idct` in AVX2's 32-bit lanes: the first pass with one lane per
//! column, the second with one lane per row (4x4) or a horizontal sum per output (2x2). Every
//! multiply is a pmaddwd of a 16-bit value by a 16-bit constant (the dequantisation's are 16-bit by
//! nature, the passes' inputs by the bound below).
//!
//! jidctred.c computes in 64-bit JLONGs; 32-bit lanes give the same values whenever no sum
//! overflows. Every sum of a pass is at most |largest input| x 85759 (the 2x2's constants plus its
//! DC shift of 2^15; the 4x4's add up to 77910) plus the rounding term, under 2^31 while each input is
//! at most `LIMIT`. So each pass checks its inputs (the dequantised coefficients, then the first
//! pass's results) and a block over the bound returns `None` for the 64-bit code. Real pictures stay
//! far below it (an 8-bit JPEG's dequantised coefficients are within about 2^11).

use std::arch::x86_64::*;

/// The largest input magnitude at which no 32-bit sum overflows: 25000 x 85759 + 2^19 < 2^31.
const LIMIT: i32 = 25_000;

/// Quantisation values of a 4x4 block's kept rows (0-3, 5-7) by kept columns, lane 7 zero.
pub type Quant4 = [[i32; 8]; 7];
/// Of a 2x2 block's kept rows and columns (0, 1, 3, 5, 7), lanes 5-7 zero.
pub type Quant2 = [[i32; 8]; 5];

/// The quantisation values `q` (natural order) as the lanes the inverse DCT that reads `rows`
/// (scan.rs's `ROWS_2X2` or `ROWS_4X4`) loads: lane c of row r is kept row r, kept column c.
pub fn quant_lanes<const N: usize>(q: &[i16; 64], rows: [bool; 8]) -> [[i32; 8]; N] {
    let kept: Vec<usize> = (0..8).filter(|&i| rows[i]).collect();
    assert_eq!(kept.len(), N, "rows kept by this inverse DCT");
    let mut out = [[0i32; 8]; N];
    for (r, &row) in kept.iter().enumerate() {
        for (c, &col) in kept.iter().enumerate() {
            // For pmaddwd (see `dequantise`): the 16 bits libjpeg-turbo multiplies by, 0 above.
            out[r][c] = low16(q[row * 8 + col] as i32);
        }
    }
    out
}

// jidctred.c's constants (FIX(x) at CONST_BITS 13), for the 4x4 and for the 2x2.
const F0211: i32 = 1730;
const F0509: i32 = 4176;
const F0601: i32 = 4926;
const F0765: i32 = 6270;
const F0899: i32 = 7373;
const F1061: i32 = 8697;
const F1451: i32 = 11893;
const F1847: i32 = 15137;
const F2172: i32 = 17799;
const F2562: i32 = 20995;
const F0720: i32 = 5906;
const F0850: i32 = 6967;
const F1272: i32 = 10426;
const F3624: i32 = 29692;

/// The 16-bit multiplier `k` as pmaddwd wants it: in the low half of each 32-bit lane, 0 above.
const fn low16(k: i32) -> i32 {
    k & 0xFFFF
}

/// a x k in each lane, for |a| < 2^15 and k a 16-bit multiplier (the bound guarantees the first):
/// one pmaddwd, whose sum low(a) x k + high(a) x 0 is the product (a fits its low half), where
/// a 32-bit multiply is two micro-ops with twice the latency.
#[inline]
#[target_feature(enable = "avx2")]
fn mul(a: __m256i, k: i32) -> __m256i {
    _mm256_madd_epi16(a, _mm256_set1_epi32(low16(k)))
}

#[inline]
#[target_feature(enable = "avx2")]
fn mul4(a: __m128i, k: i32) -> __m128i {
    _mm_madd_epi16(a, _mm_set1_epi32(low16(k)))
}

/// (x + 2^(N-1)) >> N in each lane, libjpeg's DESCALE.
#[inline]
#[target_feature(enable = "avx2")]
fn descale<const N: i32>(x: __m256i) -> __m256i {
    _mm256_srai_epi32::<N>(_mm256_add_epi32(x, _mm256_set1_epi32(1 << (N - 1))))
}

#[inline]
#[target_feature(enable = "avx2")]
fn descale4<const N: i32>(x: __m128i) -> __m128i {
    _mm_srai_epi32::<N>(_mm_add_epi32(x, _mm_set1_epi32(1 << (N - 1))))
}

/// libjpeg's range limit (`idct::idct_limit`) in each lane: with t = (v + 128) & 1023, t below 256
/// is the sample, 256..639 gives 255 and 640..1023 gives 0 (the table's wrap for huge values).
#[inline]
#[target_feature(enable = "avx2")]
fn limit(v: __m128i) -> __m128i {
    let t = _mm_and_si128(_mm_add_epi32(v, _mm_set1_epi32(128)), _mm_set1_epi32(1023));
    let low = _mm_min_epi32(t, _mm_set1_epi32(255));
    _mm_andnot_si128(_mm_cmpgt_epi32(t, _mm_set1_epi32(639)), low)
}

/// A 4x4 output column from its second-pass sums.
#[inline]
#[target_feature(enable = "avx2")]
fn pixel4(v: __m128i) -> __m128i {
    limit(descale4::<19>(v))
}

/// Whether every lane of every vector is within `LIMIT` in magnitude.
#[inline]
#[target_feature(enable = "avx2")]
fn within(vs: &[__m256i]) -> bool {
    let mut m = _mm256_setzero_si256();
    for &v in vs {
        // Unsigned: abs(i32::MIN) stays 2^31, which is over.
        m = _mm256_max_epu32(m, _mm256_abs_epi32(v));
    }
    let ok = _mm256_cmpeq_epi32(_mm256_min_epu32(m, _mm256_set1_epi32(LIMIT)), m);
    _mm256_movemask_epi8(ok) == -1
}

/// 8 coefficients from `at` as 32-bit lanes, times the quantisation lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn dequantise(coefs: __m128i, q: &[i32; 8]) -> __m256i {
    // SAFETY: `q` is 8 i32, the 32 bytes read.
    let q = unsafe { _mm256_loadu_si256(q.as_ptr() as *const __m256i) };
    // Each coefficient sign-extended to 32 bits times (q, 0): coefficient x q exactly.
    _mm256_madd_epi16(_mm256_cvtepi16_epi32(coefs), q)
}

/// 8 coefficients from `ac[at..at + 8]`, which must lie inside `ac`.
#[inline]
#[target_feature(enable = "avx2")]
fn load8(ac: &[i16], at: usize) -> __m128i {
    let eight = &ac[at..at + 8];
    // SAFETY: `eight` is 8 i16, the 16 bytes read.
    unsafe { _mm_loadu_si128(eight.as_ptr() as *const __m128i) }
}

/// `idct::idct_4x4`, or `None` when 32 bits might not be exact for this block.
#[target_feature(enable = "avx2")]
pub fn idct_4x4(dc: i16, ac: &[i16; 48], q: &Quant4) -> Option<[u8; 16]> {
    // Rows of 7 kept columns (lane 7 is the next row's first value, quantised by 0). Row 0 is the DC
    // then ac[0..6]; row r > 0 is ac[6 + 7(r-1)..]; the last is read from 40 and shifted so the load
    // stays inside the block.
    let row0 = _mm_insert_epi16::<0>(_mm_slli_si128::<2>(load8(ac, 0)), dc as i32);
    let z = [
        dequantise(row0, &q[0]),
        dequantise(load8(ac, 6), &q[1]),
        dequantise(load8(ac, 13), &q[2]),
        dequantise(load8(ac, 20), &q[3]),
        dequantise(load8(ac, 27), &q[4]),
        dequantise(load8(ac, 34), &q[5]),
        dequantise(_mm_srli_si128::<2>(load8(ac, 40)), &q[6]),
    ];
    if !within(&z) {
        return None;
    }
    // Pass 1, a lane per column; z[k] is kept row k (natural rows 0, 1, 2, 3, 5, 6, 7).
    let tmp0 = _mm256_slli_epi32::<14>(z[0]);
    let tmp2 = _mm256_add_epi32(mul(z[2], F1847), mul(z[5], -F0765));
    let (tmp10, tmp12) = (_mm256_add_epi32(tmp0, tmp2), _mm256_sub_epi32(tmp0, tmp2));
    let odd0 = _mm256_add_epi32(
        _mm256_add_epi32(mul(z[6], -F0211), mul(z[4], F1451)),
        _mm256_add_epi32(mul(z[3], -F2172), mul(z[1], F1061)),
    );
    let odd2 = _mm256_add_epi32(
        _mm256_add_epi32(mul(z[6], -F0509), mul(z[4], -F0601)),
        _mm256_add_epi32(mul(z[3], F0899), mul(z[1], F2562)),
    );
    let ws = [
        descale::<12>(_mm256_add_epi32(tmp10, odd2)),
        descale::<12>(_mm256_add_epi32(tmp12, odd0)),
        descale::<12>(_mm256_sub_epi32(tmp12, odd0)),
        descale::<12>(_mm256_sub_epi32(tmp10, odd2)),
    ];
    if !within(&ws) {
        return None;
    }
    // Transpose the 4 rows x 8 columns: u[k] holds column k (rows 0-3) low and column k + 4 high.
    let t0 = _mm256_unpacklo_epi32(ws[0], ws[1]);
    let t1 = _mm256_unpackhi_epi32(ws[0], ws[1]);
    let t2 = _mm256_unpacklo_epi32(ws[2], ws[3]);
    let t3 = _mm256_unpackhi_epi32(ws[2], ws[3]);
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    // Kept columns 0-3 are natural 0-3, kept 4-6 natural 5-7.
    let w = [
        _mm256_castsi256_si128(u0),
        _mm256_castsi256_si128(u1),
        _mm256_castsi256_si128(u2),
        _mm256_castsi256_si128(u3),
        _mm256_extracti128_si256::<1>(u0),
        _mm256_extracti128_si256::<1>(u1),
        _mm256_extracti128_si256::<1>(u2),
    ];
    // Pass 2, a lane per row.
    let tmp0 = _mm_slli_epi32::<14>(w[0]);
    let tmp2 = _mm_add_epi32(mul4(w[2], F1847), mul4(w[5], -F0765));
    let (tmp10, tmp12) = (_mm_add_epi32(tmp0, tmp2), _mm_sub_epi32(tmp0, tmp2));
    let odd0 = _mm_add_epi32(
        _mm_add_epi32(mul4(w[6], -F0211), mul4(w[4], F1451)),
        _mm_add_epi32(mul4(w[3], -F2172), mul4(w[1], F1061)),
    );
    let odd2 = _mm_add_epi32(
        _mm_add_epi32(mul4(w[6], -F0509), mul4(w[4], -F0601)),
        _mm_add_epi32(mul4(w[3], F0899), mul4(w[1], F2562)),
    );
    let c0 = pixel4(_mm_add_epi32(tmp10, odd2));
    let c1 = pixel4(_mm_add_epi32(tmp12, odd0));
    let c2 = pixel4(_mm_sub_epi32(tmp12, odd0));
    let c3 = pixel4(_mm_sub_epi32(tmp10, odd2));
    // Bytes by column (4c + r), then shuffled to rows (4r + c).
    let bytes = _mm_packus_epi16(_mm_packus_epi32(c0, c1), _mm_packus_epi32(c2, c3));
    let rows = _mm_shuffle_epi8(
        bytes,
        _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
    );
    let mut out = [0u8; 16];
    // SAFETY: `out` is 16 bytes, the bytes written.
    unsafe { _mm_storeu_si128(out.as_mut_ptr() as *mut __m128i, rows) };
    Some(out)
}

/// `idct::idct_2x2`, or `None` when 32 bits might not be exact for this block.
#[target_feature(enable = "avx2")]
pub fn idct_2x2(dc: i16, ac: &[i16; 24], q: &Quant2) -> Option<[u8; 4]> {
    // Rows of 5 kept columns (lanes 5-7 hold other values, quantised by 0): row 0 is the DC then
    // ac[0..4], row r > 0 is ac[4 + 5(r-1)..]; the last is read from 16 and shifted so the load stays
    // inside the block.
    let row0 = _mm_insert_epi16::<0>(_mm_slli_si128::<2>(load8(ac, 0)), dc as i32);
    let z = [
        dequantise(row0, &q[0]),
        dequantise(load8(ac, 4), &q[1]),
        dequantise(load8(ac, 9), &q[2]),
        dequantise(load8(ac, 14), &q[3]),
        dequantise(_mm_srli_si128::<6>(load8(ac, 16)), &q[4]),
    ];
    if !within(&z) {
        return None;
    }
    // Pass 1, a lane per column; z[k] is kept row k (natural rows 0, 1, 3, 5, 7).
    let tmp10 = _mm256_slli_epi32::<15>(z[0]);
    let tmp0 = _mm256_add_epi32(
        _mm256_add_epi32(mul(z[4], -F0720), mul(z[3], F0850)),
        _mm256_add_epi32(mul(z[2], -F1272), mul(z[1], F3624)),
    );
    let ws0 = descale::<13>(_mm256_add_epi32(tmp10, tmp0));
    let ws1 = descale::<13>(_mm256_sub_epi32(tmp10, tmp0));
    if !within(&[ws0, ws1]) {
        return None;
    }
    // Pass 2: each output is one row's lanes times the constants (2^15 for column 0, the odd part's
    // sign flipped for the second column), summed. Negated, so that every multiplier fits 16 bits
    // (-2^15 does, 2^15 does not); the sums are negated back below.
    let plus = _mm256_setr_epi32(
        low16(-(1 << 15)),
        low16(-F3624),
        low16(F1272),
        low16(-F0850),
        low16(F0720),
        0,
        0,
        0,
    );
    let minus = _mm256_setr_epi32(
        low16(-(1 << 15)),
        low16(F3624),
        low16(-F1272),
        low16(F0850),
        low16(-F0720),
        0,
        0,
        0,
    );
    let h1 = _mm256_hadd_epi32(_mm256_madd_epi16(ws0, plus), _mm256_madd_epi16(ws0, minus));
    let h2 = _mm256_hadd_epi32(_mm256_madd_epi16(ws1, plus), _mm256_madd_epi16(ws1, minus));
    let h3 = _mm256_hadd_epi32(h1, h2);
    // Row 0 column 0, row 0 column 1, row 1 column 0, row 1 column 1.
    let negated = _mm_add_epi32(
        _mm256_castsi256_si128(h3),
        _mm256_extracti128_si256::<1>(h3),
    );
    let sums = _mm_sub_epi32(_mm_setzero_si128(), negated);
    let px = limit(descale4::<20>(sums));
    let bytes = _mm_packus_epi16(_mm_packus_epi32(px, px), _mm_setzero_si128());
    Some((_mm_cvtsi128_si32(bytes) as u32).to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::idct;
    use super::super::scan::{AC_SLOT_2X2, AC_SLOT_4X4, ROWS_2X2, ROWS_4X4};
    use super::*;

    /// A small xorshift, so the test needs no dependency and is the same every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// Mostly zero, like real coefficients, otherwise of up to `bits` bits (at random, up to
        /// `bits`, when `spread`), so the absurd blocks fall on both sides of the bound.
        fn coef(&mut self, bits: u32, spread: bool) -> i16 {
            let r = self.next();
            if !r.is_multiple_of(3) {
                return 0;
            }
            let bits = if spread {
                (r >> 40) as u32 % (bits + 1)
            } else {
                bits
            };
            let mag = (r >> 8) as i32 & ((1 << bits) - 1);
            (if r & 16 == 0 { mag } else { -mag }) as i16
        }
    }

    /// Quantisation values up to `max`, as the 16 bits libjpeg-turbo multiplies by (`quant` in
    /// mod.rs: a 16-bit table's values over 32767 become negative).
    fn quant(rng: &mut Rng, max: u64) -> [i16; 64] {
        std::array::from_fn(|_| (1 + rng.next() % max) as u16 as i16)
    }

    /// Random blocks, from real-sized to absurd coefficients and quantisers: the vector result is
    /// the scalar one whenever it answers, and it answers for every real-sized block.
    #[test]
    fn same_values_as_the_64_bit_code() {
        if !is_x86_feature_detected!("avx2") {
            eprintln!("skipped: this CPU has no AVX2, so the vector code is never used");
            return;
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut answered = [0usize; 2];
        for round in 0..20_000 {
            let real = round % 2 == 0;
            // Real-sized: every dequantised coefficient within 1024 (8-bit JPEGs keep them within
            // about 2^11, and mostly far below).
            // Absurd: 8-bit tables, and now and then 16-bit ones with values past 32767.
            // The block's largest coefficient size is drawn too, so that whole blocks land on
            // both sides of the bound.
            let block_bits = (rng.next() % 16) as u32;
            let (bits, qmax) = match (real, round % 4) {
                (true, _) => (6, 16),
                (false, 1) => (block_bits, 65535),
                (false, _) => (block_bits, 255),
            };
            let q = quant(&mut rng, qmax);
            let dc = rng.coef(bits, !real);
            let ac4: [i16; 48] = std::array::from_fn(|_| rng.coef(bits, !real));
            let ac2: [i16; 24] = std::array::from_fn(|_| rng.coef(bits, !real));
            let want4 = idct::idct_4x4(dc, &ac4, &idct::quant_set(&q, &AC_SLOT_4X4));
            let want2 = idct::idct_2x2(dc, &ac2, &idct::quant_set(&q, &AC_SLOT_2X2));
            // SAFETY: AVX2 was detected above.
            let got4 = unsafe { idct_4x4(dc, &ac4, &quant_lanes(&q, ROWS_4X4)) };
            let got2 = unsafe { idct_2x2(dc, &ac2, &quant_lanes(&q, ROWS_2X2)) };
            if let Some(got) = got4 {
                assert_eq!(got, want4, "4x4 dc {dc} ac {ac4:?} q {q:?}");
                answered[0] += 1;
            } else {
                assert!(
                    !real,
                    "a real-sized 4x4 block fell back: dc {dc} ac {ac4:?}"
                );
            }
            if let Some(got) = got2 {
                assert_eq!(got, want2, "2x2 dc {dc} ac {ac2:?} q {q:?}");
                answered[1] += 1;
            } else {
                assert!(
                    !real,
                    "a real-sized 2x2 block fell back: dc {dc} ac {ac2:?}"
                );
            }
        }
        // The absurd half must reach both sides of the bound.
        assert!(answered[0] > 10_000 && answered[0] < 20_000, "{answered:?}");
        assert!(answered[1] > 10_000 && answered[1] < 20_000, "{answered:?}");
    }

    /// The bound in the module comment, from the constants the passes use: the largest sum of
    /// absolute multipliers of one output, times `LIMIT`, plus the largest rounding term.
    #[test]
    fn limit_keeps_every_sum_inside_32_bits() {
        let even4 = (1 << 14) + F1847 + F0765;
        let odd4 = (F0211 + F1451 + F2172 + F1061).max(F0509 + F0601 + F0899 + F2562);
        let all2 = (1 << 15) + F0720 + F0850 + F1272 + F3624;
        assert_eq!((even4 + odd4, all2), (77910, 85759));
        let worst = LIMIT as i64 * all2.max(even4 + odd4) as i64 + (1 << 19);
        assert!(worst < i32::MAX as i64, "{worst}");
    }
}
