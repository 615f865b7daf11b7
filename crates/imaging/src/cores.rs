//! How many images are being processed in this process right now, so work inside one image may use a
//! second thread only when a core would otherwise sit idle: a lone thumbnail decodes on two cores
//! (lower latency), while a loaded server keeps one image per core (no oversubscription, the same
//! throughput as before).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

static ACTIVE: AtomicUsize = AtomicUsize::new(0);

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

/// Marks an image as in progress.
pub fn enter() -> Active {
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    Active(())
}

/// True when fewer images are in progress than there are cores (the caller's own image counted).
pub fn spare() -> bool {
    ACTIVE.load(Ordering::Relaxed) < cores()
}
