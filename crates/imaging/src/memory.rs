//! A process-wide budget for the memory images take while they are processed. The pixel limits
//! bound one request (OSS's 250 MP allows a 2.6 MB progressive JPEG that takes 2 GB to decode), but
//! not several at once: two such requests on two workers could take 4 GB and get the server killed
//! for memory. Each image reserves an estimate of its peak from the header before it decodes, and
//! waits, in turn, while the others' reservations leave too little; one larger than the whole
//! budget waits until it runs alone. Ordinary images reserve a few tens of MB and wait only behind
//! a large one.
//!
//! The budget is unlimited until the server sets it (`set_budget`); the CLI and the tests run
//! without one.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::decode::Probe;
use crate::env::Env;
use crate::ops::Sizes;
use cyanotype_process::{Format, Op};

struct Budget {
    /// Bytes all images may reserve together; 0 for no limit.
    total: u64,
    /// Bytes reserved now.
    used: u64,
    /// Reservations are served in the order they ask (`next` is the next ticket, `serving` the
    /// first one not yet served), so a large one is not starved by a stream of small ones that
    /// would each fit beside the others.
    next: u64,
    serving: u64,
    /// Tickets whose requests left while waiting (their clients hung up): skipped when their turn
    /// comes, so those behind them do not wait for them.
    left: Vec<u64>,
    /// Reservations asleep on `FREED` now (counted under the lock before they sleep, so a waker
    /// that sees 0 has nobody to wake).
    sleepers: u64,
}

impl Budget {
    /// Whether a reservation sleeps on `FREED`. Waking the condvar is a system call even with
    /// nobody asleep on it, twice an image, so it is skipped otherwise.
    fn anyone_waits(&self) -> bool {
        self.sleepers > 0
    }

    /// Moves `serving` past tickets that left.
    fn skip_left(&mut self) {
        while let Some(i) = self.left.iter().position(|&t| t == self.serving) {
            self.left.swap_remove(i);
            self.serving += 1;
        }
    }
}

static BUDGET: Mutex<Budget> = Mutex::new(Budget {
    total: 0,
    used: 0,
    next: 0,
    serving: 0,
    left: Vec::new(),
    sleepers: 0,
});

/// How often a waiting reservation looks at its request's abandon flag.
const LOOK: Duration = Duration::from_millis(20);
static FREED: Condvar = Condvar::new();

/// Sets the budget in bytes (0: no limit). The server calls it once at start; a change later lets
/// every waiting reservation try again, out of turn.
pub fn set_budget(bytes: u64) {
    let mut b = lock();
    b.total = bytes;
    b.serving = b.next;
    b.left.clear();
    FREED.notify_all();
}

fn lock() -> std::sync::MutexGuard<'static, Budget> {
    // The budget's counters stay consistent whatever panicked while holding the lock.
    BUDGET.lock().unwrap_or_else(|p| p.into_inner())
}

/// Bytes held until dropped.
pub struct Reservation(u64);

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.0 > 0 {
            let mut b = lock();
            b.used -= self.0;
            let wake = b.anyone_waits();
            drop(b);
            if wake {
                FREED.notify_all();
            }
        }
    }
}

/// How many reservations wait now (tests and diagnostics).
pub fn waiting() -> u64 {
    let b = lock();
    b.next - b.serving
}

/// Reserves `bytes` (at most the whole budget), in turn, waiting while other images hold too much.
/// `None` when `abandoned` goes up while it waits: the request's client left, and its place in the
/// queue is given up rather than held until its turn (a worker waits here).
pub fn reserve(bytes: u64, abandoned: Option<&AtomicBool>) -> Option<Reservation> {
    let mut b = lock();
    if b.total == 0 {
        return Some(Reservation(0));
    }
    let ticket = b.next;
    b.next += 1;
    loop {
        if b.total == 0 {
            return Some(Reservation(0));
        }
        let bytes = bytes.min(b.total);
        if b.serving >= ticket && b.used + bytes <= b.total {
            b.used += bytes;
            b.serving = b.serving.max(ticket + 1);
            b.skip_left();
            // The next in turn may fit too.
            if b.anyone_waits() {
                FREED.notify_all();
            }
            return Some(Reservation(bytes));
        }
        let Some(flag) = abandoned else {
            b.sleepers += 1;
            b = FREED.wait(b).unwrap_or_else(|p| p.into_inner());
            b.sleepers -= 1;
            continue;
        };
        if flag.load(Ordering::Relaxed) {
            if b.serving <= ticket {
                b.left.push(ticket);
                b.skip_left();
                FREED.notify_all();
            }
            return None;
        }
        b.sleepers += 1;
        b = FREED
            .wait_timeout(b, LOOK)
            .unwrap_or_else(|p| p.into_inner())
            .0;
        b.sleepers -= 1;
    }
}

/// A generous estimate of an image's peak memory from its header: every pixel of every frame
/// decoded at 4 bytes and once more for what is made from it (measured peaks are below this: a
/// 250 MP RGBA PNG resized, 1.0 GB; 990 frames of 500x500 GIF, 1.1 GB), plus, for a JPEG in several
/// scans (progressive, or baseline with the components in scans of their own), the coefficients
/// libjpeg-turbo keeps until the last scan (2 bytes per sample, a sample per component and pixel at
/// 4:4:4: a 225 MP progressive Y'CbCr one took 2.0 GB in all). Shrink-on-load makes
/// most JPEGs far cheaper; the estimate does not count on it.
pub fn estimate(data: &[u8], p: &Probe) -> u64 {
    let pixels = p.width as u64 * p.height as u64;
    let decoded = pixels * p.frames.max(1) as u64 * 8;
    // 2 bytes per component, as if none were subsampled (CMYK keeps 8 a pixel, Y'CbCr up to 6).
    let coefficients = match p.format {
        Format::Jpg => {
            let meta = crate::jpeg_meta::read(data);
            if meta.multi_scan() {
                pixels * 2 * meta.components as u64
            } else {
                0
            }
        }
        // libheif's decoded planes (up to 16 bits a sample at 4:4:4 for 10/12-bit sources) and its
        // interleaved RGBA image before our copy of it.
        Format::Heic | Format::Avif => pixels * 10,
        _ => 0,
    };
    decoded + coefficients
}

/// What the actions take beyond `estimate`, which counts one result of the source's size a frame,
/// 4 bytes a pixel each: results larger than that (an enlarged animation keeps every frame's); a
/// frame along the way larger than both the source and the output (its result and the next
/// action's); the extra image a blur (sharpen blurs too) keeps between its two passes, at the size
/// it runs on; and each watermark's layer, kept for the request, and its copy. Nothing for a chain
/// that only shrinks.
pub fn estimate_actions(p: &Probe, sizes: &Sizes, out_frames: u32) -> u64 {
    let frame = p.width as u64 * p.height as u64;
    let out = sizes.out.0 as u64 * sizes.out.1 as u64;
    let outputs = (out * out_frames as u64).saturating_sub(frame * p.frames.max(1) as u64);
    let along = sizes.largest.saturating_sub(frame.max(out)) * 2;
    4 * (outputs + along + sizes.blurred + 2 * sizes.watermarked)
}

/// What the encoder takes beyond the image it is given: nothing counted for most (their buffers
/// are small beside the pixels), but rav1e's AVIF encode holds many times the image: peak RSS rose
/// by 27 bytes a pixel for the 12 MP photo of the benchmark and by 68 for a 4096x4096 image of noise
/// (1.4 GB in all). 80 bytes an output pixel, so two such encodes cannot run out of memory side by
/// side: one larger than the budget waits to run alone.
pub fn estimate_encoding(format: Format, out: (u32, u32)) -> u64 {
    match format {
        Format::Avif => 80 * out.0 as u64 * out.1 as u64,
        _ => 0,
    }
}

/// What decoding the images of the watermark actions among `ops` takes: the first frame of each,
/// and its object's bytes. Each object is read here (whole: storage has no ranged read), probed
/// and dropped; the watermark action reads it again when it makes its layer, so no more than one
/// is held at a time. One that would be refused (missing, no image, over the limits) counts
/// nothing: the action refuses it before decoding. (An object replaced between the two reads is
/// decoded at its new size; the limits still bound it.)
pub fn estimate_watermarks(ops: &[&Op], env: &Env) -> u64 {
    ops.iter()
        .filter_map(|op| match op {
            Op::Watermark(w) => w.image.as_ref(),
            _ => None,
        })
        .filter_map(|img| crate::ops::watermark::read_image(img, env).ok())
        .map(|(data, p)| data.len() as u64 + estimate(&data, &Probe { frames: 1, ..p }))
        .sum()
}

/// Half the memory this process may use: its cgroup's limit when there is one (a container, a
/// systemd unit with `MemoryMax=`), else the machine's; `None` when neither can be read.
pub fn half_of_available() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|groups| cgroup_limit(&groups, Path::new("/sys/fs/cgroup")));
    let machine = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    });
    let least = match (cgroup, machine) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    };
    least.map(|b| b / 2)
}

/// The least memory limit on the groups `proc_self_cgroup` (the text of `/proc/self/cgroup`) names
/// and their parents, read below `root`: cgroup v2's `memory.max`, v1's `memory.limit_in_bytes`
/// (whose "no limit" is a huge number, so the machine's size wins). Each parent's limit applies
/// too. In a container the mount's root is the container's own group, and the path named may not
/// exist below it; the walk up reaches the root all the same.
fn cgroup_limit(proc_self_cgroup: &str, root: &Path) -> Option<u64> {
    let mut least: Option<u64> = None;
    for line in proc_self_cgroup.lines() {
        // "0::/path" for v2; "4:memory:/path" (controllers comma-separated) for v1.
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (mount, file) = if controllers.is_empty() {
            (root.to_path_buf(), "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            (root.join("memory"), "memory.limit_in_bytes")
        } else {
            continue;
        };
        // A group outside the cgroup namespace shows as "/../..": only the mount's root is ours.
        let path = if path.split('/').any(|c| c == "..") {
            ""
        } else {
            path.trim_start_matches('/')
        };
        let mut group = Some(Path::new(path));
        while let Some(g) = group {
            let limit = std::fs::read_to_string(mount.join(g).join(file))
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok());
            if let Some(l) = limit {
                least = Some(least.map_or(l, |m| m.min(l)));
            }
            group = g.parent();
        }
    }
    least
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// Runs `reserve(bytes)` on a thread of its own, which flags when it got through.
    fn reserve_on_a_thread(bytes: u64) -> (Arc<AtomicBool>, std::thread::JoinHandle<u64>) {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let got = reserve(bytes, None).expect("no flag").0;
            flag.store(true, Ordering::SeqCst);
            got
        });
        (done, thread)
    }

    fn settle() {
        std::thread::sleep(Duration::from_millis(100));
    }

    // One test owns the process-wide budget (no other unit test of the crate processes an image),
    // so the cases run in order here.
    #[test]
    fn reservations_wait_in_turn_and_a_large_one_runs_alone() {
        // Unlimited: nothing is counted.
        assert_eq!(reserve(u64::MAX, None).unwrap().0, 0);

        set_budget(100);
        let first = reserve(60, None).unwrap();
        // 60 + 60 > 100: waits for the first.
        let (large_done, large) = reserve_on_a_thread(60);
        settle();
        assert!(
            !large_done.load(Ordering::SeqCst),
            "the second reservation did not wait"
        );
        // 40 would fit beside the first, but waits its turn behind the 60, which it would
        // otherwise starve.
        let (small_done, small) = reserve_on_a_thread(40);
        settle();
        assert!(
            !small_done.load(Ordering::SeqCst),
            "the third reservation jumped the queue"
        );
        drop(first);
        // Both get through now (60 + 40 = 100); their reservations end with their threads.
        assert_eq!(large.join().unwrap(), 60);
        assert_eq!(small.join().unwrap(), 40);
        assert_eq!(lock().used, 0);

        // Larger than the whole budget: clamped, so it runs once nothing else holds any.
        let big = reserve(1000, None).unwrap();
        assert_eq!((big.0, lock().used), (100, 100));
        drop(big);

        // Lifting the budget wakes a waiter, which then holds nothing.
        set_budget(10);
        let held = reserve(10, None).unwrap();
        let (_, waiter) = reserve_on_a_thread(5);
        settle();
        set_budget(0);
        assert_eq!(waiter.join().unwrap(), 0);
        drop(held);
        // `held` was counted under the old budget and is returned in full.
        assert_eq!(lock().used, 0);

        // A budget changed while a reservation waits lets it go out of turn; it still has to fit,
        // and the release it waits for wakes it.
        set_budget(100);
        let held = reserve(80, None).unwrap();
        let (done, waiter) = reserve_on_a_thread(50);
        settle();
        set_budget(90);
        settle();
        assert!(!done.load(Ordering::SeqCst), "80 + 50 does not fit in 90");
        drop(held);
        let woken = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            done.load(Ordering::SeqCst)
        });
        assert!(woken, "the release did not wake the waiting reservation");
        assert_eq!(waiter.join().unwrap(), 50);
        assert_eq!(lock().used, 0);

        // A waiting request whose client leaves gives up its place, first in the queue or not.
        set_budget(100);
        let held = reserve(100, None).unwrap();
        let leave = |flag: Arc<AtomicBool>| {
            std::thread::spawn(move || reserve(10, Some(&flag)).map(|r| r.0))
        };
        let (first_flag, second_flag) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let first = leave(first_flag.clone());
        settle();
        let second = leave(second_flag.clone());
        settle();
        let (behind_done, behind) = reserve_on_a_thread(10);
        settle();
        // The second leaves from the middle of the queue, then the first from its head.
        second_flag.store(true, Ordering::SeqCst);
        assert_eq!(second.join().unwrap(), None);
        first_flag.store(true, Ordering::SeqCst);
        assert_eq!(first.join().unwrap(), None);
        assert!(
            !behind_done.load(Ordering::SeqCst),
            "got through while the budget was full"
        );
        // The one behind them gets through as soon as there is room: neither ticket holds it up
        // (were one left in the queue, it would wait for ever; the test fails after 10 s instead).
        drop(held);
        let start = std::time::Instant::now();
        while !behind_done.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            behind_done.load(Ordering::SeqCst),
            "held up by a ticket that left"
        );
        assert_eq!(behind.join().unwrap(), 10);
        assert_eq!((waiting(), lock().used), (0, 0));
        set_budget(0);
    }

    #[test]
    fn cgroup_limits_are_read_up_the_tree_in_both_versions() {
        let root = std::env::temp_dir().join(format!("cyanotype-cgroup-{}", std::process::id()));
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        // v2: the unit's own limit is "max"; its slice's applies.
        write("system.slice/memory.max", "3000000000\n");
        write("system.slice/cyanotype.service/memory.max", "max\n");
        let v2 = "0::/system.slice/cyanotype.service\n";
        assert_eq!(cgroup_limit(v2, &root), Some(3_000_000_000));
        // v1 beside it (a hybrid machine): the least of all.
        write("memory/docker/abc/memory.limit_in_bytes", "2000000000\n");
        write("memory/memory.limit_in_bytes", "9223372036854771712\n");
        let hybrid = format!("5:cpu,memory:/docker/abc\n3:pids:/\n{v2}");
        assert_eq!(cgroup_limit(&hybrid, &root), Some(2_000_000_000));
        // A container whose group is the mount's root: the named path is not there.
        assert_eq!(
            cgroup_limit("4:memory:/kubepods/pod1\n", &root),
            Some(9_223_372_036_854_771_712)
        );
        // A group outside the namespace: the mount's root, never a path that climbs out of it.
        write("memory.max", "4000000000\n");
        assert_eq!(
            cgroup_limit("0::/../../system.slice\n", &root),
            Some(4_000_000_000)
        );
        // Nothing to read.
        assert_eq!(cgroup_limit("0::/\n", &root.join("none")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
