//! Text watermarks: the fonts behind OSS's font names, and rendering a line of text to a layer.

pub mod fonts;
pub mod render;

pub use fonts::{Face, Fonts};
