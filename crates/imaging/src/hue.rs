//! `image/average-hue`: the dominant colour, as `{"RGB": "0xRRGGBB"}`.
//!
//! OSS describes its algorithm only in words: start from the mean colour of the whole image, keep the
//! pixels that belong with it by a colour-distance threshold, and answer the mean of those. Its
//! threshold is not published. We iterate that step (a mean shift with a flat kernel of radius 60 in
//! RGB) until it settles, which finds the largest colour cluster: the guide's example.jpg (white dog on
//! grass) gives 0x5b7836 against the documented 0x5c783b. When no pixel lies near the mean (an image of
//! two far-apart colours in equal parts), the answer is the plain mean, as for a solid image.

use crate::bitmap::Bitmap;

/// Colour distance (Euclidean, RGB) within which a pixel counts toward the current centre.
const RADIUS: f64 = 60.0;
const MAX_STEPS: usize = 20;

pub fn average_hue(b: &Bitmap) -> (u8, u8, u8) {
    let c = b.channels as usize;
    // Mostly transparent pixels carry no visible colour.
    let pixels: Vec<[f64; 3]> = b
        .data
        .chunks_exact(c)
        .filter(|p| c == 3 || p[3] >= 128)
        .map(|p| [p[0] as f64, p[1] as f64, p[2] as f64])
        .collect();
    let mean_of = |keep: &dyn Fn(&[f64; 3]) -> bool| -> Option<[f64; 3]> {
        let mut sum = [0.0; 3];
        let mut n = 0usize;
        for p in pixels.iter().filter(|p| keep(p)) {
            for k in 0..3 {
                sum[k] += p[k];
            }
            n += 1;
        }
        (n > 0).then(|| sum.map(|s| s / n as f64))
    };
    let Some(mean) = mean_of(&|_| true) else {
        return (255, 255, 255);
    };
    let mut centre = mean;
    for _ in 0..MAX_STEPS {
        let near = |p: &[f64; 3]| {
            (0..3).map(|k| (p[k] - centre[k]).powi(2)).sum::<f64>() < RADIUS * RADIUS
        };
        let Some(next) = mean_of(&near) else { break };
        let moved: f64 = (0..3).map(|k| (next[k] - centre[k]).abs()).sum();
        centre = next;
        if moved < 0.01 {
            break;
        }
    }
    let to = |x: f64| x.round().clamp(0.0, 255.0) as u8;
    (to(centre[0]), to(centre[1]), to(centre[2]))
}

pub fn json(rgb: (u8, u8, u8)) -> String {
    format!("{{\"RGB\": \"0x{:02x}{:02x}{:02x}\"}}", rgb.0, rgb.1, rgb.2)
}
