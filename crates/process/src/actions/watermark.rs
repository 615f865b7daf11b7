//! `watermark`: draw an image, a text, or both side by side onto the image.
//!
//! Common parameters:
//!
//! | param   | meaning                                                    | range / default |
//! |---------|------------------------------------------------------------|-----------------|
//! | t       | opacity                                                    | [0,100], 100    |
//! | g       | position: nw north ne west center east sw south se         | se              |
//! | x       | horizontal margin where the position touches a side edge   | [0,4096], 10    |
//! | y       | vertical margin where the position touches top or bottom   | [0,4096], 10    |
//! | voffset | vertical offset of the middle row (west, center, east)     | [-1000,1000], 0 |
//! | fill    | 1 = tile the watermark over the whole image                | 0               |
//! | padx    | horizontal gap between tiles                               | [0,4096], 0     |
//! | pady    | vertical gap between tiles                                 | [0,4096], 0     |
//!
//! Image: `image_<base64 of "key" or "key?x-oss-process=image/...">`; the preprocessing may use any
//! pixel action and `resize,P_n` (n% of the main image), but not watermark (EC 0040-00000373) nor info or
//! average-hue (EC 0040-00000374).
//!
//! Text: `text_<base64>` (at most 64 characters), `type_<base64 font name>` (wqy-zenhei), `color`
//! (RRGGBB, or base64 of `#RRGGBB` as the old docs write it; 000000), `size` ([1,1000] px, 40), `shadow`
//! ([0,100] opacity of a drop shadow, 0), `rotate` ([0,360] clockwise, 0).
//!
//! Both: `order` (0 image first, 1 text first; 0), `align` (0 top, 1 middle, 2 bottom), `interval`
//! ([0,1000] px, 0). The docs disagree on align's default (EN-2021: 2, ZH-2018: 0); we take the newer
//! English doc's 2 (bottom).

use std::fmt;

use crate::actions::crop::{Gravity, GRAVITIES};
use crate::b64;
use crate::error::{ec, Error, Result};
use crate::params::{parse_color, Params, Rgb};
use crate::Op;

const ACTION: &str = "watermark";
/// Most characters a text watermark holds once decoded (OSS: 64).
pub const MAX_TEXT_CHARS: usize = 64;
const MAX_MARGIN: u32 = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Watermark {
    /// Opacity in percent.
    pub opacity: u32,
    pub gravity: Gravity,
    pub x: u32,
    pub y: u32,
    pub voffset: i32,
    pub fill: bool,
    pub padx: u32,
    pub pady: u32,
    pub image: Option<WatermarkImage>,
    pub text: Option<Text>,
    /// Only meaningful with both image and text.
    pub order: Order,
    pub align: Align,
    pub interval: u32,
}

/// An object of the same bucket, with the actions that prepare it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatermarkImage {
    pub key: String,
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    pub text: String,
    pub font: Font,
    pub color: Rgb,
    pub size: u32,
    /// Opacity of the drop shadow in percent; 0 = none.
    pub shadow: u32,
    /// Clockwise degrees, [0,359] (360 is stored as 0).
    pub rotate: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    ImageFirst,
    TextFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Align {
    Top,
    Middle,
    Bottom,
}

/// The font names OSS accepts in `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    WqyZenhei,
    WqyMicrohei,
    FangzhengShusong,
    FangzhengKaiti,
    FangzhengHeiti,
    FangzhengFangsong,
    DroidSansFallback,
}

/// Every OSS font name, the first spelling of each being canonical. The guide's encoded value for
/// fangzhengheiti is labelled `fangzhenghei`, so that spelling is accepted too.
pub const FONTS: [(&str, Font); 8] = [
    ("wqy-zenhei", Font::WqyZenhei),
    ("wqy-microhei", Font::WqyMicrohei),
    ("fangzhengshusong", Font::FangzhengShusong),
    ("fangzhengkaiti", Font::FangzhengKaiti),
    ("fangzhengheiti", Font::FangzhengHeiti),
    ("fangzhengfangsong", Font::FangzhengFangsong),
    ("droidsansfallback", Font::DroidSansFallback),
    ("fangzhenghei", Font::FangzhengHeiti),
];

impl Font {
    pub fn as_str(self) -> &'static str {
        FONTS
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(s, _)| *s)
            .expect("every font has a name")
    }

    pub const ALL: [Font; 7] = [
        Font::WqyZenhei,
        Font::WqyMicrohei,
        Font::FangzhengShusong,
        Font::FangzhengKaiti,
        Font::FangzhengHeiti,
        Font::FangzhengFangsong,
        Font::DroidSansFallback,
    ];
}

pub fn parse(p: &Params) -> Result<Watermark> {
    let opacity = p.uint("t", 0, 100)?.unwrap_or(100);
    let gravity = p.word("g", &GRAVITIES)?.unwrap_or(Gravity::Se);
    let x = p.uint("x", 0, MAX_MARGIN)?.unwrap_or(10);
    let y = p.uint("y", 0, MAX_MARGIN)?.unwrap_or(10);
    let voffset = p.int("voffset", -1000, 1000)?.unwrap_or(0) as i32;
    let fill = p.flag("fill")?.unwrap_or(false);
    let pad = |k| {
        p.uint(k, 0, MAX_MARGIN)
            .map_err(|e| e.with_ec(ec::WATERMARK_BAD_PADDING))
    };
    let padx = pad("padx")?.unwrap_or(0);
    let pady = pad("pady")?.unwrap_or(0);
    let image = p.raw("image").map(parse_image).transpose()?;
    let text = p.raw("text").map(|v| parse_text(p, v)).transpose()?;
    if image.is_none() && text.is_none() {
        return Err(Error::missing(ACTION, "text or image").with_ec(ec::WATERMARK_NOTHING));
    }
    let order = p
        .word(
            "order",
            &[("0", Order::ImageFirst), ("1", Order::TextFirst)],
        )?
        .unwrap_or(Order::ImageFirst);
    let align = p
        .word(
            "align",
            &[
                ("0", Align::Top),
                ("1", Align::Middle),
                ("2", Align::Bottom),
            ],
        )?
        .unwrap_or(Align::Bottom);
    let interval = p.uint("interval", 0, 1000)?.unwrap_or(0);
    // The layout of the pair means nothing for a single part; keep one canonical form.
    let (order, align, interval) = if image.is_some() && text.is_some() {
        (order, align, interval)
    } else {
        (Order::ImageFirst, Align::Bottom, 0)
    };
    Ok(Watermark {
        opacity,
        gravity,
        x,
        y,
        voffset,
        fill,
        padx,
        pady,
        image,
        text,
        order,
        align,
        interval,
    })
}

fn parse_image(value: &str) -> Result<WatermarkImage> {
    if value.is_empty() {
        return Err(Error::missing(ACTION, "image"));
    }
    let decoded = b64::decode(value, ACTION, "image").map_err(|e| {
        if e.code == crate::Code::BadRequest {
            e.with_ec(ec::WATERMARK_NOT_BASE64)
        } else {
            e
        }
    })?;
    let (key, process) = match decoded.split_once("?x-oss-process=") {
        Some((k, p)) => (k, Some(p)),
        None => (decoded.as_str(), None),
    };
    if key.is_empty() || key.len() > 1023 {
        return Err(Error::invalid(
            ACTION,
            "image",
            &decoded,
            "must name an object key of 1 to 1023 bytes",
        ));
    }
    let ops = match process {
        None => Vec::new(),
        Some(p) => {
            let Some(rest) = p.strip_prefix("image/") else {
                return Err(Error::invalid(
                    ACTION,
                    "image",
                    &decoded,
                    "its preprocessing must start with image/",
                ));
            };
            crate::parse_watermark_ops(rest)?
        }
    };
    Ok(WatermarkImage {
        key: key.to_string(),
        ops,
    })
}

fn parse_text(p: &Params, value: &str) -> Result<Text> {
    if value.is_empty() {
        return Err(Error::invalid(ACTION, "text", value, "must not be empty")
            .with_ec(ec::WATERMARK_TEXT_EMPTY));
    }
    let text = b64::decode(value, ACTION, "text")?;
    let chars = text.chars().count();
    if chars == 0 {
        return Err(Error::invalid(ACTION, "text", value, "must not be empty")
            .with_ec(ec::WATERMARK_TEXT_EMPTY));
    }
    if chars > MAX_TEXT_CHARS {
        return Err(Error::invalid(
            ACTION,
            "text",
            value,
            format!("decodes to {chars} characters; at most {MAX_TEXT_CHARS} are allowed"),
        )
        .with_ec(ec::WATERMARK_TEXT_TOO_LONG));
    }
    let font = match p.raw("type") {
        None => Font::WqyZenhei,
        Some(v) => {
            let name = b64::decode(v, ACTION, "type")?;
            FONTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    let names: Vec<&str> = Font::ALL.iter().map(|f| f.as_str()).collect();
                    Error::invalid(
                        ACTION,
                        "type",
                        v,
                        format!(
                            "font {name:?} is not one of {} (each base64-encoded)",
                            names.join(", ")
                        ),
                    )
                })?
        }
    };
    let color = match p.raw("color") {
        None => Rgb::BLACK,
        Some(v) => parse_text_color(v)?,
    };
    let size = p.uint("size", 1, 1000)?.unwrap_or(40);
    let shadow = p.uint("shadow", 0, 100)?.unwrap_or(0);
    let rotate = p
        .uint("rotate", 0, 360)
        .map_err(|e| e.with_ec(ec::WATERMARK_BAD_ROTATE))?
        .unwrap_or(0)
        % 360;
    Ok(Text {
        text,
        font,
        color,
        size,
        shadow,
        rotate,
    })
}

/// `RRGGBB` as the current docs and SDK tests write it, or base64 of `#RRGGBB` as the old guide does.
fn parse_text_color(v: &str) -> Result<Rgb> {
    if let Ok(c) = parse_color(ACTION, "color", v) {
        return Ok(c);
    }
    let hex = b64::decode_bytes(v)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix('#').map(str::to_string));
    match hex {
        Some(h) => parse_color(ACTION, "color", &h),
        None => parse_color(ACTION, "color", v),
    }
}

impl fmt::Display for Watermark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "watermark,t_{},g_{},x_{},y_{},voffset_{},fill_{},padx_{},pady_{}",
            self.opacity,
            self.gravity.as_str(),
            self.x,
            self.y,
            self.voffset,
            self.fill as u8,
            self.padx,
            self.pady
        )?;
        if let Some(img) = &self.image {
            let mut target = img.key.clone();
            if !img.ops.is_empty() {
                target.push_str("?x-oss-process=");
                target.push_str(&crate::Process::Image(img.ops.clone()).to_string());
            }
            write!(f, ",image_{}", b64::encode(&target))?;
        }
        if let Some(t) = &self.text {
            write!(
                f,
                ",text_{},type_{},color_{},size_{},shadow_{},rotate_{}",
                b64::encode(&t.text),
                b64::encode(t.font.as_str()),
                t.color,
                t.size,
                t.shadow,
                t.rotate
            )?;
        }
        if self.image.is_some() && self.text.is_some() {
            let order = match self.order {
                Order::ImageFirst => 0,
                Order::TextFirst => 1,
            };
            let align = match self.align {
                Align::Top => 0,
                Align::Middle => 1,
                Align::Bottom => 2,
            };
            write!(f, ",order_{order},align_{align},interval_{}", self.interval)?;
        }
        Ok(())
    }
}
