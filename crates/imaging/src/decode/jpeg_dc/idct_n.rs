//! The reduced inverse DCTs of an n/8 decode for n in 3, 5, 6 and 7 (3/8, 5/8, 3/4, 7/8 scale):
//! each block's n x n lowest-frequency coefficients give n x n samples, the band-limited picture of
//! the block sampled at n points a side. That is the scaling libjpeg-turbo's `scale_num` / 8 does
//! (its jpeg_idct_NxN), with the same normalisation (a block with only a DC gives DC / 8 + 128 at
//! every size); the arithmetic is ours, in single precision floats, so a sample may differ from
//! libjpeg-turbo's integer arithmetic by one (`tests/jpeg_dc_exact.rs` holds them to that).
//!
//! Why: a JPEG resized to a JPEG shrinks on load by the smallest of 1/8, 1/4, 1/2 and 5/8 that still
//! leaves the final filter at least 2x (`decode::jpeg::choose_eighths`). With the halvings alone a
//! 3.3x shrink decodes at full size; at 5/8 it decodes 0.39x the samples and resizes from those.
//! 3/8, 3/4 and 7/8 are here and tested but not chosen (their quality and time, measured, are in
//! `choose_eighths`' comment).
//!
//! out(x, y) = sum over u, v < n of t(u, x) t(v, y) F(u, v) q(u, v), with t(u, x) = c(u) / 2
//! cos((2x + 1) u pi / 2n) and c(0) = 1 / sqrt 2, c(u) = 1 otherwise: separable, so a pass along
//! the rows (each coefficient row v as a vector over x) then one down the columns (each output row y
//! as a vector over x), both as broadcast-and-multiply-add over eight float lanes.

use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// The factors of one size n: `t[u][x]` = t(u, x) (lanes x >= n zero), and `splat[v][y]` = t(v, y)
/// in every lane, which the pass down the columns multiplies by straight from memory.
struct Table {
    t: [[f32; 8]; 8],
    splat: [[[f32; 8]; 8]; 8],
}

/// The tables of every n up to 8, indexed by n.
fn tables() -> &'static [Table; 9] {
    static TABLES: OnceLock<[Table; 9]> = OnceLock::new();
    TABLES.get_or_init(|| {
        std::array::from_fn(|n| {
            let mut table = Table {
                t: [[0f32; 8]; 8],
                splat: [[[0f32; 8]; 8]; 8],
            };
            for u in 0..n {
                let c = if u == 0 {
                    std::f64::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                for x in 0..n {
                    let angle =
                        (2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / (2 * n) as f64;
                    let t = (c / 2.0 * angle.cos()) as f32;
                    table.t[u][x] = t;
                    table.splat[u][x] = [t; 8];
                }
            }
            table
        })
    })
}

/// A quantisation table (natural order) as the floats `idct_nxn` multiplies by.
pub fn float_quant(quant: &[i16; 64]) -> [f32; 64] {
    quant.map(f32::from)
}

/// Whether this CPU runs `idct_nxn` (AVX2 and FMA).
pub fn supported() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

/// One block of an n/8 decode for `idct_nxn`: its coefficients (natural order, slot 0 ignored, only
/// rows and columns below n read: at least 8 n of them), its DC, its quantisation table (see
/// `float_quant`), and where its n x n samples go: plane `plane` of the planes given, from index
/// `at`, rows `stride` apart.
#[derive(Clone, Copy)]
pub struct Block<'a> {
    pub coefs: &'a [i16],
    pub dc: i16,
    pub quant: &'a [f32; 64],
    pub plane: usize,
    pub at: usize,
    pub stride: usize,
}

/// The n x n inverse DCTs (n 3, 5, 6 or 7) of `K` blocks into `planes` (each block's n x n samples
/// written whole, nothing else touched). Several blocks at once because one block's work is a chain
/// of dependent steps (dequantise, pass 1, pass 2, pack) about as long as its whole instruction
/// count takes to issue: side by side, the processor fills one block's waits with the other's work.
///
/// # Panics
/// When n is out of range, a block's rows do not lie inside its plane, or the CPU lacks AVX2 or FMA.
#[inline]
pub fn idct_nxn<const K: usize>(
    n: usize,
    blocks: &[Block; K],
    planes: &mut [&mut [MaybeUninit<u8>]],
) {
    assert!(matches!(n, 3 | 5 | 6 | 7), "a reduced size");
    assert!(supported(), "the vector code needs AVX2 and FMA");
    // Each plane's start and length taken once, so that two blocks of one plane do not borrow it
    // twice.
    let mut bases = [(std::ptr::null_mut::<u8>(), 0); 3];
    for (base, plane) in bases.iter_mut().zip(planes.iter_mut()) {
        *base = (plane.as_mut_ptr().cast(), plane.len());
    }
    let outs: [*mut u8; K] = std::array::from_fn(|k| {
        let b = &blocks[k];
        let (base, len) = bases
            .get(b.plane)
            .copied()
            .unwrap_or((std::ptr::null_mut(), 0));
        assert!(
            b.stride >= n && b.at + (n - 1) * b.stride + n <= len,
            "block inside its plane"
        );
        assert!(b.coefs.len() >= 8 * n, "rows below n of the coefficients");
        // SAFETY: `at` lies inside the plane (asserted; a plane past the third has length 0 here).
        unsafe { base.add(b.at) }
    });
    let t = &tables()[n];
    // SAFETY: AVX2 and FMA are there, and each block's n rows of n samples lie inside its plane
    // (asserted). One function per size, so that its loops unroll whole.
    unsafe {
        match n {
            3 => idct_avx2::<3, K>(blocks, t, outs),
            5 => idct_avx2::<5, K>(blocks, t, outs),
            6 => idct_avx2::<6, K>(blocks, t, outs),
            _ => idct_avx2::<7, K>(blocks, t, outs),
        }
    }
}

/// `idct_nxn` once checked, at size `N`, each step for all `K` blocks before the next step.
///
/// # Safety
/// The CPU has AVX2 and FMA; every block has at least 8 N coefficients; `outs[k] + y * stride ..
/// + N` lies in one live allocation for y < N.
#[target_feature(enable = "avx2,fma")]
unsafe fn idct_avx2<const N: usize, const K: usize>(
    blocks: &[Block; K],
    t: &Table,
    outs: [*mut u8; K],
) {
    use std::arch::x86_64::*;
    // The dequantised rows v < N (lanes u; those at u >= N are never read), kept in memory: pass 1
    // broadcasts them one coefficient at a time, and a broadcast from memory is a load, where one
    // from a register is a shuffle (the shuffle unit was the bottleneck of the earlier order,
    // columns first and then broadcasts of the column pass's sums from registers: about 13
    // shuffles per output row).
    let mut f = [[[0f32; 8]; N]; K];
    for (rows, b) in f.iter_mut().zip(blocks) {
        for (v, row) in rows.iter_mut().enumerate() {
            let mut c = _mm_loadu_si128(b.coefs.as_ptr().add(v * 8).cast());
            if v == 0 {
                c = _mm_insert_epi16::<0>(c, b.dc as i32);
            }
            let c = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(c));
            let q = _mm256_loadu_ps(b.quant.as_ptr().add(v * 8));
            _mm256_storeu_ps(row.as_mut_ptr(), _mm256_mul_ps(c, q));
        }
    }
    // Read back through an opaque reference, or the compiler keeps the rows in registers and
    // broadcasts by shuffles after all.
    let f = std::hint::black_box(&f);
    // Pass 1, along the rows: p[v] (lanes x) = sum over u of F(u, v) q(u, v) t(u, x), in two chains
    // of multiply-adds (even and odd u).
    // Plain loops rather than `array::from_fn`, whose closure was compiled as a function of its
    // own, called per block, its rows returned through memory (6% of a small resize).
    let mut cols = [_mm256_setzero_ps(); N];
    for (u, col) in cols.iter_mut().enumerate() {
        *col = _mm256_loadu_ps(t.t[u].as_ptr());
    }
    let mut p = [[_mm256_setzero_ps(); N]; K];
    for (k, rows) in p.iter_mut().enumerate() {
        for (v, row) in rows.iter_mut().enumerate() {
            let at = |u: usize| _mm256_broadcast_ss(&f[k][v][u]);
            let mut even = _mm256_mul_ps(at(0), cols[0]);
            let mut odd = _mm256_mul_ps(at(1), cols[1]);
            for u in 2..N {
                if u % 2 == 0 {
                    even = _mm256_fmadd_ps(at(u), cols[u], even);
                } else {
                    odd = _mm256_fmadd_ps(at(u), cols[u], odd);
                }
            }
            *row = _mm256_add_ps(even, odd);
        }
    }
    // Pass 2, down the columns: out[y] (lanes x) = sum over v of t(v, y) p[v], plus 128, rounded
    // half up (as libjpeg-turbo's descaling does: a flat block of value x.5, common in chroma, must
    // give x + 1; round-to-even made a tenth of some chroma planes one lower) and limited; the
    // 1/1024 keeps an exact x.5 that the float tables leave a hair below it on the same side. Rows
    // y and N - 1 - y share their products: t(v, N - 1 - y) = (-1)^v t(v, y), so the even v's sum
    // plus the odd v's is one and minus is the other (the odd v's vanish in the middle row of an
    // odd N). The factors t(v, y) are splatted in memory, so they too are loads.
    let level = _mm256_set1_ps(128.5 + 1.0 / 1024.0);
    let splat = |v: usize, y: usize| _mm256_loadu_ps(t.splat[v][y].as_ptr());
    for y in 0..N.div_ceil(2) {
        for (k, p) in p.iter().enumerate() {
            let (b, out) = (&blocks[k], outs[k]);
            let mut even = _mm256_fmadd_ps(splat(0, y), p[0], level);
            for v in (2..N).step_by(2) {
                even = _mm256_fmadd_ps(splat(v, y), p[v], even);
            }
            if 2 * y + 1 == N {
                store_row::<N>(even, out.add(y * b.stride));
                continue;
            }
            let mut odd = _mm256_mul_ps(splat(1, y), p[1]);
            for v in (3..N).step_by(2) {
                odd = _mm256_fmadd_ps(splat(v, y), p[v], odd);
            }
            store_row::<N>(_mm256_add_ps(even, odd), out.add(y * b.stride));
            store_row::<N>(_mm256_sub_ps(even, odd), out.add((N - 1 - y) * b.stride));
        }
    }
}

/// The first `N` lanes of `row` (samples plus 128.5) as bytes at `out`: truncated, which is down for
/// every sample that is not limited to 0 anyway (a value in (-1, 0) truncates to 0 where it would
/// floor to -1: both give 0), then saturated 32 -> 16 -> 8 bits (0-255).
///
/// # Safety
/// The CPU has AVX2; `out .. out + N` is writable.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_row<const N: usize>(row: std::arch::x86_64::__m256, out: *mut u8) {
    use std::arch::x86_64::*;
    let i = _mm256_cvttps_epi32(row);
    let words = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256::<1>(i));
    let bytes = _mm_packus_epi16(words, words);
    let mut samples = [0u8; 8];
    _mm_storel_epi64(samples.as_mut_ptr().cast(), bytes);
    std::ptr::copy_nonoverlapping(samples.as_ptr(), out, N);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `idct_nxn` of one block into one plane, at `at`, rows `stride` apart.
    fn alone(
        n: usize,
        coefs: &[i16; 64],
        dc: i16,
        quant: &[i16; 64],
        plane: &mut [MaybeUninit<u8>],
        at: usize,
        stride: usize,
    ) {
        let block = Block {
            coefs,
            dc,
            quant: &float_quant(quant),
            plane: 0,
            at,
            stride,
        };
        idct_nxn(n, &[block], &mut [plane]);
    }

    /// The same sum in double precision, rounded half up, for the comparison below.
    fn reference(n: usize, coefs: &[i16; 64], dc: i16, quant: &[i16; 64]) -> Vec<u8> {
        let t = |u: usize, x: usize| {
            let c = if u == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            };
            c / 2.0 * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / (2 * n) as f64).cos()
        };
        let mut out = Vec::new();
        for y in 0..n {
            for x in 0..n {
                let mut s = 0.0;
                for v in 0..n {
                    for u in 0..n {
                        let c = if u + v == 0 { dc } else { coefs[v * 8 + u] };
                        s += t(u, x) * t(v, y) * c as f64 * quant[v * 8 + u] as f64;
                    }
                }
                out.push((s + 128.5).floor().clamp(0.0, 255.0) as u8);
            }
        }
        out
    }

    /// Random blocks (a fixed generator) at every size: the float code is within one of the double
    /// precision sum, and nearly always equal; only its n x n samples are written.
    #[test]
    fn matches_the_double_precision_sum() {
        if !supported() {
            eprintln!("skipped: this CPU has no AVX2 and FMA, which this inverse DCT needs");
            return;
        }
        let mut next = crate::xorshift64(0x9E37_79B9_7F4A_7C15u64);
        let (mut samples, mut off) = (0, 0);
        for n in [3, 5, 6, 7] {
            for _ in 0..2000 {
                let mut coefs = [0i16; 64];
                let mut quant = [0i16; 64];
                for i in 0..64 {
                    // Mostly small coefficients, as in photos; a few large.
                    let r = next();
                    let range = if r % 16 == 0 { 1024 } else { 24 };
                    coefs[i] = ((r >> 8) % (2 * range) as u64) as i16 - range;
                    quant[i] = 1 + ((r >> 32) % 60) as i16;
                }
                let dc = ((next() >> 8) % 2048) as i16 - 1024;
                let want = reference(n, &coefs, dc, &quant);
                let mut plane = vec![MaybeUninit::new(7u8); 10 * 10];
                alone(n, &coefs, dc, &quant, &mut plane, 11, 10);
                let plane: Vec<u8> = plane.iter().map(|b| unsafe { b.assume_init() }).collect();
                for y in 0..10 {
                    for x in 0..10 {
                        let inside = (1..=n).contains(&y) && (1..=n).contains(&x);
                        let got = plane[y * 10 + x];
                        if !inside {
                            assert_eq!(got, 7, "n {n}: ({x}, {y}) outside the block was written");
                            continue;
                        }
                        let w = want[(y - 1) * n + x - 1];
                        assert!(got.abs_diff(w) <= 1, "n {n} ({x}, {y}): {got} vs {w}");
                        samples += 1;
                        off += (got != w) as usize;
                    }
                }
            }
        }
        assert!(
            off * 1000 < samples,
            "{off} of {samples} samples off by one"
        );
    }

    /// Two blocks at once, side by side in one plane, and a pair across two planes, give the
    /// samples each gives alone, and touch nothing else.
    #[test]
    fn blocks_together_give_what_each_gives_alone() {
        if !supported() {
            eprintln!("skipped: this CPU has no AVX2 and FMA, which this inverse DCT needs");
            return;
        }
        let mut next = crate::xorshift64(0x2545_F491_4F6C_DD1Du64);
        let init = |p: &[MaybeUninit<u8>]| -> Vec<u8> {
            // SAFETY: every plane here starts initialised.
            p.iter().map(|b| unsafe { b.assume_init() }).collect()
        };
        for n in [3, 5, 6, 7] {
            for _ in 0..200 {
                let coefs: [[i16; 64]; 2] =
                    std::array::from_fn(|_| std::array::from_fn(|_| (next() % 97) as i16 - 48));
                let quant = float_quant(&std::array::from_fn(|_| 1 + (next() % 30) as i16));
                let dc = [(next() % 900) as i16 - 450, (next() % 900) as i16 - 450];
                let block = |k: usize, plane: usize, at: usize| Block {
                    coefs: &coefs[k],
                    dc: dc[k],
                    quant: &quant,
                    plane,
                    at,
                    stride: 20,
                };
                // Alone, one plane each.
                let mut alone = [
                    vec![MaybeUninit::new(3u8); 20 * 9],
                    vec![MaybeUninit::new(3u8); 20 * 9],
                ];
                idct_nxn(n, &[block(0, 0, 21)], &mut [&mut alone[0]]);
                idct_nxn(n, &[block(1, 0, 21 + n)], &mut [&mut alone[1]]);
                // Together in one plane: each block's samples are its own alone.
                let mut one = vec![MaybeUninit::new(3u8); 20 * 9];
                idct_nxn(n, &[block(0, 0, 21), block(1, 0, 21 + n)], &mut [&mut one]);
                let (a, b, one) = (init(&alone[0]), init(&alone[1]), init(&one));
                for (i, &got) in one.iter().enumerate() {
                    let x = i % 20;
                    let want = if x < 1 + n { a[i] } else { b[i] };
                    assert_eq!(got, want, "n {n}, sample {i} of one plane");
                }
                // Together across two planes.
                let mut two = [
                    vec![MaybeUninit::new(3u8); 20 * 9],
                    vec![MaybeUninit::new(3u8); 20 * 9],
                ];
                let [p0, p1] = &mut two;
                idct_nxn(n, &[block(0, 0, 21), block(1, 1, 21 + n)], &mut [p0, p1]);
                assert_eq!(init(&two[0]), a, "n {n}, first plane");
                assert_eq!(init(&two[1]), b, "n {n}, second plane");
            }
        }
    }

    /// A block with only a DC gives DC q / 8 + 128 everywhere, at every size (q 8: no rounding).
    #[test]
    fn a_dc_alone_is_flat() {
        if !supported() {
            eprintln!("skipped: this CPU has no AVX2 and FMA, which this inverse DCT needs");
            return;
        }
        for n in [3, 5, 6, 7] {
            for dc in [-1024i16, -100, -3, 0, 5, 77, 1023] {
                let quant = [8i16; 64];
                let mut plane = vec![MaybeUninit::new(0u8); 64];
                alone(n, &[0; 64], dc, &quant, &mut plane, 0, 8);
                let want = (dc as i32 + 128).clamp(0, 255) as u8;
                for y in 0..n {
                    for x in 0..n {
                        // SAFETY: written by idct_nxn (inside the block) or initialised above.
                        let got = unsafe { plane[y * 8 + x].assume_init() };
                        assert_eq!(got, want, "n {n}, dc {dc}");
                    }
                }
            }
        }
    }
}
