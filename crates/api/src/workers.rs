//! The image workers: CPU work runs on blocking threads, at most `workers` at once, with at most
//! `queue` more waiting. Beyond that a request is answered 503 at once instead of waiting without
//! bound (a slow image cannot pile up memory and latency for everyone).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::ApiError;

pub struct Workers {
    permits: Arc<Semaphore>,
    admitted: AtomicUsize,
    capacity: usize,
}

impl Workers {
    pub fn new(workers: usize, queue: usize) -> Workers {
        let workers = workers.max(1);
        Workers {
            permits: Arc::new(Semaphore::new(workers)),
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
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::internal())?;
        tokio::task::spawn_blocking(f).await.map_err(|e| {
            eprintln!("image worker failed: {e}");
            ApiError::internal()
        })
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
}
