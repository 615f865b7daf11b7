//! `quality`: JPEG/WebP output quality.
//!
//! | param | meaning                                                              | range   |
//! |-------|----------------------------------------------------------------------|---------|
//! | q     | relative: the source JPEG's quality times q% (absolute for non-JPEG)  | [1,100] |
//! | Q     | absolute: Q, or the source quality when that is already lower         | [1,100] |
//!
//! Q wins when both are given (OSS doc).

use std::fmt;

use crate::error::{Error, Result};
use crate::params::{int_value, Params};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quality {
    Relative(u32),
    Absolute(u32),
}

pub fn parse(tokens: &[&str], p: &Params) -> Result<Quality> {
    // OSS: a bare value is read as the parameter `quality` and must be digits (real error:
    // "The value: image of parameter: quality is invalid.reason:Value must be digit"). What a bare
    // number then means is undocumented; we take it as the absolute quality, the natural reading.
    let mut bare = None;
    for t in tokens.iter().filter(|t| !t.contains('_')) {
        let n = int_value("quality", "quality", t, 1, 100).map_err(|_| {
            Error::invalid(
                "quality",
                "quality",
                t,
                "a bare value must be an integer in [1,100]",
            )
        })?;
        bare = Some(n as u32);
    }
    if let Some(q) = p.uint("Q", 1, 100)? {
        return Ok(Quality::Absolute(q));
    }
    if let Some(q) = p.uint("q", 1, 100)? {
        return Ok(Quality::Relative(q));
    }
    bare.map(Quality::Absolute)
        .ok_or_else(|| Error::missing("quality", "q or Q"))
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quality::Relative(q) => write!(f, "quality,q_{q}"),
            Quality::Absolute(q) => write!(f, "quality,Q_{q}"),
        }
    }
}
