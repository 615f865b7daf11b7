//! Tokenising one action's parameters and reading typed values out of them.
//!
//! OSS writes an action as `name,k_v,k_v` (key-value actions) or `name,value` (single-value actions).
//! Values may contain `_`, so a token splits on its first `_` only. Empty tokens (a trailing comma) are
//! dropped, as the real service accepts them.

use crate::error::{ec, Error, Result};

/// The parameters of one key-value action. Unknown keys are kept but never read: OSS ignores them.
pub struct Params<'a> {
    action: &'a str,
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    pub fn new(action: &'a str, tokens: &[&'a str]) -> Self {
        let pairs = tokens
            .iter()
            .map(|t| match t.split_once('_') {
                Some((k, v)) => (k, v),
                // A bare key (`w`) is that key with an empty value, which every reader rejects.
                None => (*t, ""),
            })
            .collect();
        Params { action, pairs }
    }

    pub fn action(&self) -> &'a str {
        self.action
    }

    /// The raw value of `key`; the last occurrence wins.
    pub fn raw(&self, key: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// An optional integer in `[lo, hi]`.
    pub fn int(&self, key: &str, lo: i64, hi: i64) -> Result<Option<i64>> {
        self.raw(key)
            .map(|v| int_value(self.action, key, v, lo, hi))
            .transpose()
    }

    pub fn uint(&self, key: &str, lo: u32, hi: u32) -> Result<Option<u32>> {
        Ok(self.int(key, lo as i64, hi as i64)?.map(|v| v as u32))
    }

    pub fn required_uint(&self, key: &str, lo: u32, hi: u32) -> Result<u32> {
        self.uint(key, lo, hi)?
            .ok_or_else(|| Error::missing(self.action, key))
    }

    /// A 0/1 switch.
    pub fn flag(&self, key: &str) -> Result<Option<bool>> {
        Ok(self.int(key, 0, 1)?.map(|v| v == 1))
    }

    /// One of a fixed set of words.
    pub fn word<T: Copy>(&self, key: &str, words: &[(&str, T)]) -> Result<Option<T>> {
        let Some(v) = self.raw(key) else {
            return Ok(None);
        };
        match words.iter().find(|(w, _)| *w == v) {
            Some((_, t)) => Ok(Some(*t)),
            None => {
                let list: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
                Err(Error::invalid(
                    self.action,
                    key,
                    v,
                    format!("{key} must be one of {}", list.join(", ")),
                ))
            }
        }
    }

    /// An `RRGGBB` colour (either case).
    pub fn color(&self, key: &str) -> Result<Option<Rgb>> {
        self.raw(key)
            .map(|v| parse_color(self.action, key, v))
            .transpose()
    }
}

/// An integer in `[lo, hi]`, written in decimal digits (a leading `-` only where negatives are allowed).
pub fn int_value(action: &str, key: &str, v: &str, lo: i64, hi: i64) -> Result<i64> {
    let digits = v.strip_prefix('-').filter(|_| lo < 0).unwrap_or(v);
    let ok = !digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit());
    let n = if ok { v.parse::<i64>().ok() } else { None };
    match n {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            action,
            key,
            v,
            format!("{key} must be an integer in [{lo},{hi}]"),
        )),
    }
}

/// The one value of a single-value action (`rotate,90`). None given is a missing argument; several is
/// the documented "too many values" error.
pub fn single<'a>(action: &str, tokens: &[&'a str]) -> Result<&'a str> {
    match tokens {
        [v] => Ok(v),
        [] => Err(Error::missing(action, "value")),
        [_, extra, ..] => Err(
            Error::invalid(action, "value", extra, "takes exactly one value")
                .with_ec(ec::TOO_MANY_VALUES),
        ),
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    pub const BLACK: Rgb = Rgb(0, 0, 0);
}

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

pub fn parse_color(action: &str, key: &str, v: &str) -> Result<Rgb> {
    if v.len() == 6 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        let n = u32::from_str_radix(v, 16).expect("six hex digits");
        Ok(Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8))
    } else {
        Err(Error::invalid(
            action,
            key,
            v,
            format!("{key} must be a colour written RRGGBB in hex"),
        ))
    }
}
