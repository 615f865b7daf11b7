//! Processing limits, with OSS's defaults. Every limit is checked from the header, before any pixel
//! is decoded (the output's size computed through the chain, `ops::output_size`), and the output's
//! again on the pixels made.

/// Also the `[limits]` table of the server's config file, hence the serde derive.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest source object processed, in bytes (OSS: 20 MB).
    pub max_source_bytes: u64,
    /// Largest source width or height (OSS: 30,000 px).
    pub max_source_side: u32,
    /// Largest source pixel count, frames of an animation counted (OSS: 250,000,000).
    pub max_source_pixels: u64,
    /// Largest output width or height (OSS: 16,384 px).
    pub max_output_side: u32,
    /// Largest output pixel count (OSS: 16,777,216 = 4096 x 4096).
    pub max_output_pixels: u64,
    /// Largest side that rotate and auto-orient accept (OSS: 4,096 px).
    pub max_rotate_side: u32,
    /// Largest WebP output side (a limit of the WebP format: 16,383 px).
    pub max_webp_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_source_bytes: 20 * 1024 * 1024,
            max_source_side: 30_000,
            max_source_pixels: 250_000_000,
            max_output_side: 16_384,
            max_output_pixels: 16_777_216,
            max_rotate_side: 4_096,
            max_webp_side: 16_383,
        }
    }
}
