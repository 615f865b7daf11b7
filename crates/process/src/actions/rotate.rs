//! `rotate,<deg>`: rotate clockwise by 0-360 degrees; other than right angles the canvas grows to the
//! bounding box. Source sides above 4096 px are refused (OSS: "Picture exceed the maximum allowable
//! rotation range").

use crate::error::{ec, Result};
use crate::params::{int_value, single};

pub fn parse(tokens: &[&str]) -> Result<u32> {
    let v = single("rotate", tokens).map_err(|e| match e.code {
        crate::Code::MissingArgument => e.with_ec(ec::ROTATE_MISSING),
        _ => e,
    })?;
    Ok(
        int_value("rotate", "value", v, 0, 360).map_err(|e| e.with_ec(ec::ROTATE_BAD_VALUE))?
            as u32,
    )
}
