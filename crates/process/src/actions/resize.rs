//! `resize`: scale the image.
//!
//! | param | meaning                                   | range / default           |
//! |-------|-------------------------------------------|---------------------------|
//! | m     | lfit, mfit, fill, pad, fixed              | lfit                      |
//! | w, h  | target width / height                     | [1,16384]                 |
//! | l, s  | target longer / shorter side              | [1,16384]                 |
//! | limit | 1 = never enlarge, 0 = may enlarge        | 1                         |
//! | color | pad colour, RRGGBB                        | FFFFFF                    |
//! | p     | percentage of the source                  | [1,1000]                  |
//! | P     | only inside a watermark's preprocessing: percentage of the MAIN image | [1,100] |
//!
//! With w or h given, l and s are ignored (OSS doc). With any of w, h, l, s given, p is ignored.
//! `P` ranks after w, h, l, s and before p. It resolves to a box of P% of the main image's width and
//! height, to which the mode applies as to `w`/`h`; it may enlarge (its purpose is a watermark that keeps
//! its proportion to images of any size), so `limit` does not apply to it.
//! Canonical text keeps only the parameters that take effect, so equivalent requests share one key.

use std::fmt;

use crate::error::{ec, Error, Result};
use crate::params::{Params, Rgb};

pub const MAX_SIDE: u32 = 16384;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Lfit,
    Mfit,
    Fill,
    Pad,
    Fixed,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Lfit => "lfit",
            Mode::Mfit => "mfit",
            Mode::Fill => "fill",
            Mode::Pad => "pad",
            Mode::Fixed => "fixed",
        }
    }
}

/// What the target size is given by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Width and/or height (at least one).
    Sides { w: Option<u32>, h: Option<u32> },
    /// Longer and/or shorter side (at least one).
    LongShort { l: Option<u32>, s: Option<u32> },
    /// A percentage of the source, in [1,1000].
    Percent(u32),
    /// `P`: a percentage of the main image, in [1,100]; only in a watermark's preprocessing.
    MainPercent(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resize {
    pub mode: Mode,
    pub target: Target,
    /// Never enlarge (the default).
    pub limit: bool,
    /// Only meaningful for `m_pad`; always white otherwise.
    pub color: Rgb,
}

/// `resize` as a main action.
pub fn parse(p: &Params) -> Result<Resize> {
    parse_in(p, false)
}

/// `resize`, with `P` accepted when it preprocesses a watermark image.
pub fn parse_in(p: &Params, watermark: bool) -> Result<Resize> {
    let modes = [
        ("lfit", Mode::Lfit),
        ("mfit", Mode::Mfit),
        ("fill", Mode::Fill),
        ("pad", Mode::Pad),
        ("fixed", Mode::Fixed),
    ];
    let mode = p
        .word("m", &modes)
        .map_err(|e| e.with_ec(ec::RESIZE_BAD_MODE))?
        .unwrap_or(Mode::Lfit);
    let w = p.uint("w", 1, MAX_SIDE)?;
    let h = p.uint("h", 1, MAX_SIDE)?;
    let l = p.uint("l", 1, MAX_SIDE)?;
    let s = p.uint("s", 1, MAX_SIDE)?;
    let pct = p.uint("p", 1, 1000)?;
    let main_pct = if watermark {
        p.uint("P", 1, 100)?
    } else {
        None
    };
    let limit = p.flag("limit")?.unwrap_or(true);
    let color = p.color("color")?.unwrap_or(Rgb::WHITE);
    let target = if w.is_some() || h.is_some() {
        Target::Sides { w, h }
    } else if l.is_some() || s.is_some() {
        Target::LongShort { l, s }
    } else if let Some(pct) = main_pct {
        Target::MainPercent(pct)
    } else if let Some(pct) = pct {
        Target::Percent(pct)
    } else {
        return Err(Error::missing("resize", "w, h, l, s or p"));
    };
    let color = if mode == Mode::Pad { color } else { Rgb::WHITE };
    Ok(Resize {
        mode,
        target,
        limit,
        color,
    })
}

impl fmt::Display for Resize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resize,m_{}", self.mode.as_str())?;
        match self.target {
            Target::Sides { w, h } => {
                if let Some(w) = w {
                    write!(f, ",w_{w}")?;
                }
                if let Some(h) = h {
                    write!(f, ",h_{h}")?;
                }
            }
            Target::LongShort { l, s } => {
                if let Some(l) = l {
                    write!(f, ",l_{l}")?;
                }
                if let Some(s) = s {
                    write!(f, ",s_{s}")?;
                }
            }
            Target::Percent(p) => write!(f, ",p_{p}")?,
            Target::MainPercent(p) => write!(f, ",P_{p}")?,
        }
        write!(f, ",limit_{}", self.limit as u8)?;
        if self.mode == Mode::Pad {
            write!(f, ",color_{}", self.color)?;
        }
        Ok(())
    }
}
