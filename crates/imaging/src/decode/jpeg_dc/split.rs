//! Decoding one scan on two cores (or as two halves on one, `interleave`). With restart markers the
//! segments are independent (each starts byte-aligned with its DC predictors at 0), so each thread
//! takes about half the bytes. Without them, the second thread starts at the middle byte as if an
//! MCU began there: Huffman codes resynchronise within a few codes, but it cannot know when, so it
//! records where each of its MCUs starts. The first thread decodes up to the middle, then on until one of its MCU starts equals one
//! the second recorded: from that MCU on both decoders are in the same state except for the DC
//! predictors, whose difference is added to the second thread's DC values. If no start ever
//! matches, the first thread simply decodes everything, so the result never depends on the guess.

use super::interleave;
use super::pixels::Piece;
use super::scan::{self, Entropy, Layout, Records, RunEnd, State, Until};

/// Below this many bytes of scan a second thread costs more than it saves.
pub const MIN_SPLIT_BYTES: usize = 64 * 1024;
/// Likewise for rendering the picture's two halves.
pub const MIN_SPLIT_MCUS: usize = 4096;

/// The second thread gives up after this many false starts (desynchronised decodes meet bad codes).
const MAX_RESTARTS: usize = 64;

pub fn by_restarts<'a>(
    layout: &Layout,
    entropy: &Entropy,
    two_threads: bool,
    first: &'a mut Records,
    second: &'a mut Records,
) -> Option<Vec<Piece<'a>>> {
    let total = layout.total_mcus();
    let ri = layout.restart_interval;
    let needed = total.div_ceil(ri);
    if entropy.segments.len() - 1 != needed {
        return None;
    }
    let bytes_end = entropy.segments[needed];
    // The first segment of the second half: the first to start past the middle byte.
    let cut = if two_threads && bytes_end >= MIN_SPLIT_BYTES {
        (1..needed)
            .find(|&s| entropy.segments[s] >= bytes_end / 2)
            .unwrap_or(needed)
    } else {
        needed
    };
    let decode = |segs: std::ops::Range<usize>, out: &mut Records| -> bool {
        segs.into_iter().all(|s| {
            let count = ri.min(total - s * ri);
            let mut state = State {
                pos: entropy.segments[s] * 8,
                pred: [0; 4],
            };
            let until = Until {
                end: entropy.segments[s + 1] * 8,
                count,
                stop_at: usize::MAX,
                track: false,
                cols: scan::ALL_COLUMNS,
            };
            scan::run(layout, &entropy.bytes, &mut state, until, out) == RunEnd::Done
                && scan::whole(state.pos, until.end)
        })
    };
    let ok = if cut < needed {
        *second = Records::with_room(layout.grid(), total - cut * ri);
        std::thread::scope(|s| {
            let helper = s.spawn(|| decode(cut..needed, second));
            let mine = decode(0..cut, first);
            helper.join().unwrap_or(false) && mine
        })
    } else {
        decode(0..needed, first)
    };
    if !ok {
        return None;
    }
    let a = first.mcus(layout);
    let mut pieces = vec![Piece {
        records: first,
        first: 0,
        count: a,
        offset: [0; 4],
    }];
    if cut < needed {
        pieces.push(Piece {
            records: second,
            first: 0,
            count: total - a,
            offset: [0; 4],
        });
    }
    Some(pieces)
}

/// The second half, from a guessed start: decodes to the end, starting again one byte further on
/// each bad code (proof that it was not yet in step).
fn second_half(layout: &Layout, entropy: &Entropy, mut start: usize, out: &mut Records) {
    let end = entropy.segments[1] * 8;
    for _ in 0..MAX_RESTARTS {
        out.clear();
        let mut state = State {
            pos: start * 8,
            pred: [0; 4],
        };
        let until = Until {
            end,
            count: usize::MAX,
            stop_at: usize::MAX,
            track: true,
            cols: scan::ALL_COLUMNS,
        };
        let RunEnd::Broken(pos) = scan::run(layout, &entropy.bytes, &mut state, until, out) else {
            return;
        };
        // A decoder in step only breaks in the final byte's padding or by passing the end.
        if pos + 8 >= end {
            return;
        }
        start = pos / 8 + 1;
    }
    out.clear();
}

/// The halves on two threads, or with `one_core` interleaved on this one (`interleave`).
pub fn speculative<'a>(
    layout: &Layout,
    entropy: &Entropy,
    one_core: Option<&interleave::Tables>,
    first: &'a mut Records,
    second: &'a mut Records,
) -> Option<Vec<Piece<'a>>> {
    let total = layout.total_mcus();
    let end = entropy.segments[1] * 8;
    let middle = entropy.segments[1] / 2;
    let mut state = State::default();
    let until = Until {
        end,
        count: total,
        stop_at: middle * 8,
        track: false,
        cols: scan::ALL_COLUMNS,
    };
    let how = if let Some(tables) = one_core {
        interleave::halves(
            layout, tables, entropy, middle, until, &mut state, first, second,
        )
    } else {
        two_threads(layout, entropy, middle, until, &mut state, first, second)
    };
    join(layout, entropy, how, state, until, first, second)
}

/// The halves on two threads: the first on this one, the second on a helper.
fn two_threads(
    layout: &Layout,
    entropy: &Entropy,
    middle: usize,
    until: Until,
    state: &mut State,
    first: &mut Records,
    second: &mut Records,
) -> RunEnd {
    // The second half starts at the middle byte, so it decodes about half the MCUs; room for a bit
    // more, so it rarely grows.
    let total = layout.total_mcus();
    let mut theirs = Records::with_room(layout.grid(), total / 2 + total / 8);
    std::thread::scope(|s| {
        let helper = s.spawn(move || {
            second_half(layout, entropy, middle, &mut theirs);
            theirs
        });
        let r = scan::run(layout, &entropy.bytes, state, until, first);
        // A panic there would be a bug; without its records the first half decodes everything.
        *second = helper.join().unwrap_or_default();
        r
    })
}

/// The first half goes on, one MCU at a time, until one of its MCUs starts where one of the
/// second's did; from there on the second's records are used.
fn join<'a>(
    layout: &Layout,
    entropy: &Entropy,
    how: RunEnd,
    mut state: State,
    mut until: Until,
    first: &'a mut Records,
    second: &'a mut Records,
) -> Option<Vec<Piece<'a>>> {
    let total = layout.total_mcus();
    let end = entropy.segments[1] * 8;
    if how != RunEnd::Done {
        return None;
    }
    // On, one MCU at a time, until an MCU start of ours is one the second half recorded.
    let b_mcus = second.preds.len();
    let mut cursor = 0;
    loop {
        let a = first.mcus(layout);
        if a == total {
            if !scan::whole(state.pos, end) {
                return None;
            }
            return Some(vec![Piece {
                records: first,
                first: 0,
                count: total,
                offset: [0; 4],
            }]);
        }
        while cursor < b_mcus && second.starts[cursor] < state.pos {
            cursor += 1;
        }
        if cursor < b_mcus && second.starts[cursor] == state.pos && cursor + (total - a) <= b_mcus {
            if !scan::whole(second.starts[cursor + total - a], end) {
                return None;
            }
            let theirs = second.preds[cursor];
            let offset = [0, 1, 2, 3].map(|c| state.pred[c].wrapping_sub(theirs[c]));
            return Some(vec![
                Piece {
                    records: first,
                    first: 0,
                    count: a,
                    offset: [0; 4],
                },
                Piece {
                    records: second,
                    first: cursor,
                    count: total - a,
                    offset,
                },
            ]);
        }
        until.count = 1;
        until.stop_at = usize::MAX;
        if scan::run(layout, &entropy.bytes, &mut state, until, first) != RunEnd::Done {
            return None;
        }
    }
}
