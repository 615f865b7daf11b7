//! The x-oss-process language: `image/<action>,<params>/<action>,...` or `style/<name>`.
//!
//! `parse` turns the text into typed ops in one pure function; nothing downstream touches strings of
//! the dialect. Every op prints back to a canonical text, and `parse(op.to_string()) == op`: that text is
//! the cache key of a processed variant.

pub mod actions;
pub mod b64;
pub mod error;
pub mod params;
pub mod saveas;

use std::fmt;

pub use actions::crop::Gravity;
pub use actions::format::Format;
pub use actions::indexcrop::Axis;
pub use actions::quality::Quality;
pub use actions::resize::{Mode, Target};
pub use actions::{
    blur::Blur,
    circle::Circle,
    crop::Crop,
    indexcrop::IndexCrop,
    resize::Resize,
    rounded_corners::RoundedCorners,
    watermark::{Align, Font, Order, Text, Watermark, WatermarkImage},
};
pub use error::{ec, Code, Error, Result};
pub use params::Rgb;

use params::Params;

/// One image action, typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    Resize(Resize),
    Crop(Crop),
    Circle(Circle),
    IndexCrop(IndexCrop),
    RoundedCorners(RoundedCorners),
    AutoOrient(bool),
    Rotate(u32),
    Blur(Blur),
    Bright(i32),
    Contrast(i32),
    Sharpen(u32),
    Format(Format),
    Interlace(bool),
    Quality(Quality),
    Watermark(Box<Watermark>),
    Info,
    AverageHue,
}

/// A whole process string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Process {
    /// `image/...`: actions in the order written.
    Image(Vec<Op>),
    /// `style/<name>`: the server resolves the style to its content.
    Style(String),
}

/// Parse a process string (the value of `x-oss-process`, or a style's content).
pub fn parse(text: &str) -> Result<Process> {
    let (kind, rest) = match text.split_once('/') {
        Some((k, r)) => (k, r),
        None => (text, ""),
    };
    match kind {
        "image" => parse_image_ops(rest).map(Process::Image),
        "style" => {
            if rest.is_empty() {
                Err(Error::missing("style", "name"))
            } else {
                Ok(Process::Style(rest.to_string()))
            }
        }
        _ => Err(Error::invalid(
            "process",
            "x-oss-process",
            text,
            "must start with image/ or style/",
        )),
    }
}

/// Most actions in one chain. OSS documents no number; this bounds the work one request can ask for
/// (each action may touch every pixel), far above real use (the OSS docs' longest example has 10).
pub const MAX_ACTIONS: usize = 32;

/// Parse the action list after `image/`.
pub fn parse_image_ops(rest: &str) -> Result<Vec<Op>> {
    parse_chain(rest, Scope::Main)
}

/// Parse the preprocessing of a watermark image (after its `?x-oss-process=image/`).
pub fn parse_watermark_ops(rest: &str) -> Result<Vec<Op>> {
    parse_chain(rest, Scope::WatermarkImage)
}

fn parse_chain(rest: &str, scope: Scope) -> Result<Vec<Op>> {
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() > MAX_ACTIONS {
        return Err(Error::invalid(
            "process",
            "x-oss-process",
            &format!("{} actions", segments.len()),
            format!("a chain holds at most {MAX_ACTIONS} actions"),
        ));
    }
    segments.into_iter().map(|s| parse_op(s, scope)).collect()
}

/// Where an action is written: the main chain, or a watermark image's preprocessing, which knows
/// `resize,P_` and refuses nested watermarks and descriptions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Main,
    WatermarkImage,
}

fn parse_op(segment: &str, scope: Scope) -> Result<Op> {
    let mut parts = segment.split(',');
    let name = parts.next().unwrap_or_default();
    let tokens: Vec<&str> = parts.filter(|t| !t.is_empty()).collect();
    let p = Params::new(name, &tokens);
    use actions::*;
    if scope == Scope::WatermarkImage {
        let refused = match name {
            "watermark" => Some(ec::WATERMARK_NESTED),
            "info" | "average-hue" => Some(ec::WATERMARK_PRE_INFO),
            _ => None,
        };
        if let Some(code) = refused {
            return Err(Error::invalid(
                "watermark",
                "image",
                segment,
                format!("the preprocessing of a watermark image may not contain {name}"),
            )
            .with_ec(code));
        }
    }
    Ok(match name {
        "resize" => Op::Resize(resize::parse_in(&p, scope == Scope::WatermarkImage)?),
        "crop" => Op::Crop(crop::parse(&p)?),
        "circle" => Op::Circle(circle::parse(&p)?),
        "indexcrop" => Op::IndexCrop(indexcrop::parse(&p)?),
        "rounded-corners" => Op::RoundedCorners(rounded_corners::parse(&p)?),
        "auto-orient" => Op::AutoOrient(auto_orient::parse(&tokens)?),
        "rotate" => Op::Rotate(rotate::parse(&tokens)?),
        "blur" => Op::Blur(blur::parse(&p)?),
        "bright" => Op::Bright(bright::parse(&tokens)?),
        "contrast" => Op::Contrast(contrast::parse(&tokens)?),
        "sharpen" => Op::Sharpen(sharpen::parse(&tokens)?),
        "format" => Op::Format(format::parse(&tokens)?),
        "interlace" => Op::Interlace(interlace::parse(&tokens)?),
        "quality" => Op::Quality(quality::parse(&tokens, &p)?),
        "info" => Op::Info,
        "average-hue" => Op::AverageHue,
        "watermark" => Op::Watermark(Box::new(watermark::parse(&p)?)),
        _ => {
            return Err(Error::invalid(
                name,
                "action",
                name,
                "is not a known image action",
            ))
        }
    })
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Resize(r) => r.fmt(f),
            Op::Crop(c) => c.fmt(f),
            Op::Circle(c) => c.fmt(f),
            Op::IndexCrop(c) => c.fmt(f),
            Op::RoundedCorners(c) => c.fmt(f),
            Op::AutoOrient(b) => write!(f, "auto-orient,{}", *b as u8),
            Op::Rotate(d) => write!(f, "rotate,{d}"),
            Op::Blur(b) => b.fmt(f),
            Op::Bright(v) => write!(f, "bright,{v}"),
            Op::Contrast(v) => write!(f, "contrast,{v}"),
            Op::Sharpen(v) => write!(f, "sharpen,{v}"),
            Op::Format(x) => write!(f, "format,{x}"),
            Op::Interlace(b) => write!(f, "interlace,{}", *b as u8),
            Op::Quality(q) => q.fmt(f),
            Op::Watermark(w) => w.fmt(f),
            Op::Info => f.write_str("info"),
            Op::AverageHue => f.write_str("average-hue"),
        }
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Process::Style(name) => write!(f, "style/{name}"),
            Process::Image(ops) => {
                f.write_str("image")?;
                for op in ops {
                    write!(f, "/{op}")?;
                }
                Ok(())
            }
        }
    }
}
