//! Colour-correct decoding: CMYK JPEGs and ICC-tagged images come out in sRGB, close to their RGB
//! counterparts; grey and palette inputs keep their look.

mod common;
use common::*;

#[test]
fn cmyk_jpeg_matches_its_rgb_counterpart() {
    let cmyk = decode_rgba(&read("jpeg/variants/pillow_sample_cmyk.jpg"));
    let rgb = decode_rgba(&read("jpeg/variants/pillow_sample_rgb.jpg"));
    let d = mean_abs_diff(&cmyk, &rgb);
    // Tolerance: the two files were separated by a CMYK round trip in Photoshop; 10/255 mean per channel
    // allows for that, while inverted or naively converted CMYK lands far above 40.
    assert!(
        d < 10.0,
        "CMYK decode differs from the RGB version by {d:.1} per channel"
    );
}

#[test]
fn grey_jpeg_is_grey_rgb() {
    let g = decode_rgba(&read("jpeg/variants/hopper_grayscale.jpg"));
    assert!(g.data.chunks(4).all(|p| p[0] == p[1] && p[1] == p[2]));
}

#[test]
fn pngsuite_palette_and_16bit_agree_with_8bit_rgb() {
    // basn2c08 (8-bit RGB) and basn2c16 / basn3p08 show the same test pattern family
    let a = decode_rgba(&read("png/pngsuite/basn2c08.png"));
    let b = decode_rgba(&read("png/pngsuite/basi2c08.png"));
    assert_eq!(
        mean_abs_diff(&a, &b),
        0.0,
        "Adam7 interlaced decodes the same pixels"
    );
    let t = decode_rgba(&read("png/pngsuite/tbbn3p08.png"));
    assert!(
        t.data.chunks(4).any(|p| p[3] == 0),
        "tRNS palette transparency is kept"
    );
}
