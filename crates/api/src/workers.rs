//! The image workers: CPU work runs on `workers` dedicated threads (one image each at a time), with at
//! most `queue` more requests waiting. Beyond that a request is answered 503 at once instead of waiting
//! without bound (a slow image cannot pile up memory and latency for everyone).
//!
//! Dedicated threads rather than tokio's blocking pool: that pool grows a thread per concurrent blocking
//! call, and image buffers freed on dozens of threads stay cached in dozens of allocator heaps (RSS rose
//! to 300 MB at 32 concurrent thumbnails). With a fixed set, memory is bounded by `workers` images.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct Workers {
    jobs: Mutex<mpsc::Sender<Job>>,
    admitted: Arc<AtomicUsize>,
    capacity: usize,
}

impl Workers {
    pub fn new(workers: usize, queue: usize) -> Workers {
        let workers = workers.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("cyanotype-image-{i}"))
                .spawn(move || loop {
                    // The lock is held only while taking the next job.
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // the Workers were dropped
                    }
                })
                .expect("spawn an image worker thread");
        }
        Workers {
            jobs: Mutex::new(tx),
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity: workers + queue,
        }
    }

    /// Runs `f` on a worker, or answers busy when the queue is full.
    ///
    /// `f` is given a flag that goes up once nobody waits for its result: this future was dropped,
    /// as hyper drops a request's future when its client closes the connection. A job whose flag is
    /// up before it starts is skipped; a running one reads it between its steps (the image
    /// pipeline's `Deadline`). Either way its place in the queue is held until the job has ended,
    /// so clients that connect and hang up cannot stack work past `workers + queue`.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&AtomicBool) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::busy());
        }
        let admitted = Admitted(self.admitted.clone());
        // Counted from now, queued or running, so an image only takes a second thread for itself
        // when no other request waits for a core (cyanotype_imaging::cores).
        let active = cyanotype_imaging::cores::enter();
        let abandoned = Arc::new(AtomicBool::new(false));
        let _raised_when_dropped = RaiseOnDrop(abandoned.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            if abandoned.load(Ordering::Relaxed) {
                eprintln!("an image request was skipped: its client left while it queued");
                return;
            }
            // A panic in image code fails this request, not the worker thread.
            let r = cyanotype_imaging::cores::run_counted(active, || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&abandoned)))
            });
            // The place is free before the answer goes: whoever sees the answer sees the place.
            drop(admitted);
            let _ = tx.send(r);
        });
        self.jobs
            .lock()
            .map_err(|_| ApiError::internal())?
            .send(job)
            .map_err(|_| ApiError::internal())?;
        match rx.await {
            Ok(Ok(v)) => Ok(v),
            _ => {
                eprintln!("image worker failed (panic)");
                Err(ApiError::internal())
            }
        }
    }
}

/// A place in the queue, given back when the job that holds it ends.
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Raises its flag when dropped: held by the request's future (dropped when it finishes too, by
/// then harmlessly).
struct RaiseOnDrop(Arc<AtomicBool>);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs blocking storage work (fsync, file copies) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        eprintln!("blocking task failed: {e}");
        ApiError::internal()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn full_queue_answers_busy() {
        let w = Arc::new(Workers::new(1, 1));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let mut running = Vec::new();
        for _ in 0..2 {
            let (w, rx) = (w.clone(), rx.clone());
            running.push(tokio::spawn(async move {
                w.run(move |_| rx.lock().unwrap().recv().ok()).await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let third = w.run(|_| ()).await;
        assert_eq!(
            third.unwrap_err().kind,
            crate::error::Kind::ServiceUnavailable
        );
        tx.send(()).unwrap();
        tx.send(()).unwrap();
        for r in running {
            assert!(r.await.unwrap().is_ok());
        }
        assert!(w.run(|_| ()).await.is_ok(), "capacity comes back");
    }

    /// Far longer than any of these steps takes: a bug fails the test instead of hanging it.
    const LONG: std::time::Duration = std::time::Duration::from_secs(20);

    // Multi-threaded: the test blocks its own thread waiting for the worker.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_dropped_while_queued_never_runs_and_one_dropped_while_running_is_told() {
        let w = Arc::new(Workers::new(1, 2));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, started_rx) = std::sync::mpsc::channel::<()>();
        let (seen, seen_rx) = std::sync::mpsc::channel::<bool>();
        // The one worker is held by a job that reads its flag once released.
        let running = {
            let w = w.clone();
            tokio::spawn(async move {
                w.run(move |abandoned| {
                    started.send(()).unwrap();
                    wait.recv_timeout(LONG).unwrap();
                    seen.send(abandoned.load(Ordering::Relaxed)).unwrap();
                })
                .await
            })
        };
        started_rx.recv_timeout(LONG).unwrap();
        // A second request queues behind it (admitted: 2), then its client leaves.
        let ran = Arc::new(AtomicBool::new(false));
        let queued = {
            let (w, ran) = (w.clone(), ran.clone());
            tokio::spawn(async move { w.run(move |_| ran.store(true, Ordering::SeqCst)).await })
        };
        let start = std::time::Instant::now();
        while w.admitted.load(Ordering::SeqCst) < 2 {
            assert!(start.elapsed() < LONG, "the second request never queued");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        // The first one's client leaves too.
        running.abort();
        let _ = running.await;
        assert_eq!(
            w.admitted.load(Ordering::SeqCst),
            2,
            "both keep their places until their jobs end"
        );
        release.send(()).unwrap();
        assert!(
            seen_rx.recv_timeout(LONG).unwrap(),
            "the running job is told"
        );
        // The worker goes on with the next job (the dropped one skipped).
        assert_eq!(w.run(|_| 7).await.unwrap(), 7);
        assert!(
            !ran.load(Ordering::SeqCst),
            "a dropped queued job never runs"
        );
        assert_eq!(w.admitted.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_panic_fails_the_request_not_the_worker() {
        let w = Workers::new(1, 1);
        let e = w.run(|_| -> u32 { panic!("bad image") }).await.unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::InternalError);
        assert_eq!(w.run(|_| 7).await.unwrap(), 7);
        // Every job ran on the one named worker thread.
        let name = w
            .run(|_| std::thread::current().name().map(String::from))
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("cyanotype-image-0"));
    }
}
