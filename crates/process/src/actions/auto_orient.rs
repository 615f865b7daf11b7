//! `auto-orient,<0|1>`: apply the EXIF orientation. With 1 it runs before every other action,
//! wherever it is written in the chain, as OSS does (f.jpg: `resize,w_100/auto-orient,1` gives 100x127).
//! Not given means no rotation (OSS does not rotate by default).

use crate::error::{Error, Result};
use crate::params::{int_value, single};

pub fn parse(tokens: &[&str]) -> Result<bool> {
    let v = single("auto-orient", tokens).map_err(|e| match e.code {
        crate::Code::MissingArgument => Error::missing("auto-orient", "value"),
        _ => e,
    })?;
    Ok(int_value("auto-orient", "value", v, 0, 1)? == 1)
}
