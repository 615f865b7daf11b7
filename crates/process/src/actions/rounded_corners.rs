//! `rounded-corners`: round the four corners with radius r.
//!
//! | param | meaning | range |
//! |-------|---------|-------|
//! | r     | corner radius; more than half the shorter side means that half | [1,4096] |
//!
//! Outside the corners is transparent when the output format has alpha, white for jpg.

use std::fmt;

use crate::error::Result;
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoundedCorners {
    pub r: u32,
}

pub fn parse(p: &Params) -> Result<RoundedCorners> {
    Ok(RoundedCorners {
        r: p.required_uint("r", 1, 4096)?,
    })
}

impl fmt::Display for RoundedCorners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rounded-corners,r_{}", self.r)
    }
}
