//! Cyanotype's image engine: decode (with shrink-on-load) -> apply x-oss-process actions in URL order
//! -> encode; plus `info` (with EXIF), `average-hue` and watermarks. No HTTP, no storage: bytes in, bytes
//! out; the other objects an image watermark needs come through [`env::Objects`].

pub mod bitmap;
pub(crate) mod convolve;
pub mod cores;
pub mod deadline;
pub mod decode;
pub mod encode;
pub mod env;
pub mod exif_block;
pub mod hue;
pub mod icc;
pub mod info;
pub mod jpeg_meta;
pub mod limits;
pub mod memory;
pub mod ops;
pub mod pipeline;
pub mod planes;
pub mod sniff;
pub mod text;

/// A fixed xorshift generator (Marsaglia's 13, 7, 17) for the unit tests' random cases: the same
/// sequence on every run.
#[cfg(test)]
pub(crate) fn xorshift64(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

pub use bitmap::Bitmap;
pub use env::{DirObjects, Env, NoObjects, ObjectError, Objects};
pub use limits::Limits;
pub use pipeline::{process, process_with, Output};
pub use text::Fonts;
