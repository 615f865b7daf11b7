//! The base64 of the watermark and saveas parameters.
//!
//! OSS documents URL-safe base64; the docs disagree on padding and real clients send the standard
//! alphabet too (`+` in ali-oss's tests). So decoding accepts both alphabets, with or without `=`;
//! anything else is OSS's `BadRequest` "Input is not base64 decoding.". A space is read as the `+` it
//! was before an unencoded URL turned it into one. Canonical text encodes URL-safe without padding.

use base64::Engine;

use crate::error::{Error, Result};

/// The bytes of a base64 value in either alphabet, padded or not.
pub fn decode_bytes(value: &str) -> Result<Vec<u8>> {
    let cleaned: String = value
        .trim_end_matches('=')
        .replace(['+', ' '], "-")
        .replace('/', "_");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cleaned.as_bytes())
        .map_err(|_| Error::bad_request("Input is not base64 decoding."))
}

/// A base64 value holding UTF-8 text (`action`/`param` name the place in the error).
pub fn decode(value: &str, action: &str, param: &str) -> Result<String> {
    String::from_utf8(decode_bytes(value)?)
        .map_err(|_| Error::invalid(action, param, value, "does not decode to UTF-8 text"))
}

/// URL-safe base64 without padding: the canonical form.
pub fn encode(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_with_and_without_padding() {
        // "hello 图片服务！" in the standard alphabet (ali-oss's test) and URL-safe.
        let want = "hello 图片服务！";
        assert_eq!(
            decode("aGVsbG8g5Zu+54mH5pyN5Yqh77yB", "a", "p").unwrap(),
            want
        );
        assert_eq!(
            decode("aGVsbG8g5Zu-54mH5pyN5Yqh77yB", "a", "p").unwrap(),
            want
        );
        assert_eq!(decode("d3F5LXplbmhlaQ==", "a", "p").unwrap(), "wqy-zenhei");
        assert_eq!(decode("d3F5LXplbmhlaQ", "a", "p").unwrap(), "wqy-zenhei");
        assert_eq!(encode("wqy-zenhei"), "d3F5LXplbmhlaQ");
        let e = decode("!!", "a", "p").unwrap_err();
        assert_eq!(e.message, "Input is not base64 decoding.");
        assert_eq!(e.code, crate::Code::BadRequest);
        // Valid base64 of bytes that are not UTF-8.
        let e = decode("_w", "watermark", "text").unwrap_err();
        assert!(e.message.contains("watermark") && e.message.contains("text"));
    }
}
