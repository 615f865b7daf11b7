//! One core decoding both halves of a scan at once. Every table lookup of the entropy decode needs
//! the bits the lookup before it left, so one decoder is a single chain of dependent loads and the
//! core spends most of its time waiting on it; two decoders stepped in turn in one loop are two
//! independent chains, which the core overlaps. The halves are those of `split::speculative` (the
//! second starts at the middle byte and records where each of its MCUs starts; the join checks it),
//! so the picture is the same bytes as from one decoder.
//!
//! Only for scans whose blocks keep nothing but their DC coefficient (1/8 scale of grey or 4:4:4,
//! or of 4:2:0 as planes: most thumbnails). There each step is one lookup in one table per class of
//! block: the block's DC difference, or as many of its AC codes as fit (`HuffTable::runs`), the choice
//! made without a branch, so the end of a block (where a decoder's loop usually mispredicts) costs
//! nothing. A step writes the DC difference to a small array, made absolute at the MCU's end, so it
//! has no predictor to update. The rare rest takes the one-decoder code: a DC or an AC code that the
//! window cannot take (that code alone), a block that ends before the window's last code (the rest
//! of the block).

use std::hint::select_unpredictable;

use super::huffman::{
    run_all, run_before_last, run_bits, HuffTable, LOOKUP_BITS, RUNS_PER_REFILL, RUN_BITS,
};
use super::scan::{self, extend, Entropy, Layout, Reader, Records, RunEnd, State, Until};

/// A class's entries: `1 << RUN_BITS` AC entries, then as many DC entries (`DC`).
const CLASS_SHIFT: u32 = RUN_BITS + 1;
const DC: u32 = 1 << RUN_BITS;
const MAX_CLASSES: usize = 4;
const ENTRIES: usize = MAX_CLASSES << CLASS_SHIFT;
/// Blocks per MCU at most (`scan` allows 10).
const MAX_BLOCKS: usize = 16;
/// Where `Hot::at` has k (7 bits, then a 0) and the block number.
const K: u32 = 16;
const SLOT: u32 = 24;

// An entry: bits 0-5 the bits it consumes (a shift uses only those: no mask), bit 6 `END` (the
// block ends with its last code), bits 8-13 a k advance (`CHECK`), bits 16-31 a DC difference (0
// in an AC entry). 0: no entry (a long code), the one-decoder code takes that code.
const END: u32 = 1 << 6;
/// k plus an entry's bits 8-13 reaching 64 sends the block to the one-decoder code. An AC entry
/// that does not end its block has its k advance there (so reaching 64 means the block ended
/// inside it, without an EOB); one that ends it, the advance before its last code (so reaching 64
/// means the block ended before that code: the next block's codes are in the window). A DC entry
/// has 0 (k is 1 from the end of the block before).
const CHECK: u32 = 8;

/// The second half gives up after this many false starts, as `split`'s second thread does.
const MAX_RESTARTS: usize = 64;

/// The lookups of a scan's classes of block (blocks with the same DC and AC tables), and what each
/// block of an MCU needs.
pub struct Tables {
    entries: Box<[u32; ENTRIES]>,
    /// Per block of an MCU: the lane's `at` when the block ends (see `Hot::at`).
    next: [u32; MAX_BLOCKS],
    /// Per block: its component.
    comp: [u8; MAX_BLOCKS],
    blocks: u32,
}

impl Tables {
    /// `None` unless every block keeps only its DC, with at most four classes.
    pub fn new(layout: &Layout) -> Option<Tables> {
        let blocks = layout.blocks;
        if blocks > MAX_BLOCKS || layout.slots.iter().any(|s| s.keep != 0) {
            return None;
        }
        let (dc, ac) = (&layout.dc_tables, &layout.ac_tables);
        // A representative component of each class, and each block's class.
        let mut reps: Vec<usize> = Vec::new();
        let mut class = [0usize; MAX_BLOCKS];
        let mut comp = [0u8; MAX_BLOCKS];
        for (i, s) in layout.slots.iter().enumerate() {
            let same = |&r: &usize| dc[r].same_codes(&dc[s.comp]) && ac[r].same_codes(&ac[s.comp]);
            class[i] = reps.iter().position(same).unwrap_or_else(|| {
                reps.push(s.comp);
                reps.len() - 1
            });
            comp[i] = s.comp as u8;
        }
        if reps.len() > MAX_CLASSES {
            return None;
        }
        let mut entries: Box<[u32; ENTRIES]> =
            vec![0u32; ENTRIES].into_boxed_slice().try_into().ok()?;
        let size = 1usize << RUN_BITS;
        for (c, &r) in reps.iter().enumerate() {
            let at = c << CLASS_SHIFT;
            for (e, &run) in entries[at..at + size].iter_mut().zip(ac[r].runs().iter()) {
                *e = ac_entry(run);
            }
            for (i, e) in entries[at + size..at + 2 * size].iter_mut().enumerate() {
                *e = dc_entry(&dc[r], i as u32);
            }
        }
        // The last block's next is the first block's DC with block number `blocks`: the end of
        // the MCU, where `end_of_mcu` sets it to 0.
        let mut next = [0u32; MAX_BLOCKS];
        for (i, n) in next.iter_mut().enumerate().take(blocks) {
            *n = ((class[(i + 1) % blocks] as u32) << CLASS_SHIFT)
                | DC
                | 1 << K
                | ((i as u32 + 1) << SLOT);
        }
        Some(Tables {
            entries,
            next,
            comp,
            blocks: blocks as u32,
        })
    }
}

/// The entry of a `HuffTable::runs` entry.
fn ac_entry(run: u32) -> u32 {
    if run == 0 {
        return 0;
    }
    // The advance is capped at 63: from k = 1 that is the block's end (an EOB is 64).
    if run_all(run) >= 63 {
        run_bits(run) | END | run_before_last(run) << CHECK
    } else {
        run_bits(run) | run_all(run) << CHECK
    }
}

/// The DC entry for the `RUN_BITS` bits `w`, or 0 when the code and its extra bits do not fit.
fn dc_entry(t: &HuffTable, w: u32) -> u32 {
    let bits = (w as u64) << (64 - RUN_BITS);
    let top = t.fast[(bits >> (64 - LOOKUP_BITS)) as usize];
    let (len, size) = if top != 0 {
        ((top >> 8) as u32, (top & 0xFF) as u32)
    } else {
        match t.slow(bits) {
            Some((len, sym)) => (len, sym as u32),
            None => return 0,
        }
    };
    if len + size > RUN_BITS {
        return 0;
    }
    let raw = (w >> (RUN_BITS - len - size)) & ((1 << size) - 1);
    let diff = extend(raw as i32, size);
    (diff as i16 as u16 as u32) << 16 | (len + size)
}

/// The part of a lane each step reads and writes, kept apart so that it stays in registers.
#[derive(Clone, Copy)]
struct Hot {
    /// The bit reader's bits and how many (`scan::Reader::parts`).
    buf: u64,
    count: u32,
    /// Where the lane is: the base of the current block's entries (its class, and `DC` before its
    /// DC), from bit `K` the position k in the block (1 after its DC), from bit `SLOT` which block
    /// of the MCU it is. One value, so that a step's k advance is one add (whose bit `K + 6` says
    /// k reached 64) and a block's end moves all three with one select of a `Tables::next` entry.
    at: u32,
}

impl Hot {
    fn slot(&self) -> usize {
        (self.at >> SLOT) as usize & (MAX_BLOCKS - 1)
    }

    fn k(&self) -> u32 {
        (self.at >> K) & 0x7F
    }

    fn set_k(&mut self, k: u32) {
        self.at = (self.at & !(0x7F << K)) | k << K;
    }
}

/// One of the two decoders.
struct Lane {
    hot: Hot,
    /// The next byte the reader reads.
    next: usize,
    /// The current MCU's DC differences, made absolute and moved to the records at its end.
    mcu: [i32; MAX_BLOCKS],
    /// The DC predictors (at the start of the current MCU), and with `TRACK` those at the start of
    /// each MCU.
    pred: [i32; 4],
    preds: Vec<[i32; 4]>,
    mcus: usize,
    /// The lane stops at the end of an MCU that ends at or past this bit position, or that is
    /// this many MCUs.
    until_pos: usize,
    until_mcus: usize,
    /// It met a code no table has (at `pos`).
    bad: bool,
}

impl Lane {
    /// A lane at the start of an MCU.
    fn at(w: &Shared, state: State, until_pos: usize, until_mcus: usize) -> Lane {
        let (buf, count, next) = Reader::at(w.bytes, state.pos).parts();
        let t = w.t;
        Lane {
            hot: Hot {
                buf,
                count,
                at: t.next[t.blocks as usize - 1] & !(u32::MAX << SLOT),
            },
            next,
            mcu: [0; MAX_BLOCKS],
            pred: state.pred,
            preds: vec![state.pred],
            mcus: 0,
            until_pos,
            until_mcus,
            bad: false,
        }
    }
}

fn pos(h: &Hot, l: &Lane) -> usize {
    l.next * 8 - h.count as usize
}

#[inline(always)]
fn refill(h: &mut Hot, l: &mut Lane, bytes: &[u8]) {
    scan::refill(bytes, &mut h.buf, &mut h.count, &mut l.next);
}

/// One lookup; true when the lane stopped (at one of its limits, or a bad code). At the end of
/// each MCU its DC differences go to `dc`, and with `TRACK` where the next one starts to `starts`.
#[inline(always)]
fn step<const TRACK: bool>(
    h: &mut Hot,
    l: &mut Lane,
    w: &Shared,
    dc: &mut Vec<i32>,
    starts: &mut Vec<usize>,
) -> bool {
    let t = w.t;
    let e = w.entries[(h.at as usize | (h.buf >> (64 - RUN_BITS)) as usize) & (ENTRIES - 1)];
    let at = h.at + ((e & (0x3F << CHECK)) << (K - CHECK));
    if (e == 0) | (at & (64 << K) != 0) {
        let stopped;
        (*h, stopped) = rest_of_block::<TRACK>(*h, e == 0, l, w, dc, starts);
        return stopped;
    }
    h.buf <<= e & 63;
    h.count -= e & 63;
    let slot = h.slot();
    l.mcu[slot] |= (e as i32) >> 16;
    let end = e & END != 0;
    h.at = select_unpredictable(end, t.next[slot], at & !DC);
    h.at >> SLOT == t.blocks && end_of_mcu::<TRACK>(h, l, t, dc, starts)
}

/// The MCU ended: its DC differences go to `dc`; true when at a limit.
#[inline(always)]
fn end_of_mcu<const TRACK: bool>(
    h: &mut Hot,
    l: &mut Lane,
    t: &Tables,
    dc: &mut Vec<i32>,
    starts: &mut Vec<usize>,
) -> bool {
    // The DC values, absolute; the whole array is copied (a copy of a known size is a few vector
    // moves, of `blocks` a call), then cut to this MCU's blocks.
    let at = dc.len();
    let mut mcu = l.mcu;
    for (v, &c) in mcu.iter_mut().zip(&t.comp).take(t.blocks as usize) {
        let p = &mut l.pred[c as usize & 3];
        *p = p.wrapping_add(*v);
        *v = *p;
    }
    dc.extend_from_slice(&mcu);
    dc.truncate(at + t.blocks as usize);
    l.mcu = [0; MAX_BLOCKS];
    h.at &= !(u32::MAX << SLOT);
    l.mcus += 1;
    let pos = pos(h, l);
    if TRACK {
        starts.push(pos);
        l.preds.push(l.pred);
    }
    (pos >= l.until_pos) | (l.mcus >= l.until_mcus)
}

/// What a lookup could not do, with the one-decoder code: a DC whose code and extra bits pass the
/// window, one long AC code (`long`), or a block whose end lies inside the window (the rest of the
/// block, one code at a time).
#[cold]
#[inline(never)]
fn rest_of_block<const TRACK: bool>(
    mut h: Hot,
    long: bool,
    l: &mut Lane,
    w: &Shared,
    dc: &mut Vec<i32>,
    starts: &mut Vec<usize>,
) -> (Hot, bool) {
    let (t, layout) = (w.t, w.layout);
    let slot = h.slot();
    let comp = t.comp[slot] as usize;
    let ac = &layout.ac_tables[comp];
    let mut r = Reader::from_parts(w.bytes, (h.buf, h.count, l.next));
    r.refill();
    // Whether the block goes on in the lane.
    let mut more = false;
    let ok = if h.at & DC != 0 {
        let diff = scan::dc_diff(&mut r, &layout.dc_tables[comp]);
        l.mcu[slot] = diff.unwrap_or(0);
        more = true;
        diff.is_some()
    } else if long {
        let k;
        (r, k, more) = scan::skip_slow(r, ac, h.k());
        h.set_k(k & 0x7F);
        k != scan::BAD
    } else {
        let ok;
        (r, ok) = scan::skip_careful(r, ac, h.k());
        ok
    };
    r.refill();
    (h.buf, h.count, l.next) = r.parts();
    if !ok {
        l.bad = true;
        return (h, true);
    }
    if more {
        if h.at & DC != 0 {
            h.set_k(1);
            h.at &= !DC;
        }
        return (h, false);
    }
    h.at = t.next[slot];
    let stopped = h.at >> SLOT == t.blocks && end_of_mcu::<TRACK>(&mut h, l, t, dc, starts);
    (h, stopped)
}

/// Which lane stopped.
enum Stopped {
    First,
    Second,
}

/// What both lanes read.
#[derive(Clone, Copy)]
struct Shared<'a> {
    bytes: &'a [u8],
    entries: &'a [u32; ENTRIES],
    t: &'a Tables,
    layout: &'a Layout,
}

/// The two lanes and what they write.
struct Work<'a> {
    shared: Shared<'a>,
    a: Lane,
    b: Lane,
    a_dc: Vec<i32>,
    b_dc: Vec<i32>,
    b_starts: Vec<usize>,
}

/// Steps the lanes that still run (`running`: first, second) in turn until one stops. Each step
/// takes at most `RUNS_PER_REFILL`'s share of a refill (an AC entry 18 bits, a DC entry 12; the
/// one-decoder code refills after itself).
#[inline(always)]
fn until_one_stops_any(w: &mut Work, running: (bool, bool)) -> Stopped {
    let Work {
        shared,
        a,
        b,
        a_dc,
        b_dc,
        b_starts,
    } = w;
    let bytes = shared.bytes;
    let none = &mut Vec::new();
    // The hot parts in locals, so they live in registers.
    let (mut x, mut y) = (a.hot, b.hot);
    // `RUNS_PER_REFILL` steps per refill, written out: a loop counter would take a register.
    const _: () = assert!(RUNS_PER_REFILL == 3);
    macro_rules! three {
        ($body:block) => {
            $body
            $body
            $body
        };
    }
    let stopped = match running {
        (true, true) => 'run: loop {
            refill(&mut x, a, bytes);
            refill(&mut y, b, bytes);
            three!({
                if step::<false>(&mut x, a, shared, a_dc, none) {
                    break 'run Stopped::First;
                }
                if step::<true>(&mut y, b, shared, b_dc, b_starts) {
                    break 'run Stopped::Second;
                }
            });
        },
        (true, false) => 'run: loop {
            refill(&mut x, a, bytes);
            three!({
                if step::<false>(&mut x, a, shared, a_dc, none) {
                    break 'run Stopped::First;
                }
            });
        },
        _ => 'run: loop {
            refill(&mut y, b, bytes);
            three!({
                if step::<true>(&mut y, b, shared, b_dc, b_starts) {
                    break 'run Stopped::Second;
                }
            });
        },
    };
    (a.hot, b.hot) = (x, y);
    stopped
}

/// `until_one_stops_any` compiled with BMI2 (see `scan::run_bmi2`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2")]
unsafe fn until_one_stops_bmi2(w: &mut Work, running: (bool, bool)) -> Stopped {
    until_one_stops_any(w, running)
}

fn until_one_stops(w: &mut Work, running: (bool, bool)) -> Stopped {
    #[cfg(target_arch = "x86_64")]
    if w.shared.layout.bmi2 {
        // SAFETY: `Layout::new` found BMI2 on this CPU before setting the flag.
        return unsafe { until_one_stops_bmi2(w, running) };
    }
    until_one_stops_any(w, running)
}

/// What `split::speculative`'s two threads produce, on one core: the first half, from `state` as
/// `until` says (it stops at the middle), into `first`; the second, from byte `middle` to the end
/// with its MCU starts, into `second`. Returns how the first half's run ended.
#[allow(clippy::too_many_arguments)]
pub fn halves(
    layout: &Layout,
    t: &Tables,
    entropy: &Entropy,
    middle: usize,
    until: Until,
    state: &mut State,
    first: &mut Records,
    second: &mut Records,
) -> RunEnd {
    let bytes = &entropy.bytes[..];
    let total = layout.total_mcus();
    let (blocks, end) = (layout.blocks, until.end);
    let count = until.count.min(total);
    let shared = Shared {
        bytes,
        entries: &t.entries,
        t,
        layout,
    };
    let b_lane = |start: usize| {
        let from = State {
            pos: start * 8,
            pred: [0; 4],
        };
        let mut lane = Lane::at(&shared, from, end + 1, total);
        // It records the predictors at each MCU's start. About half the MCUs, but the middle
        // byte need not be the middle MCU; room for all (pages never written take no memory)
        // spares a copy of the records when they grow.
        lane.preds.reserve(total + 1);
        lane
    };
    let mut w = Work {
        shared,
        a: Lane::at(&shared, *state, until.stop_at.min(end + 1), count),
        b: b_lane(middle),
        // Room for one more MCU than kept (`end_of_mcu` copies a whole array).
        a_dc: Vec::with_capacity((count + 1) * blocks + MAX_BLOCKS),
        // Room for all, as for the predictors.
        b_dc: Vec::with_capacity((total + 1) * blocks + MAX_BLOCKS),
        b_starts: Vec::with_capacity(total + 2),
    };
    w.b_starts.push(middle * 8);
    let mut running = (true, true);
    let mut restarts = 0;
    while running != (false, false) {
        match until_one_stops(&mut w, running) {
            Stopped::First => {
                running.0 = false;
                if w.a.bad || pos(&w.a.hot, &w.a) > end {
                    break;
                }
            }
            Stopped::Second => {
                let b = &mut w.b;
                let pos = pos(&b.hot, b);
                if !b.bad && pos > end {
                    // The MCU that ran past the end is not kept.
                    b.mcus -= 1;
                }
                // Stopped after `total` MCUs (more could only be out of step), or, as a decoder in
                // step does, in the final byte's padding or by passing the end.
                if (!b.bad && pos <= end) || pos + 8 >= end {
                    running.1 = false;
                    continue;
                }
                restarts += 1;
                if restarts == MAX_RESTARTS {
                    running.1 = false;
                    b.mcus = 0;
                    continue;
                }
                // Out of step: again from the next byte.
                w.b_dc.clear();
                w.b_starts.clear();
                w.b = b_lane(pos / 8 + 1);
                w.b_starts.push((pos / 8 + 1) * 8);
            }
        }
    }
    // The second half's records.
    let mut preds = std::mem::take(&mut w.b.preds);
    let (b, mut b_dc, mut b_starts) = (&w.b, w.b_dc, w.b_starts);
    b_dc.truncate(b.mcus * blocks);
    b_starts.truncate(b.mcus + 1);
    preds.truncate(b.mcus);
    *second = Records {
        dc: b_dc,
        ac: Vec::new(),
        starts: b_starts,
        preds,
    };
    // The first's.
    let mut a_dc = w.a_dc;
    a_dc.truncate(w.a.mcus * blocks);
    first.dc = a_dc;
    *state = State {
        pos: pos(&w.a.hot, &w.a),
        pred: w.a.pred,
    };
    if w.a.bad || state.pos > end {
        return RunEnd::Broken(state.pos);
    }
    RunEnd::Done
}

#[cfg(test)]
mod tests {
    use super::super::{headers, split};
    use super::*;
    use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

    /// A `w` x `h` picture with detail everywhere (a large scan, long codes) as a JPEG.
    fn jpeg(sub: Subsamp, w: usize, h: usize) -> Vec<u8> {
        let mut seed = 0x9e37_79b9_u32;
        let mut px = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let noise = (seed % 64) as usize;
                px.extend(
                    [
                        (x * 255 / w + noise).min(255),
                        (y * 200 / h + noise / 2),
                        (x + y) % 200 + noise / 3,
                    ]
                    .map(|v| v as u8),
                );
            }
        }
        let mut c = Compressor::new().unwrap();
        c.set_quality(92).unwrap();
        c.set_subsamp(sub).unwrap();
        let image = Image {
            pixels: px.as_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: PixelFormat::RGB,
        };
        c.compress_to_vec(image).unwrap()
    }

    /// Every block's DC, from one decoder, or `None` where it breaks (where `decode` declines).
    fn one_decoder(layout: &Layout, entropy: &Entropy) -> Option<Vec<i32>> {
        let (mut out, mut state) = (Records::default(), State::default());
        let until = Until {
            end: entropy.segments[1] * 8,
            count: layout.total_mcus(),
            stop_at: usize::MAX,
            track: false,
            cols: scan::ALL_COLUMNS,
        };
        let done = scan::run(layout, &entropy.bytes, &mut state, until, &mut out) == RunEnd::Done;
        (done && scan::whole(state.pos, until.end)).then_some(out.dc)
    }

    /// The same from the interleaved halves, joined, and whether the second half was used.
    fn interleaved(layout: &Layout, entropy: &Entropy, t: &Tables) -> Option<(Vec<i32>, bool)> {
        let (mut a, mut b) = (Records::default(), Records::default());
        let pieces = split::speculative(layout, entropy, Some(t), &mut a, &mut b)?;
        let mut dc = Vec::new();
        for p in &pieces {
            for m in p.first..p.first + p.count {
                for (s, slot) in layout.slots.iter().enumerate() {
                    dc.push(p.records.dc[m * layout.blocks + s].wrapping_add(p.offset[slot.comp]));
                }
            }
        }
        Some((dc, pieces.len() == 2))
    }

    #[test]
    fn the_interleaved_halves_are_one_decoders_dc_whole_or_damaged() {
        for sub in [
            Subsamp::Sub2x2,
            Subsamp::None,
            Subsamp::Gray,
            Subsamp::Sub2x1,
        ] {
            let data = jpeg(sub, 1200, 900);
            let h = headers::read(&data).unwrap();
            let mut layout = Layout::new(&h, &vec![0; h.components.len()]);
            let t = Tables::new(&layout).expect("every block keeps only its DC");
            let whole = |data: &[u8], layout: &Layout| {
                let entropy = scan::unstuff(data, h.scan_start)?;
                let one = one_decoder(layout, &entropy);
                let two = interleaved(layout, &entropy, &t);
                assert_eq!(
                    one,
                    two.as_ref().map(|(dc, _)| dc.clone()),
                    "{sub:?}, {} bytes",
                    data.len()
                );
                two.map(|(_, joined)| joined)
            };
            // Intact, the second half is joined (not the first decoding everything).
            assert_eq!(
                whole(&data, &layout),
                Some(true),
                "{sub:?}: the intact file"
            );
            layout.portable();
            assert_eq!(whole(&data, &layout), Some(true), "{sub:?} without BMI2");
            // Damage before, at and after the middle, where the second half starts; the end cut.
            let n = data.len();
            let (mut broken, mut decoded) = (0, 0);
            for (i, at) in [n / 4, n / 2 - 3, n / 2, n / 2 + 5, 3 * n / 4, n - 100]
                .into_iter()
                .enumerate()
            {
                let mut bad = data.clone();
                bad[at] ^= [0x5A, 0x01, 0x80, 0xFF, 0x10, 0x33][i];
                match whole(&bad, &layout) {
                    Some(_) => decoded += 1,
                    None => broken += 1,
                }
            }
            for cut in [n / 2, n - 3] {
                let mut bad = data[..cut].to_vec();
                bad.extend_from_slice(&[0xFF, 0xD9]);
                if whole(&bad, &layout).is_none() {
                    broken += 1;
                }
            }
            assert!(
                broken > 0,
                "{sub:?}: no damage was found ({decoded} decoded)"
            );
        }
    }
}
