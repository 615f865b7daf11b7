//! Text to an RGBA layer: one line, antialiased coverage from the glyph outlines, the OSS colour, an
//! optional drop shadow, then the clockwise rotation.
//!
//! `size` is the em size in pixels (CSS's font-size), so 40 px Latin capitals are about 29 px tall.
//! The layer's height is the font's ascent plus descent at that size; its width is the advance of
//! the text (kerned), widened where a glyph's ink overhangs. Characters no font has (and control
//! characters) take the width of a space rather than drawing a box.

use ab_glyph::{point, Font as _, FontArc, GlyphId, PxScale, ScaleFont as _};
use cyanotype_process::{Error, Result, Text};

use crate::bitmap::Bitmap;
use crate::limits::Limits;
use crate::ops;
use crate::text::fonts::{Face, Fonts};

/// The pixel scale that gives `font` an em of `em` pixels.
fn em_scale(font: &FontArc, em: f32) -> PxScale {
    let upem = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em * font.height_unscaled() / upem)
}

/// Alpha coverage of the text: `(width, height, coverage)`.
pub fn coverage(
    text: &str,
    size: u32,
    face: &Face,
    limits: &Limits,
) -> Result<(u32, u32, Vec<u8>)> {
    let primary = &face.font;
    let fallback = Fonts::embedded().font;
    let em = size as f32;
    let p_scale = em_scale(primary, em);
    let f_scale = em_scale(&fallback, em);
    let metrics = primary.as_scaled(p_scale);
    let ascent = metrics.ascent();
    let line_h = ascent - metrics.descent();

    // Lay out: (font, glyph) at caret positions on the baseline.
    let mut placed = Vec::new();
    let mut caret = 0.0f32;
    let mut prev: Option<(bool, GlyphId)> = None;
    for c in text.chars() {
        let pick = if c.is_control() {
            None
        } else if primary.glyph_id(c).0 != 0 {
            Some((true, primary.glyph_id(c)))
        } else if fallback.glyph_id(c).0 != 0 {
            Some((false, fallback.glyph_id(c)))
        } else {
            None
        };
        let Some((is_primary, id)) = pick else {
            caret += metrics.h_advance(primary.glyph_id(' '));
            prev = None;
            continue;
        };
        let (font, scale) = if is_primary {
            (primary, p_scale)
        } else {
            (&fallback, f_scale)
        };
        let scaled = font.as_scaled(scale);
        if let Some((p_is_primary, p_id)) = prev {
            if p_is_primary == is_primary {
                caret += scaled.kern(p_id, id);
            }
        }
        placed.push((
            is_primary,
            id.with_scale_and_position(scale, point(caret, ascent)),
        ));
        caret += scaled.h_advance(id);
        prev = Some((is_primary, id));
    }

    let outlines: Vec<_> = placed
        .into_iter()
        .filter_map(|(is_primary, g)| {
            if is_primary {
                primary.outline_glyph(g)
            } else {
                fallback.outline_glyph(g)
            }
        })
        .collect();
    // The box: the advance and line height, grown to any ink outside them.
    let (mut x0, mut y0, mut x1, mut y1) = (0.0f32, 0.0f32, caret, line_h);
    for o in &outlines {
        let b = o.px_bounds();
        x0 = x0.min(b.min.x);
        y0 = y0.min(b.min.y);
        x1 = x1.max(b.max.x);
        y1 = y1.max(b.max.y);
    }
    let (ox, oy) = (x0.floor(), y0.floor());
    let w = ((x1 - ox).ceil() as u32).max(1);
    let h = ((y1 - oy).ceil() as u32).max(1);
    check_layer(w, h, limits)?;

    let mut cov = vec![0u8; w as usize * h as usize];
    for o in &outlines {
        let b = o.px_bounds();
        let (bx, by) = ((b.min.x - ox) as i64, (b.min.y - oy) as i64);
        o.draw(|x, y, c| {
            let (px, py) = (bx + x as i64, by + y as i64);
            if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                let i = py as usize * w as usize + px as usize;
                let v = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
                cov[i] = cov[i].saturating_add(v);
            }
        });
    }
    Ok((w, h, cov))
}

/// A watermark layer may be at most as large as an output image.
pub fn check_layer(w: u32, h: u32, limits: &Limits) -> Result<()> {
    if w > limits.max_output_side
        || h > limits.max_output_side
        || w as u64 * h as u64 > limits.max_output_pixels
    {
        return Err(Error::too_large(format!(
            "The watermark would be {w}x{h} pixels, larger than an image may be ({} px a side, {} pixels).",
            limits.max_output_side, limits.max_output_pixels
        )));
    }
    Ok(())
}

/// The text watermark as an RGBA layer (straight alpha): colour, shadow, rotation.
pub fn layer(t: &Text, fonts: &Fonts, limits: &Limits) -> Result<Bitmap> {
    let face = fonts.face(t.font);
    let (w, h, cov) = coverage(&t.text, t.size, &face, limits)?;
    // The shadow falls down and right by 1/20 of the size (at least one pixel).
    let d = if t.shadow > 0 {
        ((t.size as f32 / 20.0).round() as u32).max(1)
    } else {
        0
    };
    let (lw, lh) = (w + d, h + d);
    check_layer(lw, lh, limits)?;
    let mut data = vec![0u8; lw as usize * lh as usize * 4];
    let color = [t.color.0, t.color.1, t.color.2];
    let shadow_alpha = t.shadow * 255 / 100;
    for y in 0..h {
        for x in 0..w {
            let c = cov[(y * w + x) as usize] as u32;
            if d > 0 && c > 0 {
                // The shadow is black; drawn first, the text goes over it below.
                let i = (((y + d) * lw + x + d) * 4) as usize;
                data[i + 3] = ((c * shadow_alpha + 127) / 255) as u8;
            }
        }
    }
    for y in 0..h {
        for x in 0..w {
            let a = cov[(y * w + x) as usize];
            if a == 0 {
                continue;
            }
            let i = ((y * lw + x) * 4) as usize;
            over_pixel(&mut data[i..i + 4], [color[0], color[1], color[2], a]);
        }
    }
    let b = Bitmap::new(lw, lh, 4, data);
    Ok(if t.rotate == 0 {
        b
    } else {
        ops::rotate::turn(b, t.rotate)
    })
}

/// Source-over of one straight-alpha RGBA pixel onto another.
pub fn over_pixel(dst: &mut [u8], src: [u8; 4]) {
    let sa = src[3] as u32;
    if sa == 255 {
        dst.copy_from_slice(&src);
        return;
    }
    let da = dst[3] as u32;
    // In 1/255² units: out alpha = sa + da (1 - sa).
    let oa = sa * 255 + da * (255 - sa);
    if oa == 0 {
        return;
    }
    for c in 0..3 {
        let v = src[c] as u32 * sa * 255 + dst[c] as u32 * da * (255 - sa);
        dst[c] = ((v + oa / 2) / oa) as u8;
    }
    dst[3] = ((oa + 127) / 255) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;
    use cyanotype_process::{Font, Rgb};

    fn text(s: &str) -> Text {
        Text {
            text: s.into(),
            font: Font::WqyZenhei,
            color: Rgb(255, 0, 0),
            size: 40,
            shadow: 0,
            rotate: 0,
        }
    }

    #[test]
    fn glyphs_have_ink_and_antialiased_edges() {
        let l = layer(
            &text("Hello 图片服务!"),
            Fonts::embedded_only(),
            &Limits::default(),
        )
        .unwrap();
        assert!(l.height >= 40 && l.height <= 60, "{:?}", l);
        assert!(l.width > 200 && l.width < 400, "{:?}", l);
        let alphas: Vec<u8> = l.data.chunks(4).map(|p| p[3]).collect();
        let full = alphas.iter().filter(|&&a| a == 255).count();
        let partial = alphas.iter().filter(|&&a| a > 0 && a < 255).count();
        assert!(full > 500, "solid strokes: {full}");
        assert!(partial > 300, "antialiased edges: {partial}");
        // Every drawn pixel has the text colour.
        assert!(l
            .data
            .chunks(4)
            .filter(|p| p[3] > 0)
            .all(|p| p[..3] == [255, 0, 0]));
    }

    #[test]
    fn each_cjk_character_draws_its_own_glyph() {
        // Different characters must not all render as the same box.
        let faces: Vec<Vec<u8>> = "图片服务"
            .chars()
            .map(|c| {
                let (_, _, cov) =
                    coverage(&c.to_string(), 40, &Fonts::embedded(), &Limits::default()).unwrap();
                cov
            })
            .collect();
        for i in 0..faces.len() {
            assert!(faces[i].iter().filter(|&&v| v > 128).count() > 100);
            for j in i + 1..faces.len() {
                assert_ne!(faces[i], faces[j]);
            }
        }
    }

    #[test]
    fn shadow_and_rotation_grow_the_layer() {
        let plain = layer(&text("水印"), Fonts::embedded_only(), &Limits::default()).unwrap();
        let mut t = text("水印");
        t.shadow = 50;
        let shadowed = layer(&t, Fonts::embedded_only(), &Limits::default()).unwrap();
        assert_eq!(
            (shadowed.width, shadowed.height),
            (plain.width + 2, plain.height + 2)
        );
        // Some pixels are shadow only: black at half opacity.
        assert!(shadowed.data.chunks(4).any(|p| p == [0, 0, 0, 127]));
        t.shadow = 0;
        t.rotate = 90;
        let turned = layer(&t, Fonts::embedded_only(), &Limits::default()).unwrap();
        assert_eq!((turned.width, turned.height), (plain.height, plain.width));
    }

    #[test]
    fn huge_text_is_refused_before_allocating() {
        let mut t = text(&"字".repeat(64));
        t.size = 1000;
        let e = layer(&t, Fonts::embedded_only(), &Limits::default()).unwrap_err();
        assert_eq!(e.code, cyanotype_process::Code::ImageTooLarge);
    }

    #[test]
    fn over_pixel_blends() {
        let mut d = [0, 0, 255, 255];
        over_pixel(&mut d, [255, 0, 0, 128]);
        assert_eq!(d, [128, 0, 127, 255]);
        let mut t = [0, 0, 0, 0];
        over_pixel(&mut t, [10, 20, 30, 40]);
        assert_eq!(t, [10, 20, 30, 40]);
    }
}
