//! 4:2:0 pictures as Y'CbCr planes at 1/8, 1/4, n/8 (n 3, 5, 6, 7) or 1/1, for the JPEG-to-JPEG
//! resize of `crate::planes`: every block at the scale's own inverse DCT size (1x1 at 1/8, 2x2 at
//! 1/4, n x n at n/8, 8x8 at 1/1), chroma at its own resolution, nothing upsampled or converted.
//! That is what libjpeg-turbo's raw output (TurboJPEG's decompress to YUV planes) gives for 4:2:0,
//! byte for byte, and within one at n/8, whose inverse DCTs are ours (`tests/jpeg_dc_exact.rs`). At
//! 1/8 the chroma blocks' AC coefficients are skipped like luma's, where the RGB picture needs three
//! of each for its 2x2 chroma.

use std::mem::MaybeUninit;
use std::ops::Range;

use super::idct::idct_1x1;
#[cfg(target_arch = "x86_64")]
use super::idct8::idct_8x8;
#[cfg(target_arch = "x86_64")]
use super::idct_n::{float_quant, idct_nxn, Block};
use super::pixels::{Geometry, Picture};
use super::scan::{Records, KEEP_2X2, KEEP_5ROWS, KEEP_8X8};

/// How many blocks of an MCU `idct_nxn` takes at once: two overlap each other's waits (see there);
/// three were slower (decode to 5/8 planes 1.66 against 1.63 ms; likely because their sums no
/// longer fit the 16 vector registers).
const GROUP: usize = 2;

impl Picture<'_> {
    /// Samples per block side: 1 at 1/8, 2 at 1/4, n at n/8, 8 at 1/1. An MCU is 2s x 2s luma and
    /// s x s of each chroma.
    fn side(&self) -> usize {
        self.comps[0].size
    }

    /// The planes' widths and heights: whole MCUs of the grid.
    pub fn plane_sizes(&self) -> [(usize, usize); 3] {
        let s = self.side();
        let (w, h) = (self.grid.mcus_x * s, self.grid.mcus_y * s);
        [(2 * w, 2 * h), (w, h), (w, h)]
    }

    /// The whole grid's planes from the decoded pieces; on two threads each writes half of the MCU
    /// rows.
    pub fn render_planes(&self, two_threads: bool) -> [Vec<u8>; 3] {
        let g = Geometry::new(self.comps, self.vector);
        let sizes = self.plane_sizes();
        let mut planes = self.unwritten_planes();
        let rows = self.grid.mcus_y;
        let half = rows / 2;
        if two_threads && half > 0 {
            let s = self.side();
            let mut top: Vec<&mut [MaybeUninit<u8>]> = Vec::with_capacity(3);
            let mut bottom: Vec<&mut [MaybeUninit<u8>]> = Vec::with_capacity(3);
            for (i, p) in planes.iter_mut().enumerate() {
                let rows_per_mcu = if i == 0 { 2 * s } else { s };
                let (a, b) = p
                    .spare_capacity_mut()
                    .split_at_mut(half * rows_per_mcu * sizes[i].0);
                top.push(a);
                bottom.push(b);
            }
            std::thread::scope(|scope| {
                scope.spawn(|| self.write_planes(&g, half..rows, half, &mut bottom));
                self.write_planes(&g, 0..half, 0, &mut top);
            });
        } else {
            let mut all = spare(&mut planes);
            self.write_planes(&g, 0..rows, 0, &mut all);
        }
        // SAFETY: every MCU row of the grid was written, each in full (`write_planes`), and the
        // planes are the grid's MCUs.
        unsafe { written(planes, sizes) }
    }

    /// Room for the planes, not zeroed (that was 2% of a small picture's resize at full size, and
    /// more at 12 MP): `write_planes` writes every sample of the MCUs it is given, and the planes
    /// are whole MCUs.
    fn unwritten_planes(&self) -> [Vec<u8>; 3] {
        self.plane_sizes().map(|(w, h)| Vec::with_capacity(w * h))
    }

    /// As `render_planes` on one thread, decoding as it goes: see `Picture::stream`.
    pub fn stream_planes(
        &self,
        decode: impl FnMut(usize, &mut Records) -> bool,
    ) -> Option<[Vec<u8>; 3]> {
        let g = Geometry::new(self.comps, self.vector);
        let mut planes = self.unwritten_planes();
        self.bands(decode, |band, rows| {
            band.write_planes(&g, rows, 0, &mut spare(&mut planes));
        })?;
        // SAFETY: `bands` returns `Some` once it has rendered every MCU row of the grid, and
        // `write_planes` writes each in full; the planes are the grid's MCUs.
        Some(unsafe { written(planes, self.plane_sizes()) })
    }

    /// MCU rows `rows` into `out` (Y, Cb, Cr), whose first rows are those of MCU row `first`: every
    /// sample of every MCU of those rows (the unsafe code of the callers counts on it).
    ///
    /// # Panics
    /// When the pieces do not hold every MCU of `rows`.
    fn write_planes(
        &self,
        g: &Geometry,
        rows: Range<usize>,
        first: usize,
        out: &mut [&mut [MaybeUninit<u8>]],
    ) {
        let mut mcus = 0;
        let s = self.side();
        #[cfg(target_arch = "x86_64")]
        let quant: Vec<[f32; 64]> = match s {
            3 | 5 | 6 | 7 => self.comps.iter().map(|c| float_quant(&c.quant)).collect(),
            _ => Vec::new(),
        };
        let [(ys, _), (cs, _), _] = self.plane_sizes();
        let grid = self.grid;
        let (mut row, mut column) = (rows.start - first, 0);
        for (piece, start, count) in self.spans(rows.start * grid.mcus_x..rows.end * grid.mcus_x) {
            let dc = &piece.records.dc[start * grid.blocks..(start + count) * grid.blocks];
            let mut ac = &piece.records.ac[start * grid.ac_len..];
            for mcu in dc.chunks_exact(grid.blocks) {
                let value = |b: usize, ci: usize| mcu[b].wrapping_add(piece.offset[ci]) as i16;
                let y_at = row * 2 * s * ys + column * 2 * s;
                let c_at = row * s * cs + column * s;
                if s == 1 {
                    let q = self.comps[0].quant[0];
                    out[0][y_at].write(idct_1x1(value(0, 0), q));
                    out[0][y_at + 1].write(idct_1x1(value(1, 0), q));
                    out[0][y_at + ys].write(idct_1x1(value(2, 0), q));
                    out[0][y_at + ys + 1].write(idct_1x1(value(3, 0), q));
                    for (ci, plane) in out.iter_mut().enumerate().take(3).skip(1) {
                        plane[c_at].write(idct_1x1(value(3 + ci, ci), self.comps[ci].quant[0]));
                    }
                } else if s != 2 {
                    // 1/1 and n/8: every block keeps all its coefficients, or at 5/8 its rows 0-4.
                    #[cfg(target_arch = "x86_64")]
                    {
                        let keep = if s == 5 { KEEP_5ROWS } else { KEEP_8X8 };
                        let blocks: [Block; 6] = std::array::from_fn(|b| {
                            let ci = b.saturating_sub(3);
                            let (at, stride) = if b < 4 {
                                (y_at + (b / 2) * s * ys + (b % 2) * s, ys)
                            } else {
                                (c_at, cs)
                            };
                            Block {
                                coefs: &ac[b * keep..][..keep],
                                dc: value(b, ci),
                                // At 1/1 there are no float tables: `idct_8x8` takes the
                                // integer ones.
                                quant: quant.get(ci).unwrap_or(&[0.0; 64]),
                                plane: ci,
                                at,
                                stride,
                            }
                        });
                        ac = &ac[6 * keep..];
                        if s == 8 {
                            for b in &blocks {
                                let q = &self.comps[b.plane].quant;
                                let coefs = b.coefs.try_into().unwrap();
                                idct_8x8(coefs, b.dc, q, &mut *out[b.plane], b.at, b.stride);
                            }
                        } else {
                            // A few at a time: see `idct_nxn`.
                            for group in blocks.chunks_exact(GROUP) {
                                idct_nxn::<GROUP>(s, group.try_into().unwrap(), out);
                            }
                        }
                    }
                    #[cfg(not(target_arch = "x86_64"))]
                    unreachable!("1/1 and n/8 decodes are only taken with the AVX2 inverse DCTs");
                } else {
                    for b in 0..6usize {
                        let ci = b.saturating_sub(3);
                        let coefs: &[i16; KEEP_2X2] = ac[..KEEP_2X2].try_into().unwrap();
                        ac = &ac[KEEP_2X2..];
                        let px = g.idct_2x2_any(ci, value(b, ci), coefs, self.comps[ci].quant[0]);
                        let (at, stride) = if b < 4 {
                            (y_at + (b / 2) * 2 * ys + (b % 2) * 2, ys)
                        } else {
                            (c_at, cs)
                        };
                        let plane = &mut out[ci];
                        plane[at].write(px[0]);
                        plane[at + 1].write(px[1]);
                        plane[at + stride].write(px[2]);
                        plane[at + stride + 1].write(px[3]);
                    }
                }
                mcus += 1;
                column += 1;
                if column == grid.mcus_x {
                    column = 0;
                    row += 1;
                }
            }
        }
        assert_eq!(mcus, rows.len() * grid.mcus_x, "every MCU of the rows");
    }
}

/// The planes' unwritten room, to be written by `write_planes`.
fn spare(planes: &mut [Vec<u8>; 3]) -> Vec<&mut [MaybeUninit<u8>]> {
    planes.iter_mut().map(|p| p.spare_capacity_mut()).collect()
}

/// The planes, `sizes` (width, height) long.
///
/// # Safety
/// The first width x height bytes of each plane's room were written (`Vec::with_capacity` may
/// give more room than asked).
unsafe fn written(mut planes: [Vec<u8>; 3], sizes: [(usize, usize); 3]) -> [Vec<u8>; 3] {
    for (p, (w, h)) in planes.iter_mut().zip(sizes) {
        p.set_len(w * h);
    }
    planes
}
