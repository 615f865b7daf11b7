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
//! cos((2x + 1) u pi / 2n) and c(0) = 1 / sqrt 2, c(u) = 1 otherwise: separable, so a column pass
//! (each output row y as a vector over u) then a row pass (each output row as a vector over x), both
//! as broadcast-and-multiply-add over eight float lanes.

use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// The factors of one size n: `t[u][x]` = t(u, x) (lanes x >= n zero), and `splat[v][y]` = t(v, y)
/// in every lane, which the column pass multiplies by straight from memory.
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

/// The n x n inverse DCT (n 3, 5, 6 or 7) of the block whose coefficients are `coefs` (natural
/// order, slot 0 ignored, only rows and columns below n read) with DC `dc`, by `quant` (see
/// `float_quant`), into the n x n samples of `plane` at `at`, rows `stride` apart (written whole,
/// nothing else touched).
///
/// # Panics
/// When n is out of range, the rows do not lie inside `plane`, or the CPU lacks AVX2 or FMA.
#[inline]
pub fn idct_nxn(
    n: usize,
    coefs: &[i16; 64],
    dc: i16,
    quant: &[f32; 64],
    plane: &mut [MaybeUninit<u8>],
    at: usize,
    stride: usize,
) {
    assert!(matches!(n, 3 | 5 | 6 | 7), "a reduced size");
    assert!(
        stride >= n && at + (n - 1) * stride + n <= plane.len(),
        "block inside the plane"
    );
    assert!(supported(), "the vector code needs AVX2 and FMA");
    let t = &tables()[n];
    let out = plane[at..].as_mut_ptr().cast::<u8>();
    // SAFETY: AVX2 and FMA are there, and the n rows of n samples lie inside `plane` (asserted).
    // One function per size, so that its loops unroll whole.
    unsafe {
        match n {
            3 => idct_avx2::<3>(coefs, dc, quant, t, out, stride),
            5 => idct_avx2::<5>(coefs, dc, quant, t, out, stride),
            6 => idct_avx2::<6>(coefs, dc, quant, t, out, stride),
            _ => idct_avx2::<7>(coefs, dc, quant, t, out, stride),
        }
    }
}

/// `idct_nxn` once checked, at size `N`.
///
/// # Safety
/// The CPU has AVX2 and FMA; `out + y * stride .. + N` lies in one live allocation for y < N.
#[target_feature(enable = "avx2,fma")]
unsafe fn idct_avx2<const N: usize>(
    coefs: &[i16; 64],
    dc: i16,
    quant: &[f32; 64],
    t: &Table,
    out: *mut u8,
    stride: usize,
) {
    use std::arch::x86_64::*;
    // The dequantised rows v < N, lanes u (those at u >= N are multiplied by nothing below).
    let rows: [__m256; N] = std::array::from_fn(|v| {
        let mut c = _mm_loadu_si128(coefs.as_ptr().add(v * 8).cast());
        if v == 0 {
            c = _mm_insert_epi16::<0>(c, dc as i32);
        }
        let c = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(c));
        _mm256_mul_ps(c, _mm256_loadu_ps(quant.as_ptr().add(v * 8)))
    });
    let splat = |v: usize, y: usize| _mm256_loadu_ps(t.splat[v][y].as_ptr());
    // Column pass: r[y] (lanes u) = sum over v of t(v, y) rows[v]. Rows y and N - 1 - y share their
    // products: t(v, N - 1 - y) = (-1)^v t(v, y), so the even v's sum plus the odd v's is one and
    // minus is the other (and the odd v's vanish in the middle row of an odd N).
    let mut r = [[0f32; 8]; N];
    for y in 0..N.div_ceil(2) {
        let mut even = _mm256_mul_ps(splat(0, y), rows[0]);
        for v in (2..N).step_by(2) {
            even = _mm256_fmadd_ps(splat(v, y), rows[v], even);
        }
        if 2 * y + 1 == N {
            _mm256_storeu_ps(r[y].as_mut_ptr(), even);
            continue;
        }
        let mut odd = _mm256_mul_ps(splat(1, y), rows[1]);
        for v in (3..N).step_by(2) {
            odd = _mm256_fmadd_ps(splat(v, y), rows[v], odd);
        }
        _mm256_storeu_ps(r[y].as_mut_ptr(), _mm256_add_ps(even, odd));
        _mm256_storeu_ps(r[N - 1 - y].as_mut_ptr(), _mm256_sub_ps(even, odd));
    }
    // Row pass: out[y] (lanes x) = sum over u of r[y][u] t(u, ·), plus 128, rounded half up (as
    // libjpeg-turbo's descaling does: a flat block of value x.5, common in chroma, must give x + 1;
    // round-to-even made a tenth of some chroma planes one lower) and limited. The 1/1024 keeps an
    // exact x.5 that the float tables leave a hair below it on the same side.
    let level = _mm256_set1_ps(128.5 + 1.0 / 1024.0);
    let cols: [__m256; N] = std::array::from_fn(|u| _mm256_loadu_ps(t.t[u].as_ptr()));
    for (y, ry) in r.iter().enumerate() {
        // Two chains of multiply-adds (even and odd u). Measured no faster than one chain (decode
        // to planes at 5/8: 1.45-1.47 against 1.45-1.58 ms); kept, as the tests hold these sums.
        let mut even = _mm256_fmadd_ps(_mm256_set1_ps(ry[0]), cols[0], level);
        let mut odd = _mm256_mul_ps(_mm256_set1_ps(ry[1]), cols[1]);
        for u in 2..N {
            if u % 2 == 0 {
                even = _mm256_fmadd_ps(_mm256_set1_ps(ry[u]), cols[u], even);
            } else {
                odd = _mm256_fmadd_ps(_mm256_set1_ps(ry[u]), cols[u], odd);
            }
        }
        // Truncated, which is down for every sample that is not limited to 0 anyway (a value in
        // (-1, 0) truncates to 0 where it would floor to -1: both give 0), then saturated 32 ->
        // 16 -> 8 bits (0-255).
        let i = _mm256_cvttps_epi32(_mm256_add_ps(even, odd));
        let words = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256::<1>(i));
        let bytes = _mm_packus_epi16(words, words);
        let mut row = [0u8; 8];
        _mm_storel_epi64(row.as_mut_ptr().cast(), bytes);
        std::ptr::copy_nonoverlapping(row.as_ptr(), out.add(y * stride), N);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
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
                idct_nxn(n, &coefs, dc, &float_quant(&quant), &mut plane, 11, 10);
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
                idct_nxn(n, &[0; 64], dc, &float_quant(&quant), &mut plane, 0, 8);
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
