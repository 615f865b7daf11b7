//! The full-size (8x8) inverse DCT of a 1/1 decode: libjpeg-turbo's own AVX2 "accurate integer"
//! one (simd/x86_64/jidctint-avx2.asm, `jsimd_idct_islow_avx2`), the function its decoder calls for
//! every block on an AVX2 CPU with the default DCT method. Called on the same coefficients and
//! quantisation table, it gives libjpeg-turbo's bytes by construction; writing our own would only
//! add a second implementation to hold to it. It is an internal symbol of the libjpeg-turbo that
//! turbojpeg-sys (pinned) builds into the binary: hidden from dynamic export, present at static link.

use std::ffi::c_void;
use std::mem::MaybeUninit;

extern "C" {
    /// Dequantises `coef_block` (64 coefficients in natural order, 16-byte aligned: the code reads
    /// it with movdqa) by `dct_table` (64 16-bit multipliers, ISLOW_MULT_TYPE with SIMD) and writes 8
    /// samples at `output_col` of each of the 8 rows `output_buf` points to.
    fn jsimd_idct_islow_avx2(
        dct_table: *const c_void,
        coef_block: *const i16,
        output_buf: *const *mut u8,
        output_col: u32,
    );
}

/// The inverse DCT of the block whose coefficients are `coefs` (natural order, slot 0 ignored) with
/// DC `dc`, by `quant`, into the 8x8 samples of `plane` at `at`, rows `stride` apart (written
/// whole).
///
/// # Panics
/// When the 8 rows of 8 samples do not lie inside `plane`, or the CPU has no AVX2.
#[inline]
pub fn idct_8x8(
    coefs: &[i16; 64],
    dc: i16,
    quant: &[i16; 64],
    plane: &mut [MaybeUninit<u8>],
    at: usize,
    stride: usize,
) {
    assert!(
        stride >= 8 && at + 7 * stride + 8 <= plane.len(),
        "block inside the plane"
    );
    assert!(super::vector_idct(), "the AVX2 code needs AVX2");
    // SAFETY: AVX2 is there (asserted); the rows lie inside `plane` (asserted).
    unsafe { idct_avx2(coefs, dc, quant, plane.as_mut_ptr().add(at).cast(), stride) }
}

/// A block of coefficients where the inverse DCT reads it: 16-byte aligned for its movdqa.
#[repr(C, align(32))]
struct Block([i16; 64]);

/// `idct_8x8` once checked. The block is copied with the DC put in by four 32-byte stores the
/// inverse DCT's 32-byte loads then read whole: a DC stored on its own, or a copy at another
/// alignment, makes each of those loads wait for the stores to reach the cache (a failed
/// store-to-load forward), which made the inverse DCT half as slow again.
///
/// # Safety
/// The CPU has AVX2; `out + r * stride .. + 8` lies in one live allocation for r in 0..8.
#[target_feature(enable = "avx2")]
unsafe fn idct_avx2(coefs: &[i16; 64], dc: i16, quant: &[i16; 64], out: *mut u8, stride: usize) {
    use std::arch::x86_64::*;
    let src = coefs.as_ptr().cast::<__m256i>();
    let v: [__m256i; 4] = std::array::from_fn(|i| _mm256_loadu_si256(src.add(i)));
    let ac = _mm256_or_si256(
        _mm256_or_si256(_mm256_insert_epi16::<0>(v[0], 0), v[1]),
        _mm256_or_si256(v[2], v[3]),
    );
    if _mm256_testz_si256(ac, ac) == 1 {
        if let Some(sample) = dc_only(dc, quant[0]) {
            for r in 0..8 {
                out.add(r * stride)
                    .cast::<[u8; 8]>()
                    .write_unaligned([sample; 8]);
            }
            return;
        }
    }
    let mut block = Block([0; 64]);
    let dst = block.0.as_mut_ptr().cast::<__m256i>();
    _mm256_store_si256(dst, _mm256_insert_epi16::<0>(v[0], dc));
    for (i, &v) in v.iter().enumerate().skip(1) {
        _mm256_store_si256(dst.add(i), v);
    }
    let rows: [*mut u8; 8] = std::array::from_fn(|r| out.add(r * stride));
    // It keeps no pointer after returning.
    jsimd_idct_islow_avx2(quant.as_ptr().cast(), block.0.as_ptr(), rows.as_ptr(), 0);
}

/// Every sample of a block with no AC coefficients, as the inverse DCT computes it: the dequantised
/// DC, shifted left 2 in the first pass and descaled by 5 in the second (with rounding), so
/// (dc q + 4) >> 3, plus 128, limited to 0-255. Blocks without AC are 1-3% of the OSS example and
/// the benchmark's photo, 10-32% of the camera photos of the test data (counted by hand). Only
/// where the AVX2 code's 16-bit first pass cannot overflow (it multiplies and shifts in 16 bits,
/// where libjpeg-turbo's C code does not); `None` otherwise, and the block takes the inverse DCT
/// (damaged data, or 16-bit quantisation tables).
fn dc_only(dc: i16, q: i16) -> Option<u8> {
    let p = dc as i32 * q as i32;
    if q <= 0 || p.abs() > 8191 {
        return None;
    }
    Some((((p + 4) >> 3) + 128).clamp(0, 255) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block with only a DC, through libjpeg-turbo's inverse DCT and through `dc_only`: the same
    /// samples, for every DC a quantisation value allows.
    #[test]
    fn dc_only_blocks_are_the_inverse_dcts_samples() {
        if !crate::decode::jpeg_dc::vector_idct() {
            eprintln!("skipped: this CPU has no AVX2, which the inverse DCT needs");
            return;
        }
        let mut checked = 0;
        for q in [1i16, 2, 3, 5, 8, 16, 99, 255] {
            let mut quant = [q; 64];
            quant[1] = 7;
            for dc in -2048i16..=2047 {
                let Some(expected) = dc_only(dc, q) else {
                    continue;
                };
                let mut block = Block([0; 64]);
                block.0[0] = dc;
                let mut out = [0u8; 64];
                let rows: [*mut u8; 8] = std::array::from_fn(|r| out[r * 8..].as_mut_ptr());
                // SAFETY: as in `idct_avx2`: AVX2 checked, 8 rows of 8 inside `out`.
                unsafe {
                    jsimd_idct_islow_avx2(quant.as_ptr().cast(), block.0.as_ptr(), rows.as_ptr(), 0)
                };
                assert_eq!(out, [expected; 64], "dc {dc}, q {q}");
                checked += 1;
            }
        }
        assert!(checked > 10_000, "{checked}");
    }
}
