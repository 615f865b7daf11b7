//! `indexcrop`: cut the image into equal slices along one axis and keep slice i.
//!
//! | param | meaning                              | range / default |
//! |-------|--------------------------------------|-----------------|
//! | x     | slice width (cut along the x axis)   | [1, image width]  |
//! | y     | slice height (cut along the y axis)  | [1, image height] |
//! | i     | index of the slice kept, from 0      | [0, slices), 0  |
//!
//! When both x and y are given, y wins (OSS doc). An index past the last slice returns the source.

use std::fmt;

use crate::error::{Error, Result};
use crate::params::Params;

const MAX_COORD: u32 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    X,
    Y,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexCrop {
    pub axis: Axis,
    pub size: u32,
    pub index: u32,
}

pub fn parse(p: &Params) -> Result<IndexCrop> {
    let x = p.uint("x", 1, MAX_COORD)?;
    let y = p.uint("y", 1, MAX_COORD)?;
    let index = p.uint("i", 0, MAX_COORD)?.unwrap_or(0);
    let (axis, size) = match (x, y) {
        (_, Some(y)) => (Axis::Y, y),
        (Some(x), None) => (Axis::X, x),
        (None, None) => return Err(Error::missing("indexcrop", "x or y")),
    };
    Ok(IndexCrop { axis, size, index })
}

impl fmt::Display for IndexCrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = match self.axis {
            Axis::X => "x",
            Axis::Y => "y",
        };
        write!(f, "indexcrop,{a}_{},i_{}", self.size, self.index)
    }
}
