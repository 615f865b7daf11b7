//! A process-wide budget for the memory images take while they are processed. The pixel limits
//! bound one request (OSS's 250 MP allows a 2.6 MB progressive JPEG that takes 2 GB to decode), but
//! not several at once: two such requests on two workers could take 4 GB and get the server killed
//! for memory. Each image reserves an estimate of its peak from the header before it decodes, and
//! waits while the others' reservations leave too little; one larger than the whole budget waits
//! until it runs alone. Ordinary images reserve a few tens of MB and never wait.
//!
//! The budget is unlimited until the server sets it (`set_budget`); the CLI and the tests run
//! without one.

use std::sync::{Condvar, Mutex};

use crate::decode::Probe;
use cyanotype_process::Format;

struct Budget {
    /// Bytes all images may reserve together; 0 for no limit.
    total: u64,
    /// Bytes reserved now.
    used: u64,
}

static BUDGET: Mutex<Budget> = Mutex::new(Budget { total: 0, used: 0 });
static FREED: Condvar = Condvar::new();

/// Sets the budget in bytes (0: no limit). The server calls it once at start.
pub fn set_budget(bytes: u64) {
    lock().total = bytes;
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
            lock().used -= self.0;
            FREED.notify_all();
        }
    }
}

/// Reserves `bytes` (at most the whole budget), waiting while other images hold too much.
pub fn reserve(bytes: u64) -> Reservation {
    let mut b = lock();
    if b.total == 0 {
        return Reservation(0);
    }
    let bytes = bytes.min(b.total);
    while b.total != 0 && b.used + bytes > b.total {
        b = FREED.wait(b).unwrap_or_else(|p| p.into_inner());
    }
    if b.total == 0 {
        return Reservation(0);
    }
    b.used += bytes;
    Reservation(bytes)
}

/// A generous estimate of an image's peak memory from its header: every pixel of every frame
/// decoded at 4 bytes and once more for what is made from it (measured peaks are below this: a
/// 250 MP RGBA PNG resized, 1.0 GB; 990 frames of 500x500 GIF, 1.1 GB), plus, for a progressive
/// JPEG, the coefficients libjpeg-turbo keeps until the last scan (2 bytes per sample, 3 samples per
/// pixel at 4:4:4: a 225 MP one took 2.0 GB in all). Shrink-on-load makes most JPEGs far cheaper;
/// the estimate does not count on it.
pub fn estimate(data: &[u8], p: &Probe) -> u64 {
    let pixels = p.width as u64 * p.height as u64;
    let decoded = pixels * p.frames.max(1) as u64 * 8;
    let coefficients = if p.format == Format::Jpg && progressive_jpeg(data) {
        pixels * 6
    } else {
        0
    };
    decoded + coefficients
}

/// Whether the frame header of a JPEG is a progressive one (SOF2, SOF6, SOF10, SOF14), found by
/// walking the marker segments before it: no decoder handle for a question of one byte, on every
/// request. False when the walk fails (the decoder will then refuse the file anyway).
fn progressive_jpeg(data: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return false;
        }
        let marker = data[i + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => i += 1,
            0xC2 | 0xC6 | 0xCA | 0xCE => return true,
            // Any other frame header, or the scan or the end before one.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => return false,
            0xDA | 0xD9 => return false,
            // Standalone markers have no length.
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => i += 2 + u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize,
        }
    }
    false
}

/// Half the memory this process may use: the cgroup's limit when there is one (a container), else
/// the machine's; `None` when neither can be read.
pub fn half_of_available() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    // One test owns the process-wide budget, so the cases run in order here.
    #[test]
    fn reservations_wait_for_room_and_a_large_one_runs_alone() {
        // Unlimited: nothing is counted.
        assert_eq!(reserve(u64::MAX).0, 0);

        set_budget(100);
        let first = reserve(60);
        let done = Arc::new(AtomicBool::new(false));
        let waiter = {
            let done = done.clone();
            std::thread::spawn(move || {
                // 60 + 60 > 100: waits for the first.
                let r = reserve(60);
                done.store(true, Ordering::SeqCst);
                r.0
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !done.load(Ordering::SeqCst),
            "the second reservation did not wait"
        );
        // Room for a small one meanwhile.
        assert_eq!(reserve(40).0, 40);
        drop(first);
        assert_eq!(waiter.join().unwrap(), 60);
        assert_eq!(lock().used, 0);

        // Larger than the whole budget: clamped, so it runs once nothing else holds any.
        let big = reserve(1000);
        assert_eq!((big.0, lock().used), (100, 100));
        drop(big);

        // Lifting the budget wakes a waiter, which then holds nothing.
        set_budget(10);
        let held = reserve(10);
        let waiter = std::thread::spawn(|| reserve(5).0);
        std::thread::sleep(Duration::from_millis(50));
        set_budget(0);
        assert_eq!(waiter.join().unwrap(), 0);
        drop(held);
        // `held` was counted under the old budget and is returned in full.
        assert_eq!(lock().used, 0);
    }
}
