//! How many images are being processed (or wait in the server's queue) in this process right now, so
//! work inside one image may use a second thread only when a core would otherwise sit idle: a lone
//! thumbnail decodes on two cores (lower latency), while a loaded server keeps one image per core (no
//! oversubscription, the same throughput as before).
//!
//! "Spare" also needs the cores to have been quiet for a while ([`QUIET`]): under a steady load of
//! small images the count dips below the cores for a moment between requests (the next one is on
//! its way over the network), and a split decided then spawned a thread that met the next request
//! on the other core. At c4 on 2 cores that was one request in 18, and 1.5-2% of the throughput.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// When every core last had an image (nanoseconds since `epoch()`, plus one; 0: never).
static LAST_FULL: AtomicU64 = AtomicU64::new(0);

/// How long every core must have been short of an image before one image may take two.
pub const QUIET: Duration = Duration::from_millis(50);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now() -> u64 {
    epoch().elapsed().as_nanos() as u64 + 1
}

thread_local! {
    /// This thread runs a job already counted when it was queued (see `run_counted`).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Counts one image as in progress until dropped.
pub struct Active(());

impl Drop for Active {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Marks an image as in progress (the server calls it when a job is queued).
pub fn enter() -> Active {
    if ACTIVE.fetch_add(1, Ordering::Relaxed) + 1 >= cores() {
        LAST_FULL.store(now(), Ordering::Relaxed);
    }
    Active(())
}

/// Marks an image as in progress unless this thread's job was counted when queued.
pub fn enter_unless_counted() -> Option<Active> {
    (!COUNTED.with(Cell::get)).then(enter)
}

/// Runs the job counted by `active` on this thread, then ends its count.
pub fn run_counted<T>(active: Active, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            COUNTED.with(|c| c.set(false));
        }
    }
    COUNTED.with(|c| c.set(true));
    let _reset = Reset;
    let r = f();
    drop(active);
    r
}

/// True when fewer images are in progress than there are cores (the caller's own image counted),
/// and there have been for at least [`QUIET`].
pub fn spare() -> bool {
    let active = ACTIVE.load(Ordering::Relaxed);
    // The clock is read only when the count allows a split.
    active < cores() && quiet_since(LAST_FULL.load(Ordering::Relaxed), now())
}

/// Whether the cores were last all busy at `last_full` (0: never) at least [`QUIET`] before `now`.
fn quiet_since(last_full: u64, now: u64) -> bool {
    last_full == 0 || now.saturating_sub(last_full) >= QUIET.as_nanos() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_counted_when_queued_is_not_counted_again() {
        assert!(enter_unless_counted().is_some());
        let queued = enter();
        run_counted(queued, || assert!(enter_unless_counted().is_none()));
        // The thread is free again afterwards.
        assert!(enter_unless_counted().is_some());
    }

    #[test]
    fn a_split_waits_for_the_cores_to_have_been_quiet() {
        let quiet = QUIET.as_nanos() as u64;
        assert!(quiet_since(0, 5), "never full");
        assert!(!quiet_since(1_000, 1_000 + quiet - 1));
        assert!(quiet_since(1_000, 1_000 + quiet));
        // Filling every core stamps the moment, so the next QUIET is not spare even once the images
        // are done (other tests may run images meanwhile, but can only make it less spare).
        let before = now();
        let all: Vec<Active> = (0..cores()).map(|_| enter()).collect();
        assert!(!spare());
        drop(all);
        assert!(LAST_FULL.load(Ordering::Relaxed) >= before);
    }
}
