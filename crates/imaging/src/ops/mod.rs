//! One file per OSS action, each taking a bitmap and giving a bitmap. The pipeline decides the order
//! and the context (limits, logical size after shrink-on-load).

pub mod blur;
pub mod circle;
pub mod crop;
pub mod indexcrop;
pub mod mask;
pub mod orient;
pub mod resize;
pub mod rotate;
pub mod rounded_corners;
pub mod sharpen;
pub mod tone;
pub mod watermark;
