//! What processing may need besides the source bytes: the limits, the fonts of text watermarks, and
//! other objects of the source's bucket (image watermarks). The server passes its storage, the CLI a
//! local directory, tests a map; the engine itself does no I/O.

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

/// Everything `process_with` reads besides the source.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub limits: &'a Limits,
    pub fonts: &'a Fonts,
    pub objects: &'a dyn Objects,
    /// How long the processing may take (see `deadline`); `None`: no limit.
    pub time_limit: Option<std::time::Duration>,
    /// Set when nobody waits for the result any more (the client left): processing stops at its
    /// next step (see `deadline`). `None`: always wanted.
    pub abandoned: Option<&'a std::sync::atomic::AtomicBool>,
}

impl<'a> Env<'a> {
    /// The limits given, the embedded font for every name, no other objects, no time limit.
    pub fn basic(limits: &'a Limits) -> Env<'a> {
        Env {
            limits,
            fonts: Fonts::embedded_only(),
            objects: &NoObjects,
            time_limit: None,
            abandoned: None,
        }
    }
}
