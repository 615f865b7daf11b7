//! From decoded coefficients to 1/8-scale RGB, with libjpeg-turbo's own arithmetic (jidctred.c's
//! 1x1 and 2x2 inverse DCTs, its range limiting, jdcolor.c's YCbCr tables, replication for chroma
//! at lower resolution, as libjpeg-turbo does when scaling by 1/8), so the result is the same bytes
//! TurboJPEG gives for `ScalingFactor 1/8`; the tests hold it to that.

use super::scan::{Layout, Records, AC_SLOT_2X2, AC_SLOT_4X4, KEEP_2X2, KEEP_4X4};

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
fn idct_limit(v: i64) -> u8 {
    RANGE_LIMIT[(v & 1023) as usize]
}

/// (x + 2^(n-1)) >> n, libjpeg's DESCALE.
#[inline(always)]
fn descale(x: i64, n: u32) -> i64 {
    (x + (1 << (n - 1))) >> n
}

/// One output pixel per block: the block's mean (jpeg_idct_1x1).
#[inline(always)]
pub fn idct_1x1(dc: i16, q0: i16) -> u8 {
    idct_limit(descale(dc as i64 * q0 as i64, 3))
}

/// The quantisation values of the coefficients an inverse DCT reads, in the order of a kept AC set
/// (`slots`) with the DC first: 25 for 2x2 (rows and columns 0, 1, 3, 5, 7), 49 for 4x4.
fn quant_set<const N: usize>(q: &[i16; 64], slots: &[u8; 64]) -> [i64; N] {
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

/// A stretch of MCUs taken from one run's records: `count` MCUs from the run's MCU `first`, with
/// `offset[c]` added to component c's DC values (a run that started mid-scan with its predictors at 0).
pub struct Piece<'a> {
    pub records: &'a Records,
    pub first: usize,
    pub count: usize,
    pub offset: [i32; 4],
}

/// How each component becomes full-resolution output samples.
#[derive(Clone, Copy)]
pub struct CompOut {
    pub h: usize,
    pub v: usize,
    /// 1, 2 or 4 output samples per block side.
    pub size: usize,
    /// Replication of each sample to reach full resolution.
    pub rep_x: usize,
    pub rep_y: usize,
    pub quant: [i16; 64],
}

/// Where the blocks of an MCU land, and how big an MCU is in output samples.
struct Geometry {
    mcu_w: usize,
    mcu_h: usize,
    /// Per block of an MCU: component, x and y offset from the MCU's corner.
    slots: Vec<(usize, usize, usize)>,
    q25: Vec<[i64; 25]>,
    q49: Vec<[i64; 49]>,
}

impl Geometry {
    fn new(comps: &[CompOut]) -> Geometry {
        let single = comps.len() == 1;
        let (mcu_w, mcu_h) = if single {
            // One block per MCU, whatever the sampling factors say.
            (comps[0].size, comps[0].size)
        } else {
            (
                comps
                    .iter()
                    .map(|c| c.h * c.size * c.rep_x)
                    .max()
                    .unwrap_or(1),
                comps
                    .iter()
                    .map(|c| c.v * c.size * c.rep_y)
                    .max()
                    .unwrap_or(1),
            )
        };
        let mut slots = Vec::new();
        for (ci, c) in comps.iter().enumerate() {
            let (bh, bv) = if single { (1, 1) } else { (c.h, c.v) };
            for y in 0..bv {
                for x in 0..bh {
                    slots.push((ci, x * c.size * c.rep_x, y * c.size * c.rep_y));
                }
            }
        }
        Geometry {
            mcu_w,
            mcu_h,
            slots,
            q25: comps
                .iter()
                .map(|c| quant_set(&c.quant, &AC_SLOT_2X2))
                .collect(),
            q49: comps
                .iter()
                .map(|c| quant_set(&c.quant, &AC_SLOT_4X4))
                .collect(),
        }
    }
}

/// MCU rows rendered at a time, so the component planes (and, when streaming, the records) stay in
/// cache.
const BAND_ROWS: usize = 8;

/// The picture, `w` x `h` RGB, from the decoded pieces (in scan order). On two threads each renders
/// half of the MCU rows.
#[derive(Clone, Copy)]
pub struct Picture<'a> {
    pub layout: &'a Layout,
    pub comps: &'a [CompOut],
    pub pieces: &'a [Piece<'a>],
    /// The scan's index of the first MCU of `pieces`.
    pub base: usize,
    pub w: usize,
    pub h: usize,
    pub ycbcr: bool,
}

impl Picture<'_> {
    pub fn render(&self, two_threads: bool) -> Vec<u8> {
        let g = Geometry::new(self.comps);
        let mut out = vec![0u8; self.w * self.h * 3];
        let rows = self.layout.mcus_y;
        let half = rows / 2;
        let y_half = (half * g.mcu_h).min(self.h);
        if two_threads && half > 0 && y_half < self.h {
            let (top, bottom) = out.split_at_mut(y_half * self.w * 3);
            std::thread::scope(|s| {
                s.spawn(|| self.band(&g, half..rows, bottom));
                self.band(&g, 0..half, top);
            });
        } else {
            self.band(&g, 0..rows, &mut out);
        }
        out
    }

    /// One thread, little memory: `decode(n, records)` decodes the scan's next `n` MCUs into the
    /// (cleared) records, false when it cannot; each band of MCU rows is rendered while its records
    /// are still in cache, so the whole scan's coefficients are never held. `pieces` is unused.
    pub fn stream(&self, mut decode: impl FnMut(usize, &mut Records) -> bool) -> Option<Vec<u8>> {
        let g = Geometry::new(self.comps);
        let mut out = vec![0u8; self.w * self.h * 3];
        let mut planes = self.plane_buffers(&g);
        let mcus_x = self.layout.mcus_x;
        let mut records = Records::with_room(self.layout, BAND_ROWS * mcus_x);
        let rows = self.layout.mcus_y;
        let mut r = 0;
        while r < rows {
            let n = BAND_ROWS.min(rows - r);
            records.clear();
            if !decode(n * mcus_x, &mut records) {
                return None;
            }
            let piece = [Piece {
                records: &records,
                first: 0,
                count: n * mcus_x,
                offset: [0; 4],
            }];
            let band = Picture {
                pieces: &piece,
                base: r * mcus_x,
                ..*self
            };
            band.rows(&g, r..r + n, &mut planes, 0, &mut out);
            r += n;
        }
        Some(out)
    }

    fn plane_buffers(&self, g: &Geometry) -> Vec<Vec<u8>> {
        let stride = self.layout.mcus_x * g.mcu_w;
        self.comps
            .iter()
            .map(|_| vec![0u8; stride * BAND_ROWS * g.mcu_h])
            .collect()
    }

    /// Renders MCU rows `rows` into `out` (the output rows they cover), a band at a time.
    fn band(&self, g: &Geometry, rows: std::ops::Range<usize>, out: &mut [u8]) {
        let mut planes = self.plane_buffers(g);
        let first_y = rows.start * g.mcu_h;
        let mut r = rows.start;
        while r < rows.end {
            let n = BAND_ROWS.min(rows.end - r);
            self.rows(g, r..r + n, &mut planes, first_y, out);
            r += n;
        }
    }

    /// MCU rows `rows` (at most a band) into the planes, then as RGB into `out`, whose first row
    /// is output row `first_y`.
    fn rows(
        &self,
        g: &Geometry,
        rows: std::ops::Range<usize>,
        planes: &mut [Vec<u8>],
        first_y: usize,
        out: &mut [u8],
    ) {
        let stride = self.layout.mcus_x * g.mcu_w;
        self.planes(g, rows.clone(), planes, stride);
        let y0 = rows.start * g.mcu_h;
        let y1 = (rows.end * g.mcu_h).min(self.h);
        if y0 < y1 {
            let dst = &mut out[(y0 - first_y) * self.w * 3..(y1 - first_y) * self.w * 3];
            rgb(planes, stride, self.w, y1 - y0, self.ycbcr, dst);
        }
    }

    /// The DC values (and AC sets) of global MCUs `mcus`, piece by piece: (piece, first local MCU,
    /// count).
    fn spans(&self, mcus: std::ops::Range<usize>) -> Vec<(&Piece<'_>, usize, usize)> {
        let mut spans = Vec::new();
        let mut g0 = self.base;
        for piece in self.pieces {
            let (a, b) = (mcus.start.max(g0), mcus.end.min(g0 + piece.count));
            if a < b {
                spans.push((piece, piece.first + a - g0, b - a));
            }
            g0 += piece.count;
        }
        spans
    }

    /// Writes MCU rows `rows` into the component planes (row 0 of the planes is the first MCU row's
    /// first sample row).
    fn planes(
        &self,
        g: &Geometry,
        rows: std::ops::Range<usize>,
        planes: &mut [Vec<u8>],
        stride: usize,
    ) {
        let layout = self.layout;
        let mut m = rows.start * layout.mcus_x;
        for (piece, first, count) in self.spans(m..rows.end * layout.mcus_x) {
            let dc = &piece.records.dc[first * layout.blocks..(first + count) * layout.blocks];
            let mut ac = &piece.records.ac[first * layout.ac_len..];
            for mcu in dc.chunks_exact(layout.blocks) {
                let local_row = m / layout.mcus_x - rows.start;
                let corner = local_row * g.mcu_h * stride + (m % layout.mcus_x) * g.mcu_w;
                for (&(ci, dx, dy), &value) in g.slots.iter().zip(mcu) {
                    let c = &self.comps[ci];
                    let dc = value.wrapping_add(piece.offset[ci]) as i16;
                    let at = corner + dy * stride + dx;
                    let plane = &mut planes[ci];
                    if c.size == 1 {
                        let v = idct_1x1(dc, c.quant[0]);
                        if c.rep_x == 1 && c.rep_y == 1 {
                            plane[at] = v;
                        } else {
                            for y in 0..c.rep_y {
                                plane[at + y * stride..at + y * stride + c.rep_x].fill(v);
                            }
                        }
                    } else if c.size == 4 {
                        // Only taken without replication (4:2:0 chroma at 1/4).
                        let coefs: &[i16; KEEP_4X4] = ac[..KEEP_4X4].try_into().unwrap();
                        ac = &ac[KEEP_4X4..];
                        let px = idct_4x4(dc, coefs, &g.q49[ci]);
                        for (y, row) in px.chunks_exact(4).enumerate() {
                            plane[at + y * stride..at + y * stride + 4].copy_from_slice(row);
                        }
                    } else {
                        let coefs: &[i16; KEEP_2X2] = ac[..KEEP_2X2].try_into().unwrap();
                        ac = &ac[KEEP_2X2..];
                        let px = if coefs.iter().all(|&v| v == 0) {
                            // Every AC term the 2x2 inverse DCT reads is zero: its flat case.
                            [idct_limit(descale((dc as i64 * c.quant[0] as i64) << 2, 5)); 4]
                        } else {
                            idct_2x2(dc, coefs, &g.q25[ci])
                        };
                        if c.rep_x == 1 && c.rep_y == 1 {
                            // The usual case (4:2:0 chroma): no replication, and no call to fill.
                            plane[at] = px[0];
                            plane[at + 1] = px[1];
                            plane[at + stride] = px[2];
                            plane[at + stride + 1] = px[3];
                            continue;
                        }
                        for (i, &v) in px.iter().enumerate() {
                            let at = at + (i / 2) * c.rep_y * stride + (i % 2) * c.rep_x;
                            for y in 0..c.rep_y {
                                plane[at + y * stride..at + y * stride + c.rep_x].fill(v);
                            }
                        }
                    }
                }
                m += 1;
            }
        }
    }
}

/// jdcolor.c's YCbCr -> RGB (SCALEBITS 16): each of its table entries is one of these products,
/// so computing them in i32 gives the same values, and lets the compiler vectorise the rows.
const fn fix(x: f64) -> i32 {
    (x * 65536.0 + 0.5) as i32
}
const CR_R: i32 = fix(1.40200);
const CB_B: i32 = fix(1.77200);
const CR_G: i32 = -fix(0.71414);
const CB_G: i32 = -fix(0.34414);
const ONE_HALF: i32 = 1 << 15;

#[inline(always)]
fn ycc_pixel(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (y as i32, cb as i32 - 128, cr as i32 - 128);
    let clamp = |v: i32| v.clamp(0, 255) as u8;
    [
        clamp(y + ((CR_R * cr + ONE_HALF) >> 16)),
        clamp(y + ((CB_G * cb + ONE_HALF + CR_G * cr) >> 16)),
        clamp(y + ((CB_B * cb + ONE_HALF) >> 16)),
    ]
}

/// One row: 16 pixels at a time into separate R, G and B lanes (vectorised), then interleaved.
fn ycc_row(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    const N: usize = 16;
    let chunks = y.len() / N;
    for (((o, y), cb), cr) in out
        .chunks_exact_mut(3 * N)
        .zip(y.chunks_exact(N))
        .zip(cb.chunks_exact(N))
        .zip(cr.chunks_exact(N))
    {
        let mut px = [[0u8; N]; 3];
        for j in 0..N {
            let [r, g, b] = ycc_pixel(y[j], cb[j], cr[j]);
            px[0][j] = r;
            px[1][j] = g;
            px[2][j] = b;
        }
        for (j, o) in o.chunks_exact_mut(3).enumerate() {
            o.copy_from_slice(&[px[0][j], px[1][j], px[2][j]]);
        }
    }
    let done = chunks * N;
    for (i, o) in out[3 * done..].chunks_exact_mut(3).enumerate() {
        o.copy_from_slice(&ycc_pixel(y[done + i], cb[done + i], cr[done + i]));
    }
}

/// `rows` rows of interleaved RGB, `w` wide, from the planes (`stride` wide) into `out`: YCbCr
/// converted, RGB copied, grey repeated.
fn rgb(planes: &[Vec<u8>], stride: usize, w: usize, rows: usize, ycbcr: bool, out: &mut [u8]) {
    match planes {
        [g] => {
            for y in 0..rows {
                let row = &g[y * stride..y * stride + w];
                for (o, &v) in out[y * w * 3..(y + 1) * w * 3].chunks_exact_mut(3).zip(row) {
                    o.copy_from_slice(&[v, v, v]);
                }
            }
        }
        [p0, p1, p2] => {
            for y in 0..rows {
                let r = y * stride..y * stride + w;
                let o = &mut out[y * w * 3..(y + 1) * w * 3];
                if ycbcr {
                    ycc_row(&p0[r.clone()], &p1[r.clone()], &p2[r], o);
                    continue;
                }
                let rows = p0[r.clone()].iter().zip(&p1[r.clone()]).zip(&p2[r]);
                for (o, ((&a, &b), &c)) in o.chunks_exact_mut(3).zip(rows) {
                    o.copy_from_slice(&[a, b, c]);
                }
            }
        }
        _ => unreachable!("one or three components"),
    }
}
