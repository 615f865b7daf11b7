//! `contrast,<v>`: contrast, v in [-100,100]; 0 leaves the image as it is.
//! OSS does not document its formula: we scale each channel's distance from mid-grey by
//! (100 + v) / 100 for v < 0 and by 100 / (100 - v) for v > 0 (v = 100 gives a hard threshold).

use crate::error::Result;
use crate::params::{int_value, single};

pub fn parse(tokens: &[&str]) -> Result<i32> {
    Ok(int_value("contrast", "value", single("contrast", tokens)?, -100, 100)? as i32)
}
