//! The bytes of recently processed sources, kept in memory up to a bound (`source_cache_mb`).
//!
//! An image is often asked for in several sizes at once (a page's `srcset`, a CDN filling its edge
//! caches), and the same source is then read from disk for each. The read is a copy out of the page
//! cache that costs about 3% of a 12 MP thumbnail's time (0.16 of 6.3 ms, `perf` on the image
//! workers); a hit here costs a hash lookup and lets both workers decode one shared buffer.
//!
//! Entries are keyed by the object's blob, the store's name for one immutable version of its bytes
//! (see `ObjectMeta::blob`): an overwrite, a copy or a completed multipart upload makes a new blob,
//! so an entry is never stale and nothing needs invalidating; a replaced version just ages out. The
//! cache is quick_cache's (S3-FIFO: a source read once leaves first, a source read again stays), in
//! one shard so that its whole capacity is one budget and a large photo fits.

use std::sync::Arc;

use cyanotype_storage::ObjectMeta;
use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, Weighter};

/// Bytes shared between the cache and the workers decoding them.
pub type SourceBytes = Arc<Vec<u8>>;

#[derive(Clone)]
struct ByLength;

impl Weighter<String, SourceBytes> for ByLength {
    fn weight(&self, _blob: &String, bytes: &SourceBytes) -> u64 {
        // An empty object still takes an entry; zero would make it unevictable.
        (bytes.len() as u64).max(1)
    }
}

pub struct Sources {
    cache: Option<Cache<String, SourceBytes, ByLength>>,
    /// Larger sources are not kept: a quarter of the capacity, so one photo cannot empty the cache.
    max_entry: u64,
}

impl Sources {
    /// A cache holding at most `capacity` bytes of sources; 0 keeps nothing.
    pub fn new(capacity: u64) -> Sources {
        if capacity == 0 {
            return Sources {
                cache: None,
                max_entry: 0,
            };
        }
        let options = OptionsBuilder::new()
            .shards(1)
            // Sized for photos of a few hundred KB; it only sets how many evicted keys are
            // remembered (a key seen again comes back as hot).
            .estimated_items_capacity((capacity / (256 * 1024)).clamp(16, 65_536) as usize)
            .weight_capacity(capacity)
            .build()
            .expect("valid cache options");
        Sources {
            cache: Some(Cache::with_options(
                options,
                ByLength,
                Default::default(),
                Default::default(),
            )),
            max_entry: capacity / 4,
        }
    }

    /// The bytes of `meta`'s version, if kept.
    pub fn get(&self, meta: &ObjectMeta) -> Option<SourceBytes> {
        let cache = self.cache.as_ref()?;
        if meta.blob.is_empty() {
            return None;
        }
        // The length check is a guard only: a blob's bytes never change.
        cache
            .get(meta.blob.as_str())
            .filter(|b| b.len() as u64 == meta.size)
    }

    /// Shares `data`, just read for `meta`, and keeps it if it fits.
    pub fn keep(&self, meta: &ObjectMeta, data: Vec<u8>) -> SourceBytes {
        let data = Arc::new(data);
        if let Some(cache) = &self.cache {
            let size = data.len() as u64;
            if !meta.blob.is_empty() && size == meta.size && size <= self.max_entry {
                cache.insert(meta.blob.clone(), data.clone());
            }
        }
        data
    }

    /// Bytes held now.
    pub fn weight(&self) -> u64 {
        self.cache.as_ref().map_or(0, |c| c.weight())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(blob: &str, size: u64) -> ObjectMeta {
        ObjectMeta {
            blob: blob.into(),
            size,
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn keeps_by_blob_and_checks_the_length() {
        let s = Sources::new(1 << 20);
        let m = meta("b1", 3);
        assert!(s.get(&m).is_none());
        let shared = s.keep(&m, vec![1, 2, 3]);
        assert_eq!(s.get(&m).unwrap(), shared);
        // Another version of the object is another blob.
        assert!(s.get(&meta("b2", 3)).is_none());
        // A length that disagrees with the metadata is not trusted.
        assert!(s.get(&meta("b1", 4)).is_none());
        // Bytes that disagree with the metadata's length (a short read) are not kept.
        s.keep(&meta("b3", 10), vec![0; 5]);
        assert!(s.get(&meta("b3", 10)).is_none());
    }

    #[test]
    fn stays_within_its_capacity() {
        let s = Sources::new(1000);
        // Over a quarter of the capacity: given back, not kept.
        let big = s.keep(&meta("big", 300), vec![7; 300]);
        assert_eq!(big.len(), 300);
        assert!(s.get(&meta("big", 300)).is_none());
        for i in 0..50 {
            s.keep(&meta(&format!("b{i}"), 200), vec![0; 200]);
            assert!(s.weight() <= 1000, "{} after {i}", s.weight());
        }
        // The last one is there; most of the first ones are gone.
        assert!(s.get(&meta("b49", 200)).is_some());
        assert!(
            (0..40)
                .filter(|i| s.get(&meta(&format!("b{i}"), 200)).is_some())
                .count()
                <= 5
        );
    }

    #[test]
    fn zero_keeps_nothing_and_an_empty_blob_is_never_kept() {
        let s = Sources::new(0);
        s.keep(&meta("b", 1), vec![1]);
        assert!(s.get(&meta("b", 1)).is_none());
        let s = Sources::new(1 << 20);
        s.keep(&meta("", 1), vec![1]);
        assert!(s.get(&meta("", 1)).is_none());
        assert_eq!(s.weight(), 0);
    }
}
