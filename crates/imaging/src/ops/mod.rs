//! One file per OSS action, each taking a bitmap and giving a bitmap. The pipeline decides the order
//! and the context (limits, logical size after shrink-on-load).

use cyanotype_process::{Op, Result};

use crate::limits::Limits;

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

/// What a chain of actions makes of one frame, known from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// The output's size.
    pub out: (u32, u32),
    /// The most pixels of the frame at any point, the start included.
    pub largest: u64,
    /// The most pixels a blur or sharpen runs on (0: none does).
    pub blurred: u64,
    /// The pixels of the image under each watermark action, added up (each keeps a layer of up to
    /// that size for the whole request).
    pub watermarked: u64,
}

/// The sizes `ops` make of an image of `size` (oriented), with the refusals on the way that need no
/// pixels: a crop that starts outside the image, a rotation of too large an image, a resize past
/// the output limits. The pipeline calls it before it decodes, so a request whose output would be
/// refused is refused from the header, not after seconds of decoding and blurring; and checks
/// (debug builds) that the pixels came out at this size.
pub fn output_size(
    mut size: (u32, u32),
    ops: &[&Op],
    never_enlarge: bool,
    limits: &Limits,
) -> Result<Sizes> {
    let area = |(w, h): (u32, u32)| w as u64 * h as u64;
    let mut largest = area(size);
    let (mut blurred, mut watermarked) = (0, 0);
    for op in ops {
        let (w, h) = size;
        match op {
            Op::Blur(_) | Op::Sharpen(_) => blurred = blurred.max(area(size)),
            Op::Watermark(_) => watermarked += area(size),
            _ => {}
        }
        size = match op {
            Op::Resize(r) => resize::plan(w, h, r, never_enlarge, limits)?.output(size),
            Op::Crop(c) => {
                let (_, _, cw, ch) = crop::rect(c, w, h)?;
                (cw, ch)
            }
            Op::Circle(c) => {
                let (_, side) = circle::square(c, w, h);
                (side, side)
            }
            Op::IndexCrop(c) => indexcrop::size(c, w, h),
            Op::Rotate(d) => rotate::size(w, h, *d, limits)?,
            Op::RoundedCorners(_)
            | Op::Blur(_)
            | Op::Bright(_)
            | Op::Contrast(_)
            | Op::Sharpen(_)
            | Op::Watermark(_)
            | Op::Format(_)
            | Op::Quality(_)
            | Op::Interlace(_)
            | Op::AutoOrient(_)
            | Op::Info
            | Op::AverageHue => size,
        };
        largest = largest.max(area(size));
    }
    Ok(Sizes {
        out: size,
        largest,
        blurred,
        watermarked,
    })
}
