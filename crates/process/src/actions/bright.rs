//! `bright,<v>`: brightness, v in [-100,100]; 0 leaves the image as it is.
//! OSS does not document its formula: we add v * 255 / 100 to each colour channel, clamped.

use crate::error::Result;
use crate::params::{int_value, single};

pub fn parse(tokens: &[&str]) -> Result<i32> {
    Ok(int_value("bright", "value", single("bright", tokens)?, -100, 100)? as i32)
}
