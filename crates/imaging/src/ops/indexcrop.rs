//! `indexcrop`: slice along one axis into pieces of `size` and keep piece `index`; an index past the last
//! piece returns the image unchanged (OSS doc: `indexcrop,y_100,i_10` on a 267 px image).

use cyanotype_process::{Axis, IndexCrop};

use crate::bitmap::Bitmap;

/// The piece kept along the axis, as (start, length); `None` when the index is past the last one.
fn piece(c: &IndexCrop, w: u32, h: u32) -> Option<(u32, u32)> {
    let total = match c.axis {
        Axis::X => w,
        Axis::Y => h,
    };
    let start = c.index as u64 * c.size as u64;
    if start >= total as u64 {
        return None;
    }
    let start = start as u32;
    Some((start, c.size.min(total - start)))
}

/// The size it makes of a `w` x `h` image.
pub fn size(c: &IndexCrop, w: u32, h: u32) -> (u32, u32) {
    match (piece(c, w, h), c.axis) {
        (None, _) => (w, h),
        (Some((_, len)), Axis::X) => (len, h),
        (Some((_, len)), Axis::Y) => (w, len),
    }
}

pub fn apply(b: &Bitmap, c: &IndexCrop) -> Bitmap {
    let Some((start, len)) = piece(c, b.width, b.height) else {
        return b.clone();
    };
    match c.axis {
        Axis::X => b.sub_image(start, 0, len, b.height),
        Axis::Y => b.sub_image(0, start, b.width, len),
    }
}
