//! `format,<fmt>`: the output format.
//!
//! | value       | output                                                             |
//! |-------------|--------------------------------------------------------------------|
//! | jpg, jpeg   | JPEG; transparency becomes white                                   |
//! | png         | PNG                                                                |
//! | webp        | WebP (lossy unless `quality` asks otherwise)                       |
//! | bmp         | BMP                                                                |
//! | gif         | GIF for a GIF source; any other source keeps its own format (OSS)  |
//! | tiff        | TIFF                                                               |
//! | avif        | AVIF (OSS has it in some regions)                                  |

use std::fmt;

use crate::error::{Error, Result};
use crate::params::single;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpg,
    Png,
    Webp,
    Bmp,
    Gif,
    Tiff,
    Avif,
    /// A source format only (HEIC/HEIF stills): there is no HEVC encoder here, so `format,heic` is
    /// refused and a HEIC source with no `format` action is answered as JPEG.
    Heic,
}

impl Format {
    /// The name OSS uses (in `format,` and in `image/info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Gif => "gif",
            Format::Tiff => "tiff",
            Format::Avif => "avif",
            Format::Heic => "heic",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Bmp => "image/bmp",
            Format::Gif => "image/gif",
            Format::Tiff => "image/tiff",
            Format::Avif => "image/avif",
            Format::Heic => "image/heic",
        }
    }

    /// Whether the format can carry transparency.
    pub fn has_alpha(self) -> bool {
        !matches!(self, Format::Jpg)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn parse(tokens: &[&str]) -> Result<Format> {
    let v = single("format", tokens)?;
    Ok(match v {
        "jpg" | "jpeg" => Format::Jpg,
        "png" => Format::Png,
        "webp" => Format::Webp,
        "bmp" => Format::Bmp,
        "gif" => Format::Gif,
        "tiff" => Format::Tiff,
        "avif" => Format::Avif,
        _ => {
            return Err(Error::invalid(
                "format",
                "value",
                v,
                "must be one of jpg, jpeg, png, webp, bmp, gif, tiff, avif",
            ))
        }
    })
}
