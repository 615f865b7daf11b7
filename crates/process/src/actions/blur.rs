//! `blur`: Gaussian blur.
//!
//! | param | meaning                | range  |
//! |-------|------------------------|--------|
//! | r     | radius                 | [1,50] |
//! | s     | standard deviation     | [1,50] |
//!
//! OSS documents no defaults, so both are required.

use std::fmt;

use crate::error::Result;
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Blur {
    pub r: u32,
    pub s: u32,
}

pub fn parse(p: &Params) -> Result<Blur> {
    Ok(Blur {
        r: p.required_uint("r", 1, 50)?,
        s: p.required_uint("s", 1, 50)?,
    })
}

impl fmt::Display for Blur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blur,r_{},s_{}", self.r, self.s)
    }
}
