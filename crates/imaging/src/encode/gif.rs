//! GIF output: one palette for the whole animation, and each frame written as only what changed.
//!
//! A palette per frame (what the `image` crate's encoder does) maps the same colour to different
//! indices from frame to frame, so nothing repeats and LZW finds little: a 100 px resize of a 31-frame
//! 320x240 GIF came out at 70 KB, close to the 85 KB source, where sharp wrote 5 KB. With one palette,
//! an unchanged pixel has the same index in both frames. Each frame is cut to the rectangle where it
//! differs from the canvas a viewer holds before drawing it, unchanged pixels inside written as the
//! transparent index, and the frame is kept on the canvas (disposal "keep"). A pixel that turns
//! transparent in the next frame cannot be drawn that way, so a frame followed by such pixels widens
//! its rectangle over them and is cleared after showing (disposal "background"); the next frame then
//! redraws what must stay. What a viewer composes equals every quantised frame exactly.
//!
//! Quantised only when needed: with at most 255 distinct colours over all frames (a GIF cropped,
//! rotated or watermarked without new colours) every colour is kept exact in a table no longer than
//! needed; only more colours (a resize blends new ones) go through NeuQuant.

use std::borrow::Cow;
use std::collections::HashMap;

use color_quant::NeuQuant;
use cyanotype_process::{Error, Result};
use gif::{DisposalMethod, Encoder, Frame as GifFrame, Repeat};

use crate::bitmap::Bitmap;
use crate::decode::Frame;

/// At most 255 colours, so that one index is free to mean "transparent".
const COLOURS: usize = 255;
/// NeuQuant learns from every `SAMPLE_FACTOR`-th pixel it is given (1 best, 30 fastest).
const SAMPLE_FACTOR: i32 = 10;
/// Pixels handed to NeuQuant at most (evenly strided over all frames): bounds its time on long
/// animations; a few million pixels describe any palette of 255 colours.
const MAX_TRAINING_PIXELS: usize = 1 << 22;

pub fn encode(frames: &[Frame]) -> Result<Vec<u8>> {
    let first = frames.first().ok_or_else(Error::internal)?;
    let (width, height) = (first.bitmap.width, first.bitmap.height);
    let (w16, h16) = (
        u16::try_from(width).map_err(|_| Error::internal())?,
        u16::try_from(height).map_err(|_| Error::internal())?,
    );
    let bitmaps: Vec<&Bitmap> = frames.iter().map(|f| &f.bitmap).collect();
    if bitmaps
        .iter()
        .any(|b| b.width != width || b.height != height)
    {
        return Err(Error::internal());
    }
    let palette = Palette::of(&bitmaps);
    let indexed: Vec<Vec<u8>> = bitmaps.iter().map(|b| palette.index(b)).collect();
    let transparent = palette.transparent;
    let (w, h) = (width as usize, height as usize);

    let mut out = Vec::new();
    {
        let mut enc =
            Encoder::new(&mut out, w16, h16, &palette.colours).map_err(|_| Error::internal())?;
        if frames.len() > 1 {
            enc.set_repeat(Repeat::Infinite)
                .map_err(|_| Error::internal())?;
        }
        // What the viewer's canvas holds before the frame is drawn: transparent at first.
        let mut canvas = vec![transparent; w * h];
        for (i, (frame, now)) in frames.iter().zip(&indexed).enumerate() {
            let mut rect = Rect::around(w, h, |k| now[k] != canvas[k]);
            // Pixels the next frame makes transparent must be cleared after this one.
            let clear = indexed.get(i + 1).and_then(|next| {
                Rect::around(w, h, |k| now[k] != transparent && next[k] == transparent)
            });
            if let Some(c) = clear {
                rect = Some(rect.map_or(c, |r| r.union(c)));
            }
            let mut g = match rect {
                Some(r) => r.frame(w, &canvas, now, transparent),
                // Nothing changed: one transparent pixel still carries the frame's delay.
                None => GifFrame {
                    width: 1,
                    height: 1,
                    buffer: Cow::Owned(vec![transparent]),
                    ..GifFrame::default()
                },
            };
            // GIF delays are in hundredths of a second.
            g.delay = u16::try_from(frame.delay_ms.div_ceil(10)).unwrap_or(u16::MAX);
            g.transparent = Some(transparent);
            g.dispose = if clear.is_some() {
                DisposalMethod::Background
            } else {
                DisposalMethod::Keep
            };
            enc.write_frame(&g).map_err(|_| Error::internal())?;
            canvas.copy_from_slice(now);
            if let (Some(r), true) = (rect, clear.is_some()) {
                r.fill(w, &mut canvas, transparent);
            }
        }
    }
    Ok(out)
}

/// Whether a pixel of 3 (opaque) or 4 channels counts as visible: alpha at least half.
fn visible(p: &[u8]) -> bool {
    p.len() == 3 || p[3] >= 128
}

/// The colour table of the whole animation and how a pixel finds its index in it.
struct Palette {
    /// RGB triples, padded to the power of two the GIF colour table takes.
    colours: Vec<u8>,
    transparent: u8,
    map: Map,
}

enum Map {
    /// At most 255 distinct colours (GIF material cropped, rotated or watermarked as a rule): each
    /// keeps its exact value, and the table is no longer than needed.
    Exact(HashMap<[u8; 3], u8>),
    /// More colours: 255 learnt by NeuQuant from the visible pixels of every frame.
    Learnt(NeuQuant),
}

impl Palette {
    fn of(frames: &[&Bitmap]) -> Palette {
        match exact_colours(frames) {
            Some(exact) => {
                let n = exact.len();
                let mut colours = vec![0u8; 3 * (n + 1).next_power_of_two().max(2)];
                for (c, &i) in &exact {
                    colours[3 * i as usize..3 * i as usize + 3].copy_from_slice(c);
                }
                Palette {
                    colours,
                    transparent: n as u8,
                    map: Map::Exact(exact),
                }
            }
            None => {
                let quant = learn(frames);
                let mut colours = quant.color_map_rgb();
                colours.resize(256 * 3, 0);
                Palette {
                    colours,
                    transparent: COLOURS as u8,
                    map: Map::Learnt(quant),
                }
            }
        }
    }

    /// Palette indices of one frame; mostly transparent pixels (alpha below half) get `transparent`.
    fn index(&self, b: &Bitmap) -> Vec<u8> {
        let mut last: Option<([u8; 3], u8)> = None;
        b.data
            .chunks_exact(b.channels as usize)
            .map(|p| {
                if !visible(p) {
                    return self.transparent;
                }
                let rgb = [p[0], p[1], p[2]];
                // Runs of one colour are the rule in GIF material: look each run up once.
                if let Some((_, i)) = last.filter(|(c, _)| *c == rgb) {
                    return i;
                }
                let i = match &self.map {
                    Map::Exact(m) => m[&rgb],
                    Map::Learnt(q) => q.index_of(&[p[0], p[1], p[2], 255]) as u8,
                };
                last = Some((rgb, i));
                i
            })
            .collect()
    }
}

/// The distinct visible colours of every frame, numbered in order of appearance, if there are at
/// most COLOURS of them.
fn exact_colours(frames: &[&Bitmap]) -> Option<HashMap<[u8; 3], u8>> {
    let mut seen: HashMap<[u8; 3], u8> = HashMap::new();
    let mut last = None;
    for p in frames
        .iter()
        .flat_map(|b| b.data.chunks_exact(b.channels as usize))
        .filter(|p| visible(p))
    {
        let rgb = [p[0], p[1], p[2]];
        if last == Some(rgb) {
            continue;
        }
        last = Some(rgb);
        if !seen.contains_key(&rgb) {
            if seen.len() == COLOURS {
                return None;
            }
            let i = seen.len() as u8;
            seen.insert(rgb, i);
        }
    }
    Some(seen)
}

/// 255 colours learnt from the visible pixels of every frame (there are more than 255 of them).
fn learn(frames: &[&Bitmap]) -> NeuQuant {
    let visible_pixels = frames
        .iter()
        .flat_map(|b| b.data.chunks_exact(b.channels as usize))
        .filter(|p| visible(p));
    let total: usize = frames.iter().map(|b| b.pixel_count()).sum();
    let stride = total.div_ceil(MAX_TRAINING_PIXELS).max(1);
    let mut sample = Vec::with_capacity(total.min(MAX_TRAINING_PIXELS) * 4);
    for p in visible_pixels.step_by(stride) {
        sample.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    NeuQuant::new(SAMPLE_FACTOR, COLOURS, &sample)
}

/// A rectangle of the canvas, in pixels: [x0, x1) x [y0, y1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Rect {
    /// The smallest rectangle holding every pixel index `k` (row-major, `w` wide) where `hit(k)`.
    fn around(w: usize, h: usize, hit: impl Fn(usize) -> bool) -> Option<Rect> {
        let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
        for y in 0..h {
            let Some(first) = (0..w).find(|&x| hit(y * w + x)) else {
                continue;
            };
            let last = (first..w).rev().find(|&x| hit(y * w + x)).unwrap_or(first);
            x0 = x0.min(first);
            x1 = x1.max(last + 1);
            y0 = y0.min(y);
            y1 = y + 1;
        }
        (x0 < x1).then_some(Rect { x0, y0, x1, y1 })
    }

    fn union(self, o: Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// `now` inside the rectangle, with the pixels the canvas already shows written as transparent.
    fn frame(self, w: usize, canvas: &[u8], now: &[u8], transparent: u8) -> GifFrame<'static> {
        let mut buffer = Vec::with_capacity((self.x1 - self.x0) * (self.y1 - self.y0));
        for y in self.y0..self.y1 {
            for k in y * w + self.x0..y * w + self.x1 {
                buffer.push(if canvas[k] == now[k] {
                    transparent
                } else {
                    now[k]
                });
            }
        }
        GifFrame {
            left: self.x0 as u16,
            top: self.y0 as u16,
            width: (self.x1 - self.x0) as u16,
            height: (self.y1 - self.y0) as u16,
            buffer: Cow::Owned(buffer),
            ..GifFrame::default()
        }
    }

    fn fill(self, w: usize, canvas: &mut [u8], value: u8) {
        for y in self.y0..self.y1 {
            canvas[y * w + self.x0..y * w + self.x1].fill(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: u32, h: u32, rgba: [u8; 4]) -> Bitmap {
        Bitmap::new(w, h, 4, rgba.repeat((w * h) as usize))
    }

    fn frame(bitmap: Bitmap) -> Frame {
        Frame {
            bitmap,
            delay_ms: 100,
        }
    }

    /// Decodes with the gif crate, composing frames as a viewer does (disposal "keep" and
    /// "background"); returns the RGBA canvas after each frame.
    fn compose(data: &[u8]) -> Vec<Vec<u8>> {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut dec = opts.read_info(data).unwrap();
        let (w, h) = (dec.width() as usize, dec.height() as usize);
        let mut canvas = vec![0u8; w * h * 4];
        let mut out = Vec::new();
        while let Some(f) = dec.read_next_frame().unwrap() {
            let (fw, fh, left, top) = (
                f.width as usize,
                f.height as usize,
                f.left as usize,
                f.top as usize,
            );
            for y in 0..fh {
                for x in 0..fw {
                    let s = (y * fw + x) * 4;
                    if f.buffer[s + 3] == 0 {
                        continue;
                    }
                    let d = ((y + top) * w + x + left) * 4;
                    canvas[d..d + 4].copy_from_slice(&f.buffer[s..s + 4]);
                }
            }
            out.push(canvas.clone());
            if f.dispose == DisposalMethod::Background {
                for y in top..top + fh {
                    canvas[(y * w + left) * 4..(y * w + left + fw) * 4].fill(0);
                }
            }
        }
        out
    }

    /// Same picture: equal alpha (visible or not) and, where visible, colours within NeuQuant's reach
    /// (it places its 255 colours by sampling, so a colour is matched closely, not exactly).
    fn same(got: &[u8], want: &[u8]) -> bool {
        got.chunks_exact(4).zip(want.chunks_exact(4)).all(|(g, w)| {
            (g[3] >= 128) == (w[3] >= 128)
                && (w[3] < 128 || (0..3).all(|k| (g[k] as i32 - w[k] as i32).abs() <= 24))
        })
    }

    fn square(w: u32, h: u32, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> Bitmap {
        let mut b = solid(w, h, [0, 0, 0, 0]);
        for yy in y {
            for xx in x.clone() {
                let k = ((yy * w + xx) * 4) as usize;
                b.data[k..k + 4].copy_from_slice(&[230, 40, 40, 255]);
            }
        }
        b
    }

    #[test]
    fn later_frames_hold_only_the_changed_rectangle_and_compose_exactly() {
        let a = solid(40, 30, [200, 30, 30, 255]);
        let mut b = a.clone();
        for y in 10..20 {
            for x in 5..15 {
                let k = (y * 40 + x) * 4;
                b.data[k..k + 4].copy_from_slice(&[20, 20, 220, 255]);
            }
        }
        let data = encode(&[frame(a.clone()), frame(b.clone()), frame(b.clone())]).unwrap();
        let canvases = compose(&data);
        assert_eq!(canvases.len(), 3);
        assert!(same(&canvases[0], &a.data));
        assert!(same(&canvases[1], &b.data));
        assert!(same(&canvases[2], &b.data));
        let mut dec = gif::DecodeOptions::new().read_info(&data[..]).unwrap();
        dec.read_next_frame().unwrap();
        let second = dec.read_next_frame().unwrap().unwrap();
        assert_eq!(
            (second.left, second.top, second.width, second.height),
            (5, 10, 10, 10)
        );
        assert_eq!(second.delay, 10);
        let third = dec.read_next_frame().unwrap().unwrap();
        assert_eq!((third.width, third.height), (1, 1), "nothing changed");
    }

    #[test]
    fn pixels_turning_transparent_are_cleared_by_the_frame_before() {
        // A sticker: a square on a transparent canvas moves; then everything vanishes; then it returns.
        let a = square(20, 10, 2..5, 2..5);
        let b = square(20, 10, 12..15, 4..7);
        let clear = solid(20, 10, [0, 0, 0, 0]);
        let frames = [a.clone(), b.clone(), clear.clone(), b.clone()];
        let data = encode(&frames.map(frame)).unwrap();
        let canvases = compose(&data);
        assert_eq!(canvases.len(), 4);
        for (got, want) in canvases.iter().zip([&a, &b, &clear, &b]) {
            assert!(same(got, &want.data));
        }
        let mut dec = gif::DecodeOptions::new().read_info(&data[..]).unwrap();
        let mut rects = Vec::new();
        while let Some(f) = dec.read_next_frame().unwrap() {
            rects.push((f.left, f.top, f.width, f.height, f.dispose));
        }
        use DisposalMethod::{Background, Keep};
        assert_eq!(
            rects,
            [
                (2, 2, 3, 3, Background),  // the square, cleared before the next frame
                (12, 4, 3, 3, Background), // only the moved square, cleared for the empty frame
                (0, 0, 1, 1, Keep),        // nothing left to draw
                (12, 4, 3, 3, Keep),
            ]
        );
    }

    #[test]
    fn few_colours_keep_their_exact_values_in_a_short_table() {
        let mut b = square(16, 16, 4..12, 4..12);
        b.data[0..4].copy_from_slice(&[1, 2, 3, 255]);
        let data = encode(&[frame(b.clone())]).unwrap();
        let dec = gif::DecodeOptions::new().read_info(&data[..]).unwrap();
        // Two colours and the transparent index: a table of 4 entries, not 256.
        assert_eq!(dec.global_palette().map(|p| p.len()), Some(4 * 3));
        let canvas = &compose(&data)[0];
        assert_eq!(&canvas[0..4], &[1, 2, 3, 255]);
        let k = (8 * 16 + 8) * 4;
        assert_eq!(&canvas[k..k + 4], &[230, 40, 40, 255]);
        assert!(same(canvas, &b.data));
    }

    #[test]
    fn one_pixel_and_one_row_animations() {
        for (w, h) in [(1, 1), (1, 9), (9, 1)] {
            let a = solid(w, h, [10, 200, 30, 255]);
            let b = solid(w, h, [200, 10, 30, 255]);
            let data = encode(&[frame(a.clone()), frame(b.clone()), frame(a.clone())]).unwrap();
            let canvases = compose(&data);
            assert_eq!(canvases.len(), 3, "{w}x{h}");
            for (got, want) in canvases.iter().zip([&a, &b, &a]) {
                assert!(same(got, &want.data), "{w}x{h}");
            }
        }
    }

    #[test]
    fn nothing_visible_at_all() {
        let clear = solid(8, 8, [0, 0, 0, 0]);
        let data = encode(&[frame(clear.clone()), frame(clear.clone())]).unwrap();
        assert!(compose(&data).iter().all(|c| same(c, &clear.data)));
    }
}
