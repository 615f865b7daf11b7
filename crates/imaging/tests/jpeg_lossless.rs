//! Lossless JPEGs (SOF3): libjpeg-turbo decodes them at full size whatever DCT scale is asked for,
//! so a resize that plans a shrink-on-load must still get the whole picture (a buffer sized for the
//! scaled picture would be overrun).

mod common;

use common::{decode_rgba, run};
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

/// A lossless JPEG of a `w` x `h` picture whose red rises left to right and green top to bottom.
fn lossless_gradient(w: usize, h: usize, format: PixelFormat) -> Vec<u8> {
    let channels = format.size();
    let mut pixels = vec![0u8; w * h * channels];
    for y in 0..h {
        for x in 0..w {
            let p = &mut pixels[(y * w + x) * channels..][..channels];
            p[0] = (x * 255 / (w - 1)) as u8;
            if channels == 3 {
                p[1] = (y * 255 / (h - 1)) as u8;
                p[2] = 64;
            }
        }
    }
    let mut c = Compressor::new().unwrap();
    c.set_lossless(true).unwrap();
    let subsamp = if channels == 1 {
        Subsamp::Gray
    } else {
        Subsamp::None
    };
    c.set_subsamp(subsamp).unwrap();
    let image = Image {
        pixels: pixels.as_slice(),
        width: w,
        pitch: w * channels,
        height: h,
        format,
    };
    c.compress_to_vec(image).unwrap()
}

#[test]
fn a_lossless_jpeg_resized_with_a_shrink_on_load_is_decoded_whole() {
    for format in [PixelFormat::RGB, PixelFormat::GRAY] {
        let jpeg = lossless_gradient(400, 300, format);
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        assert!(
            jpeg.windows(2).any(|m| m == [0xFF, 0xC3]),
            "a lossless frame (SOF3)"
        );
        // 400 -> 50 plans a 1/4 decode (at least 2x left for the filter), 400 -> 100 a 1/2.
        for w in [50, 100] {
            let out = decode_rgba(&run(&jpeg, &format!("image/resize,w_{w}/format,png")).body);
            let h = (w * 300 + 200) / 400; // rounded, as OSS does
            assert_eq!((out.width, out.height), (w, h), "{format:?}");
            let at = |x: u32, y: u32| &out.data[((y * w + x) * 4) as usize..][..4];
            // The gradient survives: red (grey for a grey source) from dark at the left to bright
            // at the right, green (for RGB) from top to bottom. A picture decoded into a buffer of
            // the wrong size would be rows of the wrong length, sheared and repeated.
            for y in [2, h / 2, h - 3] {
                let (left, right) = (at(2, y)[0] as i32, at(w - 3, y)[0] as i32);
                assert!(
                    left < 30 && right > 225,
                    "{format:?} w_{w} row {y}: {left} {right}"
                );
                let expected = 255 * (w / 2) as i32 / (w - 1) as i32;
                let mid = at(w / 2, y)[0] as i32;
                assert!(
                    (mid - expected).abs() < 8,
                    "{format:?} w_{w}: {mid} vs {expected}"
                );
            }
            if format == PixelFormat::RGB {
                let (top, bottom) = (at(w / 2, 2)[1] as i32, at(w / 2, h - 3)[1] as i32);
                assert!(top < 30 && bottom > 225, "w_{w}: {top} {bottom}");
            }
        }
    }
}
