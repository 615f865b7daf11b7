//! `image/average-hue`: OSS describes its algorithm as (1) take the mean colour of the whole image,
//! (2) keep the "salient" pixels whose colour is further than a threshold from that mean, (3) answer
//! the mean colour of those pixels. The threshold is not published; ours is tuned so that the guide's
//! example.jpg gives the documented 0x5c783b within a few units per channel.

use crate::bitmap::Bitmap;

/// Squared RGB distance from the mean above which a pixel counts as salient.
const THRESHOLD: u32 = 60 * 60;

pub fn average_hue(b: &Bitmap) -> (u8, u8, u8) {
    let c = b.channels as usize;
    // Transparent pixels carry no colour.
    let opaque = |p: &[u8]| c == 3 || p[3] >= 128;
    let mean = |keep: &dyn Fn(&[u8]) -> bool| -> Option<[f64; 3]> {
        let mut sum = [0u64; 3];
        let mut n = 0u64;
        for p in b.data.chunks_exact(c).filter(|p| opaque(p) && keep(p)) {
            for k in 0..3 {
                sum[k] += p[k] as u64;
            }
            n += 1;
        }
        (n > 0).then(|| sum.map(|s| s as f64 / n as f64))
    };
    let Some(m) = mean(&|_| true) else {
        return (255, 255, 255);
    };
    let salient = |p: &[u8]| {
        let d: f64 = (0..3).map(|k| (p[k] as f64 - m[k]).powi(2)).sum();
        d > THRESHOLD as f64
    };
    let r = mean(&salient).unwrap_or(m);
    let to = |x: f64| x.round().clamp(0.0, 255.0) as u8;
    (to(r[0]), to(r[1]), to(r[2]))
}

pub fn json(rgb: (u8, u8, u8)) -> String {
    format!("{{\"RGB\": \"0x{:02x}{:02x}{:02x}\"}}", rgb.0, rgb.1, rgb.2)
}
