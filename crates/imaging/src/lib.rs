//! Cyanotype's image engine: decode (with shrink-on-load) -> apply x-oss-process actions in URL order
//! -> encode; plus `info` (with EXIF) and `average-hue`. No HTTP, no storage: bytes in, bytes out.

pub mod bitmap;
pub mod decode;
pub mod encode;
pub mod exif_block;
pub mod hue;
pub mod icc;
pub mod info;
pub mod jpeg_meta;
pub mod limits;
pub mod ops;
pub mod pipeline;
pub mod sniff;

pub use bitmap::Bitmap;
pub use limits::Limits;
pub use pipeline::{process, Output};
