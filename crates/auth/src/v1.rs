//! OSS signature V1: `Authorization: OSS <ak>:<base64 hmac-sha1>` and the presigned URL form
//! (`OSSAccessKeyId`, `Expires`, `Signature`).
//!
//! StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders
//! CanonicalizedResource, where the resource is `/bucket/key` with the key raw (not URL-encoded) and
//! then the signed sub-resources of the query, sorted, with raw values.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::RequestView;

/// Query parameters that take part in a V1 signature. The documented list plus the ones oss2, go-v1
/// and ali-oss add; everything else (prefix, marker, max-keys, ...) is not signed.
const SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "img",
    "inventory",
    "lifecycle",
    "live",
    "location",
    "logging",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "referer",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-async-process",
    "x-oss-process",
    "x-oss-traffic-limit",
    "x-oss-request-payer",
    "resourceGroup",
    "transferAcceleration",
    "regionList",
    "accessPoint",
    "metaQuery",
    "objectInfo",
    "bucketArchiveDirectRead",
    "publicAccessBlock",
    "policyStatus",
    "resourcePool",
    "httpsConfig",
    "userDefinedLogFieldsConfig",
    "redundancyTransition",
    "dataaccesstracking",
];

pub fn is_sub_resource(name: &str) -> bool {
    SUB_RESOURCES.contains(&name)
}

/// `/`, `/bucket/` or `/bucket/key`, then `?` and the signed sub-resources.
pub fn canonical_resource(req: &RequestView) -> String {
    let mut out = match (req.bucket, req.key) {
        (None, _) => "/".to_string(),
        (Some(b), None) => format!("/{b}/"),
        (Some(b), Some(k)) => format!("/{b}/{k}"),
    };
    let mut subs: Vec<&(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| is_sub_resource(k))
        .collect();
    subs.sort_by(|a, b| a.0.cmp(&b.0));
    // A repeated parameter counts once, with its first value (the doc: "the first value counts").
    subs.dedup_by(|a, b| a.0 == b.0);
    for (i, (k, v)) in subs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// The V1 string to sign; `date_line` is `x-oss-date` or `Date` (header form) or `Expires` (URL form).
pub fn string_to_sign(req: &RequestView, date_line: &str) -> String {
    let mut oss_headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-oss-"))
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    oss_headers.sort();
    let mut out = format!(
        "{}\n{}\n{}\n{}\n",
        req.method,
        req.header("content-md5").unwrap_or(""),
        req.header("content-type").unwrap_or(""),
        date_line
    );
    for (k, v) in oss_headers {
        out.push_str(k);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out.push_str(&canonical_resource(req));
    out
}

/// base64(hmac-sha1(secret, string_to_sign)).
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("hmac takes any key size");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pairs as h;

    #[test]
    fn documented_vector() {
        // API-2021 "Add a signature to the header".
        let headers = h(&[
            (
                "content-md5",
                "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=",
            ),
            ("content-type", "text/html"),
            ("date", "Thu, 17 Nov 2005 18:49:58 GMT"),
            ("x-oss-meta-author", "foo@bar.com"),
            ("x-oss-magic", "abracadabra"),
        ]);
        let req = RequestView {
            method: "PUT",
            bucket: Some("oss-example"),
            key: Some("nelson"),
            query: &[],
            headers: &headers,
        };
        let sts = string_to_sign(&req, "Thu, 17 Nov 2005 18:49:58 GMT");
        assert_eq!(
            sts,
            "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson"
        );
        assert_eq!(
            sign("OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV", &sts),
            "26NBxoKdsyly4EDv6inkoDft/yA="
        );
    }

    #[test]
    fn py_v2_vectors() {
        // alibabacloud-oss-python-sdk-v2 tests/unit/signer/test_v1.py.
        let date = "Wed, 28 Dec 2022 10:27:41 GMT";
        let headers = h(&[
            ("content-md5", "eB5eJF1ptWaXm4bijSPyxw=="),
            ("content-type", "text/html"),
            ("x-oss-meta-author", "alice"),
            ("x-oss-meta-magic", "abracadabra"),
            ("x-oss-date", date),
        ]);
        let mut req = RequestView {
            method: "PUT",
            bucket: Some("examplebucket"),
            key: Some("nelson"),
            query: &[],
            headers: &headers,
        };
        assert_eq!(
            sign("sk", &string_to_sign(&req, date)),
            "kSHKmLxlyEAKtZPkJhG9bZb5k7M="
        );
        let acl = h(&[("acl", "")]);
        req.query = &acl;
        assert_eq!(
            sign("sk", &string_to_sign(&req, date)),
            "/afkugFbmWDQ967j1vr6zygBLQk="
        );
        let get_headers = h(&[("x-oss-date", date)]);
        let rg = h(&[("resourceGroup", "")]);
        let req = RequestView {
            method: "GET",
            bucket: Some("examplebucket"),
            key: None,
            query: &rg,
            headers: &get_headers,
        };
        assert_eq!(
            sign("sk", &string_to_sign(&req, date)),
            "vkQmfuUDyi1uDi3bKt67oemssIs="
        );
    }

    #[test]
    fn process_is_signed_raw_and_listing_params_are_not() {
        let q = h(&[
            ("x-oss-process", "image/resize,w_100"),
            ("prefix", "a"),
            ("acl", ""),
        ]);
        let req = RequestView {
            method: "GET",
            bucket: Some("b"),
            key: Some("a b.jpg"),
            query: &q,
            headers: &[],
        };
        assert_eq!(
            canonical_resource(&req),
            "/b/a b.jpg?acl&x-oss-process=image/resize,w_100"
        );
    }
}
