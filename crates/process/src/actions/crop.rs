//! `crop`: cut a rectangle.
//!
//! | param | meaning                                        | range / default        |
//! |-------|------------------------------------------------|------------------------|
//! | w, h  | size; 0 or absent = up to the image edge       | [0, image side]        |
//! | x, y  | offset added to the origin given by g          | [0, image side], 0     |
//! | g     | origin: nw north ne west center east sw south se | nw                   |
//!
//! A size past the edge is clamped; a start outside the image is `BadRequest`
//! "Advance cut's position is out of image." (checked by the engine, which knows the size).

use std::fmt;

use crate::error::{ec, Result};
use crate::params::Params;

/// The nine anchor positions shared by crop and watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gravity {
    Nw,
    North,
    Ne,
    West,
    Center,
    East,
    Sw,
    South,
    Se,
}

pub const GRAVITIES: [(&str, Gravity); 9] = [
    ("nw", Gravity::Nw),
    ("north", Gravity::North),
    ("ne", Gravity::Ne),
    ("west", Gravity::West),
    ("center", Gravity::Center),
    ("east", Gravity::East),
    ("sw", Gravity::Sw),
    ("south", Gravity::South),
    ("se", Gravity::Se),
];

impl Gravity {
    pub fn as_str(self) -> &'static str {
        GRAVITIES
            .iter()
            .find(|(_, g)| *g == self)
            .map(|(s, _)| *s)
            .expect("every gravity has a name")
    }
}

/// Largest offset or size we accept in the text; the image bounds are checked by the engine.
const MAX_COORD: u32 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub w: Option<u32>,
    pub h: Option<u32>,
    pub g: Gravity,
}

pub fn parse(p: &Params) -> Result<Crop> {
    let e = |r: Result<Option<u32>>| r.map_err(|e| e.with_ec(ec::CROP_BAD_VALUE));
    let x = e(p.uint("x", 0, MAX_COORD))?.unwrap_or(0);
    let y = e(p.uint("y", 0, MAX_COORD))?.unwrap_or(0);
    let w = e(p.uint("w", 0, MAX_COORD))?.filter(|&w| w > 0);
    let h = e(p.uint("h", 0, MAX_COORD))?.filter(|&h| h > 0);
    let g = p.word("g", &GRAVITIES)?.unwrap_or(Gravity::Nw);
    Ok(Crop { x, y, w, h, g })
}

impl fmt::Display for Crop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "crop,x_{},y_{}", self.x, self.y)?;
        if let Some(w) = self.w {
            write!(f, ",w_{w}")?;
        }
        if let Some(h) = self.h {
            write!(f, ",h_{h}")?;
        }
        write!(f, ",g_{}", self.g.as_str())
    }
}
