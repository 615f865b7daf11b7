//! Our JPEG quantisation tables, and how an OSS quality number maps onto them.
//!
//! libjpeg's tables (JPEG Annex K) were tuned in the 1980s for viewing at full size; they quantise the
//! highest frequencies hardest. Thumbnails and web images are judged on structure, and there a table
//! that rises gently and linearly with frequency keeps more structure per byte: luminance
//! `16 * (1 + 0.2 * (u + v))`, chrominance `17 * (1 + 0.1 * (u + v))` (u, v the horizontal and vertical
//! frequency, 0..7). We chose the shape by a grid search and calibrated the quality mapping below on the
//! 15 photos of Debian's lomiri-wallpapers-16.04 package, resized to 100, 200 and 400 px wide
//! (`bench/jpeg_tables.py` repeats it): at every quality from 50 up, our tables at the mapped quality
//! reach at least the mean SSIM of libjpeg's tables at the asked quality, with 8-20% fewer bytes
//! (q80 at 200 px: 0.85x). Below quality 50 the gain is small and uneven, so libjpeg's tables stay.

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

/// (asked quality, quality applied to our tables): the highest of the calibrated values at 100, 200
/// and 400 px, so that no size loses SSIM against libjpeg at the asked quality.
const MAPPING: [(u32, u32); 11] = [
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

/// The quality our tables are scaled to for an asked quality, or None where libjpeg's tables serve
/// better (below 50).
pub fn mapped_quality(asked: u32) -> Option<u32> {
    let asked = asked.min(100);
    if asked < MAPPING[0].0 {
        return None;
    }
    let i = MAPPING.iter().rposition(|&(q, _)| q <= asked)?;
    let (q0, m0) = MAPPING[i];
    let Some(&(q1, m1)) = MAPPING.get(i + 1) else {
        return Some(m0);
    };
    // Linear between the calibrated points, rounded up (never below the calibration).
    Some(m0 + ((asked - q0) * (m1 - m0)).div_ceil(q1 - q0))
}

/// libjpeg's quality scaling (jcparam.c `jpeg_quality_scaling` with baseline clamping), applied to
/// our base tables: (luminance, chrominance), values 1..255.
pub fn tables(quality: u32) -> ([u32; 64], [u32; 64]) {
    let q = quality.clamp(1, 100);
    let percent = if q < 50 { 5000 / q } else { 200 - 2 * q };
    let scale = |base: u32| ((base * percent + 50) / 100).clamp(1, 255);
    (
        std::array::from_fn(|i| scale(luma_base(i))),
        std::array::from_fn(|i| scale(chroma_base(i))),
    )
}

/// The asked quality a luminance table (zig-zag order, as stored in a DQT segment) was written with,
/// when it is one of ours; the highest such quality, so that re-encoding a Cyanotype JPEG at that
/// quality gives back the same tables. Lets `Q_`/`q_` treat our output like any libjpeg file.
pub fn asked_quality_of(luma_zigzag: &[u16; 64]) -> Option<u32> {
    (MAPPING[0].0..=100).rev().find(|&q| {
        let (luma, _) = tables(mapped_quality(q).expect("q >= 50"));
        zigzag_natural()
            .iter()
            .enumerate()
            .all(|(k, &n)| luma[n] == luma_zigzag[k] as u32)
    })
}

/// For each position of the zig-zag scan, its index in natural (row-major) order.
fn zigzag_natural() -> [usize; 64] {
    let mut order = [0usize; 64];
    let mut k = 0;
    for d in 0..15usize {
        // Anti-diagonal d runs down-left when d is odd, up-right when even.
        let rows: Vec<usize> = (d.saturating_sub(7)..=d.min(7)).collect();
        let rows: Vec<usize> = if d % 2 == 0 {
            rows.into_iter().rev().collect()
        } else {
            rows
        };
        for r in rows {
            order[k] = r * 8 + (d - r);
            k += 1;
        }
    }
    order
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
        assert_eq!(mapped_quality(49), None);
        assert_eq!(mapped_quality(50), Some(52));
        assert_eq!(mapped_quality(80), Some(74));
        assert_eq!(mapped_quality(82), Some(76)); // 74 + ceil(2 * 4 / 5)
        assert_eq!(mapped_quality(100), Some(100));
        assert_eq!(&zigzag_natural()[..10], &[0, 1, 8, 16, 9, 2, 3, 10, 17, 24]);
        let mut last = 0;
        for q in 50..=100 {
            let m = mapped_quality(q).unwrap();
            assert!(m >= last && m <= 100, "q{q} -> {m}");
            last = m;
        }
    }
}
