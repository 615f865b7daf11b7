//! `sharpen,<v>`: unsharp mask, v in [50,399]; 100 is the recommended strength.

use crate::error::Result;
use crate::params::{int_value, single};

pub fn parse(tokens: &[&str]) -> Result<u32> {
    Ok(int_value("sharpen", "value", single("sharpen", tokens)?, 50, 399)? as u32)
}
