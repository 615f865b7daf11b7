//! The image workers: CPU work runs on `workers` dedicated threads (one image each at a time), with at
//! most `queue` more requests waiting. Beyond that a request is answered 503 at once instead of waiting
//! without bound (a slow image cannot pile up memory and latency for everyone).
//!
//! Dedicated threads rather than tokio's blocking pool: that pool grows a thread per concurrent blocking
//! call, and image buffers freed on dozens of threads stay cached in dozens of allocator heaps (RSS rose
//! to 300 MB at 32 concurrent thumbnails). With a fixed set, memory is bounded by `workers` images.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct Workers {
    jobs: Mutex<mpsc::Sender<Job>>,
    admitted: AtomicUsize,
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
            admitted: AtomicUsize::new(0),
            capacity: workers + queue,
        }
    }

    /// Runs `f` on a worker, or answers busy when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::busy());
        }
        let _admitted = Admitted(&self.admitted);
        // Counted from now, queued or running, so an image only takes a second thread for itself
        // when no other request waits for a core (cyanotype_imaging::cores).
        let active = cyanotype_imaging::cores::enter();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A panic in image code fails this request, not the worker thread.
            let r = cyanotype_imaging::cores::run_counted(active, || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            });
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

struct Admitted<'a>(&'a AtomicUsize);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
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
                w.run(move || rx.lock().unwrap().recv().ok()).await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let third = w.run(|| ()).await;
        assert_eq!(
            third.unwrap_err().kind,
            crate::error::Kind::ServiceUnavailable
        );
        tx.send(()).unwrap();
        tx.send(()).unwrap();
        for r in running {
            assert!(r.await.unwrap().is_ok());
        }
        assert!(w.run(|| ()).await.is_ok(), "capacity comes back");
    }

    #[tokio::test]
    async fn a_panic_fails_the_request_not_the_worker() {
        let w = Workers::new(1, 1);
        let e = w.run(|| -> u32 { panic!("bad image") }).await.unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::InternalError);
        assert_eq!(w.run(|| 7).await.unwrap(), 7);
        // Every job ran on the one named worker thread.
        let name = w
            .run(|| std::thread::current().name().map(String::from))
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("cyanotype-image-0"));
    }
}
