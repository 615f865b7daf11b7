//! One file per OSS image action: its parameter table, parsing, validation and canonical text.

pub mod auto_orient;
pub mod blur;
pub mod bright;
pub mod circle;
pub mod contrast;
pub mod crop;
pub mod format;
pub mod indexcrop;
pub mod interlace;
pub mod quality;
pub mod resize;
pub mod rotate;
pub mod rounded_corners;
pub mod sharpen;
pub mod watermark;
