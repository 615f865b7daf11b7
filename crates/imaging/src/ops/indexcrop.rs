//! `indexcrop`: slice along one axis into pieces of `size` and keep piece `index`; an index past the last
//! piece returns the image unchanged (OSS doc: `indexcrop,y_100,i_10` on a 267 px image).

use cyanotype_process::{Axis, IndexCrop};

use crate::bitmap::Bitmap;

pub fn apply(b: &Bitmap, c: &IndexCrop) -> Bitmap {
    let total = match c.axis {
        Axis::X => b.width,
        Axis::Y => b.height,
    };
    let start = c.index as u64 * c.size as u64;
    if start >= total as u64 {
        return b.clone();
    }
    let start = start as u32;
    let len = c.size.min(total - start);
    match c.axis {
        Axis::X => b.sub_image(start, 0, len, b.height),
        Axis::Y => b.sub_image(0, start, b.width, len),
    }
}
