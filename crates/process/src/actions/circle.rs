//! `circle`: cut the inscribed circle of radius r around the centre; the output is the square around it.
//!
//! | param | meaning | range |
//! |-------|---------|-------|
//! | r     | radius; more than half the shorter side means the largest inscribed circle | [1,4096] |
//!
//! Outside the circle is transparent when the output format has alpha, white for jpg.

use std::fmt;

use crate::error::Result;
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Circle {
    pub r: u32,
}

pub fn parse(p: &Params) -> Result<Circle> {
    Ok(Circle {
        r: p.required_uint("r", 1, 4096)?,
    })
}

impl fmt::Display for Circle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "circle,r_{}", self.r)
    }
}
