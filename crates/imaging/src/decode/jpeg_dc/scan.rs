//! The entropy-coded data: unstuffing, and decoding MCUs into what a 1/8- or 1/4-scale picture
//! needs. A component at one output pixel per block (luma at 1/8) needs only the DC coefficient, so
//! its AC coefficients are skipped with one table lookup each, their values never read. A component
//! that libjpeg-turbo reconstructs at 2x2 per block (luma at 1/4, 4:2:0 chroma at 1/8) keeps the 24
//! AC coefficients its 2x2 inverse DCT reads, and one at 4x4 (4:2:0 chroma at 1/4) the 48 of the
//! 4x4 inverse DCT. A full-size decode (to planes) keeps all 63.

use super::headers::{Headers, NATURAL};
use super::huffman::{
    advance, run_all, run_before_last, run_bits, HuffTable, LOOKUP_BITS, RUNS_PER_REFILL, RUN_BITS,
};
use std::mem::MaybeUninit;

/// Zero bytes after the data, so a read of 8 bytes anywhere a block may reach stays in bounds; a
/// run is stopped once it passes the data's end, so this bounds one MCU (at most 10 blocks of 64
/// codes of at most 31 bits each).
pub const PADDING: usize = 2600;

/// The entropy-coded data with byte stuffing removed, and where each restart segment starts.
pub struct Entropy {
    /// Unstuffed bytes followed by `PADDING` zeros.
    pub bytes: Vec<u8>,
    /// Start of each restart segment, in bytes of `bytes` (the first is 0); the last entry is the end.
    pub segments: Vec<usize>,
    /// The scan was followed by EOI (otherwise libjpeg-turbo warns, and we leave the file to it).
    pub eoi: bool,
}

/// Removes byte stuffing from the scan starting at `start`, splitting at restart markers. `None` when
/// the restart markers are out of order (libjpeg-turbo then resynchronises, which we leave to it).
pub fn unstuff(data: &[u8], start: usize) -> Option<Entropy> {
    let data = data.get(start..)?;
    let mut bytes = Vec::with_capacity(data.len() + PADDING);
    let mut segments = vec![0];
    let mut eoi = false;
    let mut i = 0;
    loop {
        // Copy up to the next 0xFF.
        let run_start = i;
        i = memchr::memchr(0xFF, &data[i..]).map_or(data.len(), |n| i + n);
        bytes.extend_from_slice(&data[run_start..i]);
        if i >= data.len() {
            break;
        }
        // data[i] == 0xFF: skip fill bytes, then look at what follows.
        let mut j = i + 1;
        while j < data.len() && data[j] == 0xFF {
            j += 1;
        }
        match data.get(j) {
            Some(0x00) => {
                bytes.push(0xFF);
                i = j + 1;
            }
            Some(&m @ 0xD0..=0xD7) => {
                let expected = 0xD0 + ((segments.len() - 1) % 8) as u8;
                if m != expected {
                    return None;
                }
                segments.push(bytes.len());
                i = j + 1;
            }
            // Any other marker ends this scan.
            m => {
                eoi = m == Some(&0xD9);
                break;
            }
        }
    }
    segments.push(bytes.len());
    bytes.resize(bytes.len() + PADDING, 0);
    Some(Entropy {
        bytes,
        segments,
        eoi,
    })
}

/// A segment decoded to `pos` of `end` bits left nothing but padding: libjpeg-turbo warns about
/// (and TurboJPEG fails on) any whole byte left over.
pub fn whole(pos: usize, end: usize) -> bool {
    pos <= end && end - pos < 8
}

/// One block of an MCU, in order: which component, with which tables.
#[derive(Clone, Copy)]
pub(super) struct Slot {
    pub(super) comp: usize,
    /// How many AC coefficients this block keeps: 0, `KEEP_2X2`, `KEEP_4X4`, `KEEP_5ROWS` or
    /// `KEEP_8X8`.
    pub(super) keep: usize,
}

/// The AC coefficients the 2x2 inverse DCT reads: rows and columns 0, 1, 3, 5, 7, DC excluded.
pub const KEEP_2X2: usize = 24;
/// Those of the 4x4 inverse DCT: rows and columns 0-3, 5-7, DC excluded.
pub const KEEP_4X4: usize = 48;
/// All of them, for the full-size inverse DCT (a 1/1 decode), in natural order with slot 0 left for
/// the DC: a block's records are then the inverse DCT's input as they lie (`idct8`).
pub const KEEP_8X8: usize = 64;
/// Those of the 5x5 inverse DCT (a 5/8 decode, the n/8 one taken): rows 0-4 in natural order (8 a
/// row, columns 5-7 left zero; slot 0 left for the DC). The records of a whole picture, which the
/// scan writes and the inverse DCTs read back through the caches, are then 5/8 the size of
/// `KEEP_8X8`'s (1.4 instead of 2.3 MB for a 1000 x 750 photo).
pub const KEEP_5ROWS: usize = 40;

/// How the scan is laid out, derived from the headers.
pub struct Layout {
    pub(super) slots: Vec<Slot>,
    /// The same blocks keeping nothing: an MCU outside the columns a run keeps.
    skip_slots: Vec<Slot>,
    pub(super) dc_tables: Vec<HuffTable>,
    pub(super) ac_tables: Vec<HuffTable>,
    pub mcus_x: usize,
    pub mcus_y: usize,
    pub restart_interval: usize,
    /// Blocks per MCU, and the AC coefficients an MCU keeps (all its blocks together).
    pub blocks: usize,
    pub ac_len: usize,
    /// Run the scan compiled with BMI2 (`run_bmi2`): the CPU has it, and the caller did not ask
    /// for the portable code (`portable`). Private, since `run` trusts it to call BMI2 code.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(super) bmi2: bool,
}

impl Layout {
    /// `keep[c]`: how many AC coefficients each block of component c keeps.
    pub fn new(h: &Headers, keep: &[usize]) -> Layout {
        let hmax = h.components.iter().map(|c| c.h).max().unwrap_or(1);
        let vmax = h.components.iter().map(|c| c.v).max().unwrap_or(1);
        let mut slots = Vec::new();
        let (mcus_x, mcus_y);
        if h.components.len() == 1 {
            // A single-component scan is not interleaved: one block per MCU, whatever its factors.
            mcus_x = h.width.div_ceil(8);
            mcus_y = h.height.div_ceil(8);
            slots.push(Slot {
                comp: 0,
                keep: keep[0],
            });
        } else {
            mcus_x = h.width.div_ceil(8 * hmax);
            mcus_y = h.height.div_ceil(8 * vmax);
            for (ci, c) in h.components.iter().enumerate() {
                for _ in 0..c.h * c.v {
                    slots.push(Slot {
                        comp: ci,
                        keep: keep[ci],
                    });
                }
            }
        }
        let table = |t: &Option<HuffTable>| t.clone().expect("checked by headers::read");
        Layout {
            dc_tables: h.components.iter().map(|c| table(&h.dc[c.td])).collect(),
            ac_tables: h.components.iter().map(|c| table(&h.ac[c.ta])).collect(),
            blocks: slots.len(),
            ac_len: slots.iter().map(|s| s.keep).sum(),
            skip_slots: slots.iter().map(|&s| Slot { keep: 0, ..s }).collect(),
            slots,
            mcus_x,
            mcus_y,
            restart_interval: h.restart_interval,
            #[cfg(target_arch = "x86_64")]
            bmi2: std::arch::is_x86_feature_detected!("bmi2"),
            #[cfg(not(target_arch = "x86_64"))]
            bmi2: false,
        }
    }

    /// Run the scan without BMI2 even where the CPU has it (`decode_scaled_scalar`, so the tests
    /// hold both builds to libjpeg-turbo).
    pub fn portable(&mut self) {
        self.bmi2 = false;
    }

    pub fn total_mcus(&self) -> usize {
        self.mcus_x * self.mcus_y
    }

    pub fn grid(&self) -> Grid {
        Grid {
            mcus_x: self.mcus_x,
            mcus_y: self.mcus_y,
            blocks: self.blocks,
            ac_len: self.ac_len,
        }
    }
}

/// The MCUs a picture is rendered from (the whole scan's, or a window of them): how many across
/// and down, and what each one's records hold.
#[derive(Clone, Copy)]
pub struct Grid {
    pub mcus_x: usize,
    pub mcus_y: usize,
    pub blocks: usize,
    pub ac_len: usize,
}

/// What a run of MCUs decoded: per MCU, `blocks` DC values (absolute, from this run's predictors)
/// and `ac_len` kept AC coefficients (each keeping block's set in turn, in `AC_SLOT_2X2` or `AC_SLOT_4X4` order).
#[derive(Default)]
pub struct Records {
    pub dc: Vec<i32>,
    pub ac: Vec<i16>,
    /// With `track`: the bit position where each MCU starts, and after the last the end position.
    pub starts: Vec<usize>,
    /// With `track`: the DC predictors at the start of each MCU.
    pub preds: Vec<[i32; 4]>,
}

impl Records {
    pub fn mcus(&self, layout: &Layout) -> usize {
        self.dc.len() / layout.blocks
    }

    /// Room for `mcus` MCUs, reserved by the thread that will own the records: a helper thread then
    /// fills memory from the caller's allocator heap rather than growing its own, whose pages would
    /// outlive it (mimalloc keeps a heap per thread).
    pub fn with_room(grid: Grid, mcus: usize) -> Records {
        Records {
            dc: Vec::with_capacity(mcus * grid.blocks),
            ac: Vec::with_capacity(mcus * grid.ac_len + AC_ROOM_PAST_END),
            starts: Vec::with_capacity(mcus + 1),
            preds: Vec::with_capacity(mcus),
        }
    }

    pub fn clear(&mut self) {
        self.dc.clear();
        self.ac.clear();
        self.starts.clear();
        self.preds.clear();
    }
}

/// Rows (and columns) of the coefficients an inverse DCT of each size reads.
pub const ROWS_2X2: [bool; 8] = [true, true, false, true, false, true, false, true];
pub const ROWS_4X4: [bool; 8] = [true, true, true, true, false, true, true, true];

/// Natural index -> slot in a kept AC set (row-major over the kept rows and columns, DC excluded),
/// or 255 for a coefficient the inverse DCT does not read.
const fn ac_slots(rows: [bool; 8]) -> [u8; 64] {
    let mut t = [255u8; 64];
    let mut n = 0;
    let mut i = 1;
    while i < 64 {
        if rows[i / 8] && rows[i % 8] {
            t[i] = n;
            n += 1;
        }
        i += 1;
    }
    t
}

pub const AC_SLOT_2X2: [u8; 64] = ac_slots(ROWS_2X2);
pub const AC_SLOT_4X4: [u8; 64] = ac_slots(ROWS_4X4);

/// Position k (up to 79: corrupt data can run past 63, and libjpeg-turbo then writes coefficient
/// 63; 128 and more after an EOB, see `huffman::EOB_RUN`) -> slot in a kept AC set of `n`, or `n`
/// for the coefficients it ignores.
const fn zigzag_slots(ac_slot: [u8; 64], n: usize) -> [u8; 256] {
    let mut t = [n as u8; 256];
    let mut k = 1;
    while k < 80 {
        let nat = if k < 64 { NATURAL[k] } else { 63 };
        if ac_slot[nat] != 255 {
            t[k] = ac_slot[nat];
        }
        k += 1;
    }
    t
}

const ZIGZAG_2X2: [u8; 256] = zigzag_slots(AC_SLOT_2X2, KEEP_2X2);
const ZIGZAG_4X4: [u8; 256] = zigzag_slots(AC_SLOT_4X4, KEEP_4X4);
/// Every AC coefficient at its natural index (slot 0, the DC's, is never written).
const ZIGZAG_8X8: [u8; 256] = {
    let mut t = [KEEP_8X8 as u8; 256];
    let mut k = 1;
    while k < 80 {
        t[k] = if k < 64 { NATURAL[k] as u8 } else { 63 };
        k += 1;
    }
    t
};

/// Rows 0-4 and columns 0-4 at their natural index, the rest at `KEEP_5ROWS` (ignored).
const ZIGZAG_5ROWS: [u8; 256] = {
    let mut t = [KEEP_5ROWS as u8; 256];
    let mut k = 1;
    while k < 80 {
        let nat = if k < 64 { NATURAL[k] } else { 63 };
        if nat / 8 < 5 && nat % 8 < 5 {
            t[k] = nat as u8;
        }
        k += 1;
    }
    t
};

/// A big-endian bit reader over the unstuffed bytes that refills without branches (at least 56 bits
/// after `refill`); the padding after the data keeps its 8-byte reads in bounds. It is `Copy` so the
/// cold paths take it by value: a reader whose address escaped into a call would live on the stack,
/// and every lookup would wait for its own store to be forwarded.
#[derive(Clone, Copy)]
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pub(super) buf: u64,
    count: u32,
    next: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn at(bytes: &'a [u8], pos: usize) -> Reader<'a> {
        let mut r = Reader {
            bytes,
            buf: 0,
            count: 0,
            next: pos / 8,
        };
        r.refill();
        r.consume((pos % 8) as u32);
        r
    }

    #[inline(always)]
    pub(super) fn refill(&mut self) {
        refill(self.bytes, &mut self.buf, &mut self.count, &mut self.next);
    }

    #[inline(always)]
    pub(super) fn consume(&mut self, n: u32) {
        debug_assert!(n <= self.count, "consumed {n} of {} bits", self.count);
        self.buf <<= n;
        self.count -= n;
    }

    /// The reader of `bytes` whose state `parts` gave.
    pub(super) fn from_parts(bytes: &'a [u8], (buf, count, next): (u64, u32, usize)) -> Reader<'a> {
        Reader {
            bytes,
            buf,
            count,
            next,
        }
    }

    /// The bits held, how many, and the next byte to read.
    pub(super) fn parts(&self) -> (u64, u32, usize) {
        (self.buf, self.count, self.next)
    }

    pub(super) fn pos(&self) -> usize {
        self.next * 8 - self.count as usize
    }
}

/// A reader's refill on its parts (`Reader::parts`), for decoders that share one `bytes`.
#[inline(always)]
pub(super) fn refill(bytes: &[u8], buf: &mut u64, count: &mut u32, next: &mut usize) {
    let w = u64::from_be_bytes(bytes[*next..*next + 8].try_into().unwrap());
    *buf |= w >> *count;
    *next += ((63 - *count) >> 3) as usize;
    *count |= 56;
}

/// libjpeg's HUFF_EXTEND: `size` raw bits to a signed value (0 for size 0), without a branch: the
/// sign of a difference is as good as a coin toss, so a branch would be mispredicted half the time.
#[inline(always)]
pub(super) fn extend(raw: i32, size: u32) -> i32 {
    let half = (1i32 << size) >> 1;
    raw - (((raw - half) >> 31) & ((1i32 << size) - 1))
}

/// The `size` bits after the first `skip` bits of `buf` (0 for size 0), without a branch.
#[inline(always)]
fn bits_after(buf: u64, skip: u32, size: u32) -> i32 {
    (((buf << skip) >> 1) >> (63 - size)) as i32
}

/// Decodes one symbol: (code length, symbol), or None for a code no table has.
#[inline(always)]
fn symbol(t: &HuffTable, bits: u64) -> Option<(u32, u8)> {
    let e = t.fast[(bits >> (64 - LOOKUP_BITS)) as usize];
    if e != 0 {
        Some(((e >> 8) as u32, e as u8))
    } else {
        t.slow(bits)
    }
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Decoded the MCUs asked for.
    Done,
    /// Passed the end of the data, or met a code no table has, at this bit position.
    Broken(usize),
}

/// Where a run of MCUs is: bit position and DC predictors.
#[derive(Clone, Copy, Debug, Default)]
pub struct State {
    pub pos: usize,
    pub pred: [i32; 4],
}

/// When a run stops: after `count` MCUs, or before an MCU that would start at or past `stop_at`;
/// an MCU that would end past `end` (bits) is not kept. `track` records each MCU's start. `cols`:
/// the MCU columns whose records are kept (`ALL_COLUMNS`, or a window for a run that starts at the
/// first MCU of a row); the other MCUs are decoded only for their DC predictors, keeping nothing.
#[derive(Clone, Copy, Debug)]
pub struct Until {
    pub end: usize,
    pub count: usize,
    pub stop_at: usize,
    pub track: bool,
    pub cols: (usize, usize),
}

pub const ALL_COLUMNS: (usize, usize) = (0, usize::MAX);

/// Decodes MCUs from `state`, appending to `out`, and says how the run ended.
pub fn run(
    layout: &Layout,
    bytes: &[u8],
    state: &mut State,
    until: Until,
    out: &mut Records,
) -> RunEnd {
    #[cfg(target_arch = "x86_64")]
    if layout.bmi2 {
        // SAFETY: `Layout::new` found BMI2 on this CPU before setting the flag.
        return unsafe { run_bmi2(layout, bytes, state, until, out) };
    }
    run_any(layout, bytes, state, until, out)
}

/// `run_any` compiled with BMI2: the bit reader's variable shifts become SHLX/SHRX, one micro-op
/// each instead of three (SHL by CL also updates the flags), on the dependent chain of every lookup.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2")]
unsafe fn run_bmi2(
    layout: &Layout,
    bytes: &[u8],
    state: &mut State,
    until: Until,
    out: &mut Records,
) -> RunEnd {
    run_any(layout, bytes, state, until, out)
}

#[inline(always)]
fn run_any(
    layout: &Layout,
    bytes: &[u8],
    state: &mut State,
    until: Until,
    out: &mut Records,
) -> RunEnd {
    // Compiled twice, so the whole-picture decode pays nothing for windows.
    if until.cols == ALL_COLUMNS {
        run_mcus::<false>(layout, bytes, state, until, out)
    } else {
        run_mcus::<true>(layout, bytes, state, until, out)
    }
}

#[inline(always)]
fn run_mcus<const WINDOW: bool>(
    layout: &Layout,
    bytes: &[u8],
    state: &mut State,
    until: Until,
    out: &mut Records,
) -> RunEnd {
    let Until {
        end,
        count,
        stop_at,
        track,
        cols,
    } = until;
    let mut column = 0;
    let mut pred = state.pred;
    let mut r = Reader::at(bytes, state.pos);
    // A window's records are a part of the MCUs, in room its caller made.
    if count != usize::MAX && !WINDOW {
        out.dc.reserve(count * layout.blocks);
        out.ac.reserve(count * layout.ac_len + AC_ROOM_PAST_END);
    }
    for _ in 0..count {
        let pos = r.pos();
        if pos >= stop_at {
            break;
        }
        if track {
            out.starts.push(pos);
            out.preds.push(pred);
        }
        let dc_mark = out.dc.len();
        let ac_mark = out.ac.len();
        let kept = !WINDOW || (cols.0..cols.1).contains(&column);
        if WINDOW {
            column += 1;
            if column == layout.mcus_x {
                column = 0;
            }
        }
        let slots = if kept {
            &layout.slots
        } else {
            &layout.skip_slots
        };
        for slot in slots {
            // DC: a category, then that many bits of difference.
            r.refill();
            let Some(diff) = dc_diff(&mut r, &layout.dc_tables[slot.comp]) else {
                return broken(out, track, dc_mark, ac_mark, r.pos());
            };
            let p = &mut pred[slot.comp];
            *p = p.wrapping_add(diff);
            if kept {
                out.dc.push(*p);
            }
            let table = &layout.ac_tables[slot.comp];
            let ok = match slot.keep {
                0 => skip_block(&mut r, table),
                KEEP_2X2 => keep::<{ KEEP_2X2 + 1 }>(&mut r, table, &ZIGZAG_2X2, &mut out.ac),
                KEEP_4X4 => keep::<{ KEEP_4X4 + 1 }>(&mut r, table, &ZIGZAG_4X4, &mut out.ac),
                KEEP_5ROWS => keep::<{ KEEP_5ROWS + 1 }>(&mut r, table, &ZIGZAG_5ROWS, &mut out.ac),
                _ => keep::<{ KEEP_8X8 + 1 }>(&mut r, table, &ZIGZAG_8X8, &mut out.ac),
            };
            if !ok {
                return broken(out, track, dc_mark, ac_mark, r.pos());
            }
        }
        if r.pos() > end {
            return broken(out, track, dc_mark, ac_mark, r.pos());
        }
    }
    let pos = r.pos();
    if track {
        out.starts.push(pos);
    }
    *state = State { pos, pred };
    RunEnd::Done
}

/// Decodes a DC difference (a size category, then that many bits); None on a code no table has.
#[inline(always)]
pub(super) fn dc_diff(r: &mut Reader, table: &HuffTable) -> Option<i32> {
    let e = table.values[(r.buf >> (64 - LOOKUP_BITS)) as usize];
    if e != 0 {
        r.consume(e & 0xFF);
        return Some((e >> 16) as i16 as i32);
    }
    let (len, size) = symbol(table, r.buf)?;
    let size = size as u32;
    let diff = extend(bits_after(r.buf, len, size), size);
    r.consume(len + size);
    Some(diff)
}

/// Skips one block's AC coefficients; false on a code no table has.
#[inline(always)]
pub(super) fn skip_block(r: &mut Reader, table: &HuffTable) -> bool {
    let runs: &[u32; 1 << RUN_BITS] = table.runs().try_into().expect("an AC table");
    let mut k = 1u32;
    // `RUNS_PER_REFILL` lookups per refill: each entry consumes at most 56 / RUNS_PER_REFILL bits
    // (the slow path refills before and after its code).
    loop {
        r.refill();
        for _ in 0..RUNS_PER_REFILL {
            let e = runs[(r.buf >> (64 - RUN_BITS)) as usize];
            if e == 0 {
                let more;
                (*r, k, more) = skip_slow(*r, table, k);
                if !more {
                    return k != BAD;
                }
                continue;
            }
            let all = k + run_all(e);
            if all < 64 {
                r.consume(run_bits(e));
                k = all;
                continue;
            }
            // The block ends in this window: at its last symbol (usually an EOB), or earlier (a
            // last coefficient coded without an EOB, the next block's codes after it).
            if k + run_before_last(e) < 64 {
                r.consume(run_bits(e));
                return true;
            }
            let ok;
            (*r, ok) = skip_careful(*r, table, k);
            return ok;
        }
    }
}

/// The end of a block one symbol at a time, when a window holds codes past it.
#[cold]
#[inline(never)]
pub(super) fn skip_careful<'a>(
    mut r: Reader<'a>,
    table: &HuffTable,
    mut k: u32,
) -> (Reader<'a>, bool) {
    while k < 64 {
        r.refill();
        let e = table.skip[(r.buf >> (64 - LOOKUP_BITS)) as usize];
        if e == 0 {
            (r, k, _) = skip_slow(r, table, k);
            continue;
        }
        r.consume((e >> 8) as u32);
        k += (e & 0xFF) as u32;
    }
    (r, k != BAD)
}

/// The slot past a run's kept coefficients that `keep` writes (the ignored coefficients' slot of its
/// last block). Room made for a run without it made that block's `reserve` grow the vector, a copy
/// of all the run's coefficients (0.85% of the small resize, in `realloc`).
pub const AC_ROOM_PAST_END: usize = 1;

/// Decodes one block's AC coefficients, appending the `N - 1` an inverse DCT reads (`zigzag` maps a
/// position to its slot, `N - 1` for the rest); false on a code no table has.
#[inline(always)]
fn keep<const N: usize>(
    r: &mut Reader,
    table: &HuffTable,
    zigzag: &[u8; 256],
    out: &mut Vec<i16>,
) -> bool {
    let values: &[u32; 1 << LOOKUP_BITS] = table.values[..].try_into().expect("an AC table");
    // Written in place, in the records' room (no copy after): N slots zeroed, the last one the
    // ignored coefficients' (left as room past the length, the next block's first slot).
    out.reserve(N);
    let len = out.len();
    let kept: &mut [MaybeUninit<i16>; N] = (&mut out.spare_capacity_mut()[..N])
        .try_into()
        .expect("N slots reserved");
    for slot in kept.iter_mut() {
        slot.write(0);
    }
    let mut k = 1usize;
    'block: while k < 64 {
        r.refill();
        // Most symbols, EOB and ZRL included: code and value in one lookup of at most
        // LOOKUP_BITS, so several fit in one refill.
        for _ in 0..VALUES_PER_REFILL {
            let e = values[(r.buf >> (64 - LOOKUP_BITS)) as usize];
            if e == 0 {
                // A longer code, or a value whose extra bits run past the lookup.
                r.refill();
                let Some((len, sym)) = symbol(table, r.buf) else {
                    return false;
                };
                let (run, s) = ((sym >> 4) as usize, (sym & 15) as u32);
                if s == 0 {
                    r.consume(len);
                    if run != 15 {
                        break 'block;
                    }
                    k += 16;
                    continue 'block;
                }
                k += run;
                let v = extend(bits_after(r.buf, len, s), s);
                r.consume(len + s);
                kept[zigzag[k] as usize].write(v as i16);
                k += 1;
                continue 'block;
            }
            r.consume(e & 0xFF);
            k += ((e >> 8) & 0xFF) as usize;
            kept[zigzag[k & 255] as usize].write((e >> 16) as i16);
            k += 1;
            if k >= 64 {
                break 'block;
            }
        }
    }
    // SAFETY: the N - 1 slots past `len` were zeroed above (and some then written).
    unsafe { out.set_len(len + N - 1) };
    true
}

/// Whole-value lookups per refill of `keep`: each takes at most `LOOKUP_BITS` of the 56 bits.
const VALUES_PER_REFILL: u32 = 56 / LOOKUP_BITS;

/// `k` after a code no table has.
pub(super) const BAD: u32 = u32::MAX;

/// A code longer than the lookup window (or none at all). It may take 31 bits, so it refills again
/// after: the fast lookups that may follow it before the loop's next refill need up to 36.
#[cold]
#[inline(never)]
pub(super) fn skip_slow<'a>(
    mut r: Reader<'a>,
    table: &HuffTable,
    k: u32,
) -> (Reader<'a>, u32, bool) {
    r.refill();
    // Usually a short code whose extra bits make it too long for a `runs` entry: the one-symbol
    // lookup.
    let e = table.skip[(r.buf >> (64 - LOOKUP_BITS)) as usize];
    let (bits, step) = if e != 0 {
        ((e >> 8) as u32, (e & 0xFF) as u32)
    } else {
        let Some((len, sym)) = table.slow(r.buf) else {
            return (r, BAD, false);
        };
        (len + (sym & 15) as u32, advance(sym))
    };
    r.consume(bits);
    r.refill();
    let k = k + step;
    (r, k, k < 64)
}

/// Drops the partly decoded MCU and reports where decoding broke.
/// `state` is left where the run began: a broken run is not continued.
fn broken(out: &mut Records, track: bool, dc: usize, ac: usize, pos: usize) -> RunEnd {
    out.dc.truncate(dc);
    out.ac.truncate(ac);
    if track {
        // The MCU's start stays as the end position of the last whole MCU.
        out.preds.pop();
    }
    RunEnd::Broken(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs (value, bit count) pairs big-endian, followed by the padding a scan has.
    fn bits(fields: &[(u32, u32)]) -> (Vec<u8>, usize) {
        let (mut out, mut acc, mut n, mut total) = (Vec::new(), 0u64, 0u32, 0usize);
        for &(v, len) in fields {
            acc = (acc << len) | v as u64;
            n += len;
            total += len as usize;
            while n >= 8 {
                out.push((acc >> (n - 8)) as u8);
                n -= 8;
            }
        }
        if n > 0 {
            out.push((acc << (8 - n)) as u8);
        }
        out.resize(out.len() + PADDING, 0);
        (out, total)
    }

    #[test]
    fn long_codes_between_window_lookups_do_not_run_out_of_bits() {
        // ZRL "00", EOB "010", run 0 size 15 as a 10-bit code, run 1 size 15 as a 16-bit code: a
        // 31-bit symbol on the slow path, then a ZRL, a 25-bit symbol (too long for the window:
        // the slow path again) and the EOB, all within one refill of the loop.
        let mut counts = [0u8; 16];
        counts[1] = 1;
        counts[2] = 1;
        counts[9] = 1;
        counts[15] = 1;
        let table = HuffTable::new(&counts, &[0xF0, 0x00, 0x0F, 0x1F], false).unwrap();
        let (bytes, total) = bits(&[
            (0b0110_0000_0100_0000, 16),
            (0x5555, 15),
            (0b00, 2),
            (0b01_1000_0000, 10),
            (0x2AAA, 15),
            (0b010, 3),
        ]);
        let mut r = Reader::at(&bytes, 0);
        assert!(skip_block(&mut r, &table));
        assert_eq!(r.pos(), total);
    }
}
