//! `blur,r_<radius>,s_<sigma>`: Gaussian blur with a kernel of 2r+1 taps and standard deviation s,
//! separable and fixed-point SIMD (libblur). Edges repeat the border pixel.

use cyanotype_process::{Blur, Error, Result};
use libblur::{
    BlurImage, BlurImageMut, ConvolutionMode, EdgeMode, EdgeMode2D, FastBlurChannels,
    GaussianBlurParams, ThreadingPolicy,
};

use crate::bitmap::Bitmap;

pub fn apply(b: &Bitmap, p: &Blur) -> Result<Bitmap> {
    gaussian(b, 2 * p.r + 1, p.s as f64)
}

/// Gaussian blur of `b` with an odd `kernel` size and `sigma`.
pub fn gaussian(b: &Bitmap, kernel: u32, sigma: f64) -> Result<Bitmap> {
    let channels = if b.channels == 4 {
        FastBlurChannels::Channels4
    } else {
        FastBlurChannels::Channels3
    };
    let src = BlurImage::borrow(&b.data, b.width, b.height, channels);
    let mut out = vec![0u8; b.data.len()];
    let mut dst = BlurImageMut::borrow(&mut out, b.width, b.height, channels);
    libblur::gaussian_blur(
        &src,
        &mut dst,
        GaussianBlurParams::new(kernel, sigma),
        EdgeMode2D::new(EdgeMode::Clamp),
        ThreadingPolicy::Single,
        ConvolutionMode::FixedPoint,
    )
    .map_err(|_| Error::internal())?;
    Ok(Bitmap::new(b.width, b.height, b.channels, out))
}
