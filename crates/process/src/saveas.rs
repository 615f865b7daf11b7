//! `<process>|sys/saveas,o_<base64 key>[,b_<base64 bucket>]`: ProcessObject's persistence step.
//!
//! OSS: saveas is allowed only on POST (a GET with it is a 400) and must carry the `sys/` prefix
//! (go-v1's TestProcessObject expects `|saveas,...` to fail). Key and bucket are URL-safe base64;
//! padding and the standard alphabet are accepted too, as the SDKs send both.

use crate::b64;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveAs {
    /// The target object key.
    pub object: String,
    /// The target bucket, when `b_` was given.
    pub bucket: Option<String>,
}

/// Splits a process string into the processing part and its saveas step (if any).
pub fn split(text: &str) -> Result<(&str, Option<SaveAs>)> {
    let Some((process, step)) = text.split_once('|') else {
        return Ok((text, None));
    };
    let Some(args) = step.strip_prefix("sys/saveas") else {
        return Err(Error::invalid(
            "saveas",
            "x-oss-process",
            step,
            "only sys/saveas may follow '|'",
        ));
    };
    let (mut object, mut bucket) = (None, None);
    for token in args.split(',').filter(|t| !t.is_empty()) {
        let (k, v) = token.split_once('_').unwrap_or((token, ""));
        match k {
            "o" => object = Some(b64::decode(v, "saveas", "o")?),
            "b" => bucket = Some(b64::decode(v, "saveas", "b")?),
            _ => {
                return Err(Error::invalid(
                    "saveas",
                    k,
                    v,
                    "is not a parameter of saveas",
                ))
            }
        }
    }
    let object = object.ok_or_else(|| Error::missing("saveas", "o"))?;
    if object.is_empty() {
        return Err(Error::invalid(
            "saveas",
            "o",
            "",
            "the target object name is empty",
        ));
    }
    Ok((process, Some(SaveAs { object, bucket })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            split("image/resize,w_100").unwrap(),
            ("image/resize,w_100", None)
        );
        let (p, s) = split("image/resize,w_100|sys/saveas,o_ZGVzdC5qcGc=,b_dGVzdA").unwrap();
        assert_eq!(p, "image/resize,w_100");
        assert_eq!(
            s,
            Some(SaveAs {
                object: "dest.jpg".into(),
                bucket: Some("test".into())
            })
        );
        let (_, s) = split("style/x|sys/saveas,o_ZGVzdC5qcGc").unwrap();
        assert_eq!(s.unwrap().bucket, None);
        assert!(split("image/resize,w_100|saveas,o_ZGVzdC5qcGc").is_err());
        assert!(split("image/resize,w_100|sys/saveas,b_dGVzdA").is_err());
        assert_eq!(
            split("image/x|sys/saveas,o_!!").unwrap_err().message,
            "Input is not base64 decoding."
        );
    }
}
