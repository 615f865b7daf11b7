//! From decoded coefficients to 1/8- or 1/4-scale RGB, with libjpeg-turbo's own arithmetic (the
//! reduced inverse DCTs of `idct`, jdcolor.c's YCbCr tables, replication for chroma at lower
//! resolution, as libjpeg-turbo does when scaling by 1/8), so the result is the same bytes TurboJPEG
//! gives for `ScalingFactor 1/8` and `1/4`; the tests hold it to that.

use super::idct::{descale, idct_1x1, idct_2x2, idct_4x4, idct_limit, quant_set};
#[cfg(target_arch = "x86_64")]
use super::idct_avx2::{self, quant_lanes, Quant2, Quant4};
use super::scan::{Grid, Records, AC_SLOT_2X2, AC_SLOT_4X4, KEEP_2X2, KEEP_4X4};
#[cfg(target_arch = "x86_64")]
use super::scan::{ROWS_2X2, ROWS_4X4};

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
pub(super) struct Geometry {
    mcu_w: usize,
    mcu_h: usize,
    /// Per block of an MCU: component, x and y offset from the MCU's corner.
    slots: Vec<(usize, usize, usize)>,
    q25: Vec<[i64; 25]>,
    q49: Vec<[i64; 49]>,
    /// Per component, the quantisation lanes of the AVX2 inverse DCTs, when the CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    lanes: Option<Vec<(Quant2, Quant4)>>,
}

impl Geometry {
    pub(super) fn new(comps: &[CompOut], vector: bool) -> Geometry {
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
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
            #[cfg(target_arch = "x86_64")]
            lanes: (vector && is_x86_feature_detected!("avx2")).then(|| {
                comps
                    .iter()
                    .map(|c| {
                        (
                            quant_lanes(&c.quant, ROWS_2X2),
                            quant_lanes(&c.quant, ROWS_4X4),
                        )
                    })
                    .collect()
            }),
        }
    }

    /// Component `ci`'s 4x4 inverse DCT (see `idct::idct_4x4`), in vector lanes where that is exact.
    #[inline(always)]
    fn idct_4x4(&self, ci: usize, dc: i16, ac: &[i16; KEEP_4X4]) -> [u8; 16] {
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = &self.lanes {
            // SAFETY: `lanes` is only there when the CPU has AVX2.
            if let Some(px) = unsafe { idct_avx2::idct_4x4(dc, ac, &lanes[ci].1) } {
                return px;
            }
        }
        idct_4x4(dc, ac, &self.q49[ci])
    }

    /// `idct_2x2`, with the flat case (every AC term it reads zero) short-cut when there are no
    /// vector inverse DCTs; with them a flat block takes the vector code, which gives the same
    /// values, rather than a branch on its data that would be mispredicted. `q0`: the DC's
    /// quantiser.
    #[inline(always)]
    pub(super) fn idct_2x2_any(
        &self,
        ci: usize,
        dc: i16,
        coefs: &[i16; KEEP_2X2],
        q0: i16,
    ) -> [u8; 4] {
        #[cfg(target_arch = "x86_64")]
        let scalar = self.lanes.is_none();
        #[cfg(not(target_arch = "x86_64"))]
        let scalar = true;
        if scalar && coefs.iter().all(|&v| v == 0) {
            return [idct_limit(descale((dc as i64 * q0 as i64) << 2, 5)); 4];
        }
        self.idct_2x2(ci, dc, coefs)
    }

    /// As `idct_4x4`, the 2x2.
    #[inline(always)]
    fn idct_2x2(&self, ci: usize, dc: i16, ac: &[i16; KEEP_2X2]) -> [u8; 4] {
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = &self.lanes {
            // SAFETY: `lanes` is only there when the CPU has AVX2.
            if let Some(px) = unsafe { idct_avx2::idct_2x2(dc, ac, &lanes[ci].0) } {
                return px;
            }
        }
        idct_2x2(dc, ac, &self.q25[ci])
    }
}

/// MCU rows rendered at a time, so the component planes (and, when streaming, the records) stay in
/// cache.
const BAND_ROWS: usize = 8;

/// The picture, `w` x `h` RGB, from the decoded pieces (in scan order). On two threads each renders
/// half of the MCU rows.
#[derive(Clone, Copy)]
pub struct Picture<'a> {
    /// The MCUs rendered: the scan's, or a window of its columns and rows.
    pub grid: Grid,
    pub comps: &'a [CompOut],
    pub pieces: &'a [Piece<'a>],
    /// The scan's index of the first MCU of `pieces`.
    pub base: usize,
    pub w: usize,
    pub h: usize,
    pub ycbcr: bool,
    /// Use the AVX2 inverse DCTs (only passed true when the CPU has AVX2).
    pub vector: bool,
}

impl Picture<'_> {
    pub fn render(&self, two_threads: bool) -> Vec<u8> {
        let g = Geometry::new(self.comps, self.vector);
        let mut out = vec![0u8; self.w * self.h * 3];
        let rows = self.grid.mcus_y;
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

    /// One thread, little memory: `decode(n, records)` decodes the grid's next `n` MCU rows into the
    /// (cleared) records, false when it cannot; each band of MCU rows is rendered while its records
    /// are still in cache, so the whole scan's coefficients are never held. `pieces` is unused.
    pub fn stream(&self, decode: impl FnMut(usize, &mut Records) -> bool) -> Option<Vec<u8>> {
        let g = Geometry::new(self.comps, self.vector);
        let mut out = vec![0u8; self.w * self.h * 3];
        let mut planes = self.plane_buffers(&g);
        self.bands(decode, |band, rows| {
            band.rows(&g, rows, &mut planes, 0, &mut out)
        })?;
        Some(out)
    }

    /// Decodes the grid a band of MCU rows at a time (see `stream`) and hands each band, as a
    /// picture of that band's records, to `render` with its MCU rows.
    pub(super) fn bands(
        &self,
        mut decode: impl FnMut(usize, &mut Records) -> bool,
        mut render: impl FnMut(&Picture<'_>, std::ops::Range<usize>),
    ) -> Option<()> {
        let mcus_x = self.grid.mcus_x;
        let mut records = Records::with_room(self.grid, BAND_ROWS * mcus_x);
        let rows = self.grid.mcus_y;
        let mut r = 0;
        while r < rows {
            let n = BAND_ROWS.min(rows - r);
            records.clear();
            if !decode(n, &mut records) {
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
            render(&band, r..r + n);
            r += n;
        }
        Some(())
    }

    fn plane_buffers(&self, g: &Geometry) -> Vec<Vec<u8>> {
        let stride = self.grid.mcus_x * g.mcu_w;
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
    /// is output row `first_y`. With AVX2 all of it is compiled for AVX2 (the vector inverse DCTs
    /// inline, the colour conversion takes 32 bytes at a time).
    fn rows(
        &self,
        g: &Geometry,
        rows: std::ops::Range<usize>,
        planes: &mut [Vec<u8>],
        first_y: usize,
        out: &mut [u8],
    ) {
        #[cfg(target_arch = "x86_64")]
        if g.lanes.is_some() {
            // SAFETY: `lanes` is only there when the CPU has AVX2.
            return unsafe { self.rows_avx2(g, rows, planes, first_y, out) };
        }
        self.rows_any(g, rows, planes, first_y, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn rows_avx2(
        &self,
        g: &Geometry,
        rows: std::ops::Range<usize>,
        planes: &mut [Vec<u8>],
        first_y: usize,
        out: &mut [u8],
    ) {
        self.rows_any(g, rows, planes, first_y, out)
    }

    #[inline(always)]
    fn rows_any(
        &self,
        g: &Geometry,
        rows: std::ops::Range<usize>,
        planes: &mut [Vec<u8>],
        first_y: usize,
        out: &mut [u8],
    ) {
        let stride = self.grid.mcus_x * g.mcu_w;
        self.planes(g, rows.clone(), planes, stride);
        let y0 = rows.start * g.mcu_h;
        let y1 = (rows.end * g.mcu_h).min(self.h);
        if y0 < y1 {
            let dst = &mut out[(y0 - first_y) * self.w * 3..(y1 - first_y) * self.w * 3];
            rgb(planes, stride, self.w, y1 - y0, self.ycbcr, dst);
        }
    }

    /// Any MCU: each block by its component's inverse DCT size and replication.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn mcu_any(
        &self,
        g: &Geometry,
        mcu: &[i32],
        ac: &mut &[i16],
        offset: [i32; 4],
        planes: &mut [Vec<u8>],
        corner: usize,
        stride: usize,
    ) {
        for (&(ci, dx, dy), &value) in g.slots.iter().zip(mcu) {
            let c = &self.comps[ci];
            let dc = value.wrapping_add(offset[ci]) as i16;
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
                // Only taken without replication (4:2:0 chroma at 1/4, which `mcu_420_quarter` takes).
                let coefs: &[i16; KEEP_4X4] = ac[..KEEP_4X4].try_into().unwrap();
                *ac = &ac[KEEP_4X4..];
                let px = g.idct_4x4(ci, dc, coefs);
                for (y, row) in px.chunks_exact(4).enumerate() {
                    plane[at + y * stride..at + y * stride + 4].copy_from_slice(row);
                }
            } else {
                let coefs: &[i16; KEEP_2X2] = ac[..KEEP_2X2].try_into().unwrap();
                *ac = &ac[KEEP_2X2..];
                let px = g.idct_2x2_any(ci, dc, coefs, c.quant[0]);
                if c.rep_x == 1 && c.rep_y == 1 {
                    // Without replication (4:4:4 at 1/4, grey): no call to fill.
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
    }

    /// `Some(luma size)` for 4:2:0 colour (four luma blocks, then Cb and Cr, chroma at twice the
    /// luma's inverse DCT size, nothing replicated): nearly every photo, whose MCUs `planes` writes
    /// without the general loop's per-block lookups.
    fn is_420(&self) -> Option<usize> {
        let [y, cb, cr] = self.comps else {
            return None;
        };
        let plain = |c: &CompOut, h, size| {
            c.h == h && c.v == h && c.size == size && c.rep_x == 1 && c.rep_y == 1
        };
        (matches!(y.size, 1 | 2)
            && plain(y, 2, y.size)
            && plain(cb, 1, 2 * y.size)
            && plain(cr, 1, 2 * y.size))
        .then_some(y.size)
    }

    /// A 4:2:0 MCU at 1/8: each luma block one pixel, each chroma block 2x2 (the same arithmetic as
    /// the general loop).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn mcu_420_eighth(
        &self,
        g: &Geometry,
        mcu: &[i32],
        ac: &mut &[i16],
        offset: [i32; 4],
        planes: &mut [Vec<u8>],
        at: usize,
        stride: usize,
    ) {
        let q = self.comps[0].quant[0];
        let y = &mut planes[0];
        let luma = |b: usize| idct_1x1(mcu[b].wrapping_add(offset[0]) as i16, q);
        y[at] = luma(0);
        y[at + 1] = luma(1);
        y[at + stride] = luma(2);
        y[at + stride + 1] = luma(3);
        for ci in 1..3 {
            let coefs: &[i16; KEEP_2X2] = ac[..KEEP_2X2].try_into().unwrap();
            *ac = &ac[KEEP_2X2..];
            let dc = mcu[3 + ci].wrapping_add(offset[ci]) as i16;
            let px = g.idct_2x2_any(ci, dc, coefs, self.comps[ci].quant[0]);
            let plane = &mut planes[ci];
            plane[at] = px[0];
            plane[at + 1] = px[1];
            plane[at + stride] = px[2];
            plane[at + stride + 1] = px[3];
        }
    }

    /// A 4:2:0 MCU at 1/4: each luma block 2x2, each chroma block 4x4.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn mcu_420_quarter(
        &self,
        g: &Geometry,
        mcu: &[i32],
        ac: &mut &[i16],
        offset: [i32; 4],
        planes: &mut [Vec<u8>],
        at: usize,
        stride: usize,
    ) {
        let q0 = self.comps[0].quant[0];
        for (b, &v) in mcu.iter().enumerate().take(4) {
            let coefs: &[i16; KEEP_2X2] = ac[..KEEP_2X2].try_into().unwrap();
            *ac = &ac[KEEP_2X2..];
            let dc = v.wrapping_add(offset[0]) as i16;
            let px = g.idct_2x2_any(0, dc, coefs, q0);
            let a = at + (b / 2) * 2 * stride + (b % 2) * 2;
            let y = &mut planes[0];
            y[a..a + 2].copy_from_slice(&px[..2]);
            y[a + stride..a + stride + 2].copy_from_slice(&px[2..]);
        }
        for ci in 1..3 {
            let coefs: &[i16; KEEP_4X4] = ac[..KEEP_4X4].try_into().unwrap();
            *ac = &ac[KEEP_4X4..];
            let dc = mcu[3 + ci].wrapping_add(offset[ci]) as i16;
            let px = g.idct_4x4(ci, dc, coefs);
            let plane = &mut planes[ci];
            for (r, row) in px.chunks_exact(4).enumerate() {
                plane[at + r * stride..at + r * stride + 4].copy_from_slice(row);
            }
        }
    }

    /// The DC values (and AC sets) of global MCUs `mcus`, piece by piece: (piece, first local MCU,
    /// count).
    pub(super) fn spans(&self, mcus: std::ops::Range<usize>) -> Vec<(&Piece<'_>, usize, usize)> {
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
    #[inline(always)]
    fn planes(
        &self,
        g: &Geometry,
        rows: std::ops::Range<usize>,
        planes: &mut [Vec<u8>],
        stride: usize,
    ) {
        let grid = self.grid;
        let m = rows.start * grid.mcus_x;
        let yuv420 = self.is_420();
        // The MCU's row (from the band's first) and column, counted rather than divided.
        let (mut local_row, mut column) = (0, 0);
        for (piece, first, count) in self.spans(m..rows.end * grid.mcus_x) {
            let dc = &piece.records.dc[first * grid.blocks..(first + count) * grid.blocks];
            let mut ac = &piece.records.ac[first * grid.ac_len..];
            for mcu in dc.chunks_exact(grid.blocks) {
                let corner = local_row * g.mcu_h * stride + column * g.mcu_w;
                match yuv420 {
                    Some(1) => {
                        self.mcu_420_eighth(g, mcu, &mut ac, piece.offset, planes, corner, stride)
                    }
                    Some(_) => {
                        self.mcu_420_quarter(g, mcu, &mut ac, piece.offset, planes, corner, stride)
                    }
                    None => self.mcu_any(g, mcu, &mut ac, piece.offset, planes, corner, stride),
                }
                column += 1;
                if column == grid.mcus_x {
                    column = 0;
                    local_row += 1;
                }
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
#[inline(always)]
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
#[inline(always)]
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
