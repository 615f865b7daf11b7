//! How many images are being processed (or wait in the server's queue) in this process right now, so
//! work inside one image may use a second thread only when a core would otherwise sit idle: a lone
//! thumbnail decodes on two cores (lower latency), while a loaded server keeps one image per core (no
//! oversubscription, the same throughput as before).

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

static ACTIVE: AtomicUsize = AtomicUsize::new(0);

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
    ACTIVE.fetch_add(1, Ordering::Relaxed);
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

/// True when fewer images are in progress than there are cores (the caller's own image counted).
pub fn spare() -> bool {
    ACTIVE.load(Ordering::Relaxed) < cores()
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
}
