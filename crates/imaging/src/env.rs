//! What processing may need besides the source bytes: the limits, the fonts of text watermarks, and
//! other objects of the source's bucket (image watermarks). The server passes its storage, the CLI a
//! local directory, tests a map; the engine itself does no I/O.

use cyanotype_process::Op;

use crate::limits::Limits;
use crate::text::Fonts;

/// Why another object could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectError {
    NotFound,
    /// Larger than the byte limit given (its size).
    TooLarge(u64),
    /// Storage failed; the text is for the log.
    Io(String),
}

/// Reads other objects of the source's bucket.
pub trait Objects: Sync {
    /// The whole object, refused when larger than `max_bytes`.
    fn get(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError>;
}

/// No other objects: every image watermark is missing.
pub struct NoObjects;

impl Objects for NoObjects {
    fn get(&self, _key: &str, _max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        Err(ObjectError::NotFound)
    }
}

/// Objects from a directory: `key` is a path below it (the CLI's stand-in for a bucket).
pub struct DirObjects(pub std::path::PathBuf);

impl Objects for DirObjects {
    fn get(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        // Keys never climb out of the directory.
        let rel = std::path::Path::new(key);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(ObjectError::NotFound);
        }
        let path = self.0.join(rel);
        let meta = std::fs::metadata(&path).map_err(|_| ObjectError::NotFound)?;
        if !meta.is_file() {
            return Err(ObjectError::NotFound);
        }
        if meta.len() > max_bytes {
            return Err(ObjectError::TooLarge(meta.len()));
        }
        std::fs::read(&path).map_err(|e| ObjectError::Io(e.to_string()))
    }
}

/// The images one request's watermark actions name, read before its pixels are decoded, so that
/// the memory their decoding takes is reserved with the source's (see `memory`). Other keys, and
/// keys that could not be read, go to the objects behind.
pub struct Prefetched<'a> {
    behind: &'a dyn Objects,
    /// One entry per watermark action whose image could be read, in order.
    read: Vec<(String, Vec<u8>)>,
}

impl<'a> Prefetched<'a> {
    pub fn read(ops: &[&Op], behind: &'a dyn Objects, max_bytes: u64) -> Prefetched<'a> {
        let read = ops
            .iter()
            .filter_map(|op| match op {
                Op::Watermark(w) => w.image.as_ref(),
                _ => None,
            })
            .filter_map(|img| Some((img.key.clone(), behind.get(&img.key, max_bytes).ok()?)))
            .collect();
        Prefetched { behind, read }
    }

    /// The images read, once per action that names them.
    pub fn images(&self) -> impl Iterator<Item = &[u8]> {
        self.read.iter().map(|(_, data)| data.as_slice())
    }
}

impl Objects for Prefetched<'_> {
    fn get(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        match self.read.iter().find(|(k, _)| k == key) {
            Some((_, data)) if data.len() as u64 <= max_bytes => Ok(data.clone()),
            _ => self.behind.get(key, max_bytes),
        }
    }
}

/// Everything `process_with` reads besides the source.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub limits: &'a Limits,
    pub fonts: &'a Fonts,
    pub objects: &'a dyn Objects,
}

impl<'a> Env<'a> {
    /// The limits given, the embedded font for every name, no other objects.
    pub fn basic(limits: &'a Limits) -> Env<'a> {
        Env {
            limits,
            fonts: Fonts::embedded_only(),
            objects: &NoObjects,
        }
    }
}
