//! OSS signature V4 (`OSS4-HMAC-SHA256`), header and presigned URL forms.
//!
//! CanonicalRequest = VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n
//! HashedPayload; StringToSign = `OSS4-HMAC-SHA256` \n datetime \n scope \n hex(sha256(CanonicalRequest));
//! the key is the HMAC chain `"aliyun_v4"+secret` -> date -> region -> product -> `aliyun_v4_request`.

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::RequestView;

pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// RFC 3986 unreserved characters stay; everything else is %XX (upper case).
const QUERY_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same for paths, where `/` also stays.
const PATH_SET: &AsciiSet = &QUERY_SET.remove(b'/');

pub fn uri_encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_SET).to_string()
}

fn canonical_uri(req: &RequestView) -> String {
    let raw = match (req.bucket, req.key) {
        (None, _) => "/".to_string(),
        (Some(b), None) => format!("/{b}/"),
        (Some(b), Some(k)) => format!("/{b}/{k}"),
    };
    utf8_percent_encode(&raw, PATH_SET).to_string()
}

/// Every query parameter but `x-oss-signature`, names and values encoded, sorted by encoded name.
fn canonical_query(req: &RequestView) -> String {
    let mut pairs: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| k != "x-oss-signature")
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    pairs.sort();
    let parts: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| if v.is_empty() { k } else { format!("{k}={v}") })
        .collect();
    parts.join("&")
}

/// The headers that are signed: all `x-oss-*`, `content-type`, `content-md5`, plus the additional
/// headers the client named.
fn canonical_headers(req: &RequestView, additional: &[String]) -> String {
    let mut signed: Vec<(&str, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| {
            k.starts_with("x-oss-")
                || k == "content-type"
                || k == "content-md5"
                || additional.iter().any(|a| a == k)
        })
        .map(|(k, v)| (k.as_str(), v.trim().to_string()))
        .collect();
    signed.sort();
    let mut out = String::new();
    for (k, v) in signed {
        out.push_str(k);
        out.push(':');
        out.push_str(&v);
        out.push('\n');
    }
    out
}

pub fn canonical_request(req: &RequestView, additional: &[String], payload_hash: &str) -> String {
    let mut additional_sorted = additional.to_vec();
    additional_sorted.sort();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req),
        canonical_query(req),
        canonical_headers(req, &additional_sorted),
        additional_sorted.join(";"),
        payload_hash
    )
}

/// `<date>/<region>/<product>/aliyun_v4_request`.
pub fn scope(date: &str, region: &str, product: &str) -> String {
    format!("{date}/{region}/{product}/aliyun_v4_request")
}

pub fn string_to_sign(datetime: &str, scope: &str, canonical_request: &str) -> String {
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{datetime}\n{scope}\n{hash}")
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("hmac takes any key size");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// hex(hmac(signing key, string_to_sign)).
pub fn sign(secret: &str, date: &str, region: &str, product: &str, string_to_sign: &str) -> String {
    let k = hmac(format!("aliyun_v4{secret}").as_bytes(), date);
    let k = hmac(&k, region);
    let k = hmac(&k, product);
    let k = hmac(&k, "aliyun_v4_request");
    hex::encode(hmac(&k, string_to_sign))
}

/// The parts of `Authorization: OSS4-HMAC-SHA256 Credential=..,AdditionalHeaders=..,Signature=..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub product: String,
}

impl Credential {
    /// `<ak>/<yyyymmdd>/<region>/<product>/aliyun_v4_request`.
    pub fn parse(text: &str) -> Option<Credential> {
        let parts: Vec<&str> = text.split('/').collect();
        if parts.len() != 5 || parts[4] != "aliyun_v4_request" || parts[0].is_empty() {
            return None;
        }
        Some(Credential {
            access_key_id: parts[0].to_string(),
            date: parts[1].to_string(),
            region: parts[2].to_string(),
            product: parts[3].to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationV4 {
    pub credential: Credential,
    pub additional_headers: Vec<String>,
    pub signature: String,
}

/// Parses the value after `OSS4-HMAC-SHA256 `. oss2 separates with `", "` and puts AdditionalHeaders
/// last; the other SDKs use `","` with AdditionalHeaders before Signature: split on `,` and trim.
pub fn parse_authorization(rest: &str) -> Result<AuthorizationV4, &'static str> {
    let (mut credential, mut additional, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(Credential::parse(v).ok_or("invalid Credential")?);
        } else if let Some(v) = part.strip_prefix("AdditionalHeaders=") {
            if v.is_empty() {
                return Err("AdditionalHeaders is empty");
            }
            additional = Some(
                v.split(';')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .collect(),
            );
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v.to_string());
        } else if !part.is_empty() {
            return Err("unknown element in Authorization");
        }
    }
    Ok(AuthorizationV4 {
        credential: credential.ok_or("missing Credential")?,
        additional_headers: additional.unwrap_or_default(),
        signature: signature.ok_or("missing Signature")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pairs as h;

    #[test]
    fn py_v2_header_vector() {
        // alibabacloud-oss-python-sdk-v2 tests/unit/signer/test_v4.py::test_auth_header.
        let headers = h(&[
            ("x-oss-head1", "value"),
            ("abc", "value"),
            ("zabc", "value"),
            ("xyz", "value"),
            ("content-type", "text/plain"),
            ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
            ("x-oss-date", "20231216T162057Z"),
        ]);
        let query = h(&[
            ("param1", "value1"),
            ("+param1", "value3"),
            ("|param1", "value4"),
            ("+param2", ""),
            ("|param2", ""),
            ("param2", ""),
        ]);
        let req = RequestView {
            method: "PUT",
            bucket: Some("bucket"),
            key: Some("1234+-/123/1.txt"),
            query: &query,
            headers: &headers,
        };
        let canonical = canonical_request(&req, &[], "UNSIGNED-PAYLOAD");
        assert_eq!(
            canonical,
            "PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD"
        );
        let scope = scope("20231216", "cn-hangzhou", "oss");
        let sts = string_to_sign("20231216T162057Z", &scope, &canonical);
        assert_eq!(
            sign("sk", "20231216", "cn-hangzhou", "oss", &sts),
            "e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
        );
    }

    #[test]
    fn both_comma_styles_parse() {
        let a = parse_authorization(
            "Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;abc,Signature=ff",
        )
        .unwrap();
        let b = parse_authorization(
            "Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, Signature=ff, AdditionalHeaders=host;abc",
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.additional_headers, vec!["host", "abc"]);
        assert!(parse_authorization("Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=,Signature=ff").is_err());
    }
}
