//! libjpeg-turbo's reduced inverse DCTs as its C code computes them (jidctred.c's 1x1, 2x2 and 4x4,
//! in 64-bit arithmetic like its JLONG, with its range limiting), so the pixels are the same bytes.
//! `idct_avx2` has the same arithmetic in 32-bit vector lanes for the blocks where that is exact.

/// libjpeg's post-IDCT range limit (IDCT_range_limit), indexed by `value & 1023` (RANGE_MASK), so
/// it wraps exactly like the C table: 0..127 -> 128..255, up to 511 -> 255, up to 895 -> 0, then
/// 0..127 again.
const RANGE_LIMIT: [u8; 1024] = {
    let mut t = [0u8; 1024];
    let mut i = 0;
    while i < 1024 {
        t[i] = match i {
            0..=127 => (i + 128) as u8,
            128..=511 => 255,
            512..=895 => 0,
            _ => (i - 896) as u8,
        };
        i += 1;
    }
    t
};

#[inline(always)]
pub fn idct_limit(v: i64) -> u8 {
    RANGE_LIMIT[(v & 1023) as usize]
}

/// (x + 2^(n-1)) >> n, libjpeg's DESCALE.
#[inline(always)]
pub fn descale(x: i64, n: u32) -> i64 {
    (x + (1 << (n - 1))) >> n
}

/// One output pixel per block: the block's mean (jpeg_idct_1x1).
#[inline(always)]
pub fn idct_1x1(dc: i16, q0: i16) -> u8 {
    idct_limit(descale(dc as i64 * q0 as i64, 3))
}

/// The quantisation values of the coefficients an inverse DCT reads, in the order of a kept AC set
/// (`slots`) with the DC first: 25 for 2x2 (rows and columns 0, 1, 3, 5, 7), 49 for 4x4.
pub fn quant_set<const N: usize>(q: &[i16; 64], slots: &[u8; 64]) -> [i64; N] {
    let mut out = [0i64; N];
    for (nat, &v) in q.iter().enumerate() {
        if nat == 0 {
            out[0] = v as i64;
        } else if slots[nat] != 255 {
            out[slots[nat] as usize + 1] = v as i64;
        }
    }
    out
}

/// 2x2 output pixels per block (jpeg_idct_2x2), row-major. `ac` in kept order (row-major over rows
/// and columns 0, 1, 3, 5, 7 without the DC), `q` from `quant_set` over `AC_SLOT_2X2`.
pub fn idct_2x2(dc: i16, ac: &[i16; 24], q: &[i64; 25]) -> [u8; 4] {
    const F0720: i64 = 5906;
    const F0850: i64 = 6967;
    const F1272: i64 = 10426;
    const F3624: i64 = 29692;
    // Pass 1 over columns; ws[row][col] for rows 0/1 and the 5 columns. The coefficients (index
    // 5 * row + column over rows and columns 0, 1, 3, 5, 7, DC first) are dequantised only where
    // a column has AC terms: most of a photo's chroma columns have none.
    let coef = |i: usize| if i == 0 { dc as i64 } else { ac[i - 1] as i64 };
    let mut ws = [[0i64; 5]; 2];
    for c in 0..5 {
        let z0 = coef(c) * q[c];
        if coef(5 + c) == 0 && coef(10 + c) == 0 && coef(15 + c) == 0 && coef(20 + c) == 0 {
            ws[0][c] = z0 << 2;
            ws[1][c] = z0 << 2;
            continue;
        }
        let z = |row: usize| coef(5 * row + c) * q[5 * row + c];
        let tmp10 = z0 << 15;
        let tmp0 = z(4) * -F0720 + z(3) * F0850 + z(2) * -F1272 + z(1) * F3624;
        // The C code keeps these in an int workspace.
        ws[0][c] = descale(tmp10 + tmp0, 13) as i32 as i64;
        ws[1][c] = descale(tmp10 - tmp0, 13) as i32 as i64;
    }
    let mut out = [0u8; 4];
    for r in 0..2 {
        let [w0, w1, w3, w5, w7] = ws[r];
        if w1 == 0 && w3 == 0 && w5 == 0 && w7 == 0 {
            let v = idct_limit(descale(w0, 5));
            out[2 * r] = v;
            out[2 * r + 1] = v;
            continue;
        }
        let tmp10 = w0 << 15;
        let tmp0 = w7 * -F0720 + w5 * F0850 + w3 * -F1272 + w1 * F3624;
        out[2 * r] = idct_limit(descale(tmp10 + tmp0, 20));
        out[2 * r + 1] = idct_limit(descale(tmp10 - tmp0, 20));
    }
    out
}

/// 4x4 output pixels per block (jpeg_idct_4x4), row-major. `ac` in kept order (row-major over rows
/// and columns 0-3, 5-7 without the DC), `q` from `quant_set` over `AC_SLOT_4X4`.
pub fn idct_4x4(dc: i16, ac: &[i16; 48], q: &[i64; 49]) -> [u8; 16] {
    const F0211: i64 = 1730;
    const F0509: i64 = 4176;
    const F0601: i64 = 4926;
    const F0765: i64 = 6270;
    const F0899: i64 = 7373;
    const F1061: i64 = 8697;
    const F1451: i64 = 11893;
    const F1847: i64 = 15137;
    const F2172: i64 = 17799;
    const F2562: i64 = 20995;
    // The coefficients, 7x7: index 7 * row + column over rows and columns 0, 1, 2, 3, 5, 6, 7, DC
    // first; dequantised only where a column has AC terms (as in `idct_2x2`).
    let coef = |i: usize| if i == 0 { dc as i64 } else { ac[i - 1] as i64 };
    // The odd part's four inputs (rows or columns 7, 5, 3, 1): (tmp0, tmp2).
    let odd = |z1: i64, z2: i64, z3: i64, z4: i64| {
        (
            z1 * -F0211 + z2 * F1451 + z3 * -F2172 + z4 * F1061,
            z1 * -F0509 + z2 * -F0601 + z3 * F0899 + z4 * F2562,
        )
    };
    // Pass 1 over the 7 columns; the C code keeps ws[row][col] in an int workspace.
    let mut ws = [[0i64; 7]; 4];
    for c in 0..7 {
        let at = |row: usize| coef(7 * row + c) * q[7 * row + c];
        if (1..7).all(|row| coef(7 * row + c) == 0) {
            let v = (at(0) << 2) as i32 as i64;
            for row in &mut ws {
                row[c] = v;
            }
            continue;
        }
        let tmp0 = at(0) << 14;
        let tmp2 = at(2) * F1847 + at(5) * -F0765;
        let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
        let (o0, o2) = odd(at(6), at(4), at(3), at(1));
        ws[0][c] = descale(tmp10 + o2, 12) as i32 as i64;
        ws[3][c] = descale(tmp10 - o2, 12) as i32 as i64;
        ws[1][c] = descale(tmp12 + o0, 12) as i32 as i64;
        ws[2][c] = descale(tmp12 - o0, 12) as i32 as i64;
    }
    // Pass 2 over the 4 rows (columns 0, 1, 2, 3, 5, 6, 7 at indices 0-6).
    let mut out = [0u8; 16];
    for (r, w) in ws.iter().enumerate() {
        let o = &mut out[4 * r..4 * r + 4];
        if w[1..].iter().all(|&v| v == 0) {
            o.fill(idct_limit(descale(w[0], 5)));
            continue;
        }
        let tmp0 = w[0] << 14;
        let tmp2 = w[2] * F1847 + w[5] * -F0765;
        let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
        let (o0, o2) = odd(w[6], w[4], w[3], w[1]);
        o[0] = idct_limit(descale(tmp10 + o2, 19));
        o[3] = idct_limit(descale(tmp10 - o2, 19));
        o[1] = idct_limit(descale(tmp12 + o0, 19));
        o[2] = idct_limit(descale(tmp12 - o0, 19));
    }
    out
}
