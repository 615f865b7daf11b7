//! `interlace,<0|1>`: 1 writes a progressive JPEG. Only meaningful for jpg output; order does not matter.

use crate::error::Result;
use crate::params::{int_value, single};

pub fn parse(tokens: &[&str]) -> Result<bool> {
    Ok(int_value("interlace", "value", single("interlace", tokens)?, 0, 1)? == 1)
}
