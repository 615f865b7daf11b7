//! Our JPEG quantisation tables, and how an OSS quality number maps onto them.
//!
//! libjpeg's tables (JPEG Annex K) were tuned in the 1980s for viewing at full size; they quantise the
//! highest frequencies hardest. Thumbnails and web images are judged on structure, and there a table
//! that rises gently and linearly with frequency keeps more structure per byte: luminance
//! `16 * (1 + 0.2 * (u + v))`, chrominance `17 * (1 + 0.1 * (u + v))` (u, v the horizontal and vertical
//! frequency, 0..7). We chose the shape by a grid search and calibrated the quality mapping below, per
//! output size, on the photos of Debian's lomiri-wallpapers-16.04 package (`bench/jpeg_tables.py`
//! repeats it): all 15 resized to 100, 200 and 400 px wide for thumbnails, 5 at 1600 px for medium
//! sizes, 2 at 3200 px. At every quality from 50 up, our tables at the mapped quality reach at least
//! the mean SSIM of libjpeg's tables at the asked quality, with fewer bytes (q80: 0.84-0.85x at
//! 100-400 px, 0.87x at 1600). Larger than 1600 px the gain was gone (0.95-1.03x at 3200 px), and
//! below quality 50 it is small and uneven: there libjpeg's tables stay.

/// Luminance table in natural (row-major) order, before quality scaling.
fn luma_base(i: usize) -> u32 {
    let (u, v) = ((i % 8) as u32, (i / 8) as u32);
    (16 * (10 + 2 * (u + v)) + 5) / 10
}

/// Chrominance table in natural order, before quality scaling.
fn chroma_base(i: usize) -> u32 {
    let (u, v) = ((i % 8) as u32, (i / 8) as u32);
    (17 * (10 + (u + v)) + 5) / 10
}

/// Outputs up to this many pixels on their longer side use the thumbnail mapping.
pub const THUMBNAIL_MAX_SIDE: u32 = 400;

/// (asked quality, quality applied to our tables) for thumbnails: the highest of the calibrated
/// values at 100, 200 and 400 px wide, so that no size loses SSIM against libjpeg at the asked quality.
const THUMBNAIL: [(u32, u32); 11] = [
    (50, 52),
    (55, 54),
    (60, 58),
    (65, 62),
    (70, 66),
    (75, 70),
    (80, 74),
    (85, 78),
    (90, 84),
    (95, 92),
    (100, 100),
];

/// Outputs up to this many pixels on their longer side use the MEDIUM mapping; larger ones keep
/// libjpeg's tables, because there ours stop paying: at 3200 px wide they needed q84 for libjpeg's q80
/// SSIM and saved 0-5% of the bytes, some qualities none.
pub const MEDIUM_MAX_SIDE: u32 = 1600;

/// The mapping for outputs of 401 to 1600 px, calibrated at 1600 px wide (5 of the photos): a larger
/// image keeps detail that the tables' gentle high-frequency steps spend bytes on, so the same SSIM
/// needs a higher quality than a thumbnail's (q80: 80 against 74); it still saves 8-14%. The needed
/// quality grows with size, so the 1600 px values are safe for everything between.
const MEDIUM: [(u32, u32); 11] = [
    (50, 56),
    (55, 60),
    (60, 64),
    (65, 68),
    (70, 72),
    (75, 76),
    (80, 80),
    (85, 84),
    (90, 90),
    (95, 94),
    (100, 100),
];

fn mapping(size: (u32, u32)) -> Option<&'static [(u32, u32); 11]> {
    match size.0.max(size.1) {
        side if side <= THUMBNAIL_MAX_SIDE => Some(&THUMBNAIL),
        side if side <= MEDIUM_MAX_SIDE => Some(&MEDIUM),
        _ => None,
    }
}

/// The quality our tables are scaled to for an asked quality and output size, or None where
/// libjpeg's tables serve as well or better: below quality 50, and above 1600 px.
pub fn mapped_quality(asked: u32, size: (u32, u32)) -> Option<u32> {
    let map = mapping(size)?;
    let asked = asked.min(100);
    if asked < map[0].0 {
        return None;
    }
    let i = map.iter().rposition(|&(q, _)| q <= asked)?;
    let (q0, m0) = map[i];
    let Some(&(q1, m1)) = map.get(i + 1) else {
        return Some(m0);
    };
    // Linear between the calibrated points, rounded up (never below the calibration).
    Some(m0 + ((asked - q0) * (m1 - m0)).div_ceil(q1 - q0))
}

/// libjpeg's quality scaling (jcparam.c `jpeg_quality_scaling` with baseline clamping), applied to
/// our base tables: (luminance, chrominance), values 1..255.
pub fn tables(quality: u32) -> ([u32; 64], [u32; 64]) {
    (
        std::array::from_fn(|i| scaled(luma_base(i), quality)),
        std::array::from_fn(|i| scaled(chroma_base(i), quality)),
    )
}

/// A base table entry at `quality`, by libjpeg's quality scaling, as `tables` scales it (and as
/// `jpeg_meta::estimate_quality` matches a source's table against the IJG standard one).
pub fn scaled(base: u32, quality: u32) -> u32 {
    let q = quality.clamp(1, 100);
    let percent = if q < 50 { 5000 / q } else { 200 - 2 * q };
    ((base * percent + 50) / 100).clamp(1, 255)
}

/// The asked quality a luminance table (zig-zag order, as stored in a DQT segment) of an image of
/// `size` was written with, when it is one of ours; the highest such quality, so that re-encoding a Cyanotype JPEG at that
/// quality gives back the same tables. Lets `Q_`/`q_` treat our output like any libjpeg file.
pub fn asked_quality_of(luma_zigzag: &[u16; 64], size: (u32, u32)) -> Option<u32> {
    // Entry by entry, so that a quality whose first entries differ costs no more than those (this
    // runs for every JPEG source a request re-encodes: building every table, and the zig-zag order
    // each time, was 1.4% of a small resize). The zig-zag order is the decoder's constant table.
    let order = crate::decode::jpeg_dc::NATURAL;
    (mapping(size)?[0].0..=100).rev().find(|&q| {
        let mapped = mapped_quality(q, size).expect("q >= 50");
        order
            .iter()
            .zip(luma_zigzag)
            .all(|(&n, &v)| scaled(luma_base(n), mapped) == v as u32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_tables_match_the_documented_formula() {
        let (l, c) = tables(50); // percent 100: the base tables themselves
        assert_eq!(l[0], 16);
        assert_eq!(l[63], 61); // 16 * 3.8 = 60.8
        assert_eq!(c[0], 17);
        assert_eq!(c[63], 41); // 17 * 2.4 = 40.8
        assert!(tables(100).0.iter().all(|&v| v == 1));
        assert!(tables(1).0.iter().all(|&v| v <= 255));
    }

    #[test]
    fn mapping_is_calibrated_monotone_and_bounded() {
        let thumb = (200, 133);
        assert_eq!(mapped_quality(49, thumb), None);
        assert_eq!(mapped_quality(50, thumb), Some(52));
        assert_eq!(mapped_quality(80, thumb), Some(74));
        assert_eq!(mapped_quality(82, thumb), Some(76)); // 74 + ceil(2 * 4 / 5)
        assert_eq!(mapped_quality(100, thumb), Some(100));
        let large = (1600, 1067);
        assert_eq!(mapped_quality(80, large), Some(80));
        assert_eq!(
            mapped_quality(80, (267, 401)),
            Some(80),
            "the longer side decides"
        );
        assert_eq!(
            &crate::decode::jpeg_dc::NATURAL[..10],
            &[0, 1, 8, 16, 9, 2, 3, 10, 17, 24]
        );
        let mut all = crate::decode::jpeg_dc::NATURAL;
        all.sort_unstable();
        assert!(
            all.iter().enumerate().all(|(i, &n)| i == n),
            "a permutation"
        );
        assert_eq!(&crate::decode::jpeg_dc::NATURAL[60..], &[47, 55, 62, 63]);
        for size in [thumb, large] {
            let mut last = 0;
            for q in 50..=100 {
                let m = mapped_quality(q, size).unwrap();
                assert!(m >= last && m <= 100, "q{q} -> {m}");
                last = m;
            }
        }
    }
}
