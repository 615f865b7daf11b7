//! From a request line and Host to what is asked: the bucket, the key and the operation. Pure and
//! unit-tested; handlers never look at paths or sub-resources again.
//!
//! Addressing: virtual-hosted (`<bucket>.<domain>` for a configured domain, and any
//! `<bucket>.oss-<region>[-internal].aliyuncs.com`, the Host ali-oss sends when its endpoint is an IP),
//! custom domains mapped to one bucket, and path-style (`/<bucket>/<key>`) otherwise.

use percent_encoding::percent_decode;

use crate::error::{ApiError, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    ListBuckets,
    PutBucket,
    DeleteBucket,
    GetBucketInfo,
    GetBucketLocation,
    GetBucketAcl,
    PutBucketAcl,
    ListObjects,
    ListObjectsV2,
    DeleteMultipleObjects,
    ListMultipartUploads,
    ListLiveChannel,
    PutStyle,
    GetStyle,
    ListStyle,
    DeleteStyle,
    GetImageSettings,
    PutImageSettings,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    GetObjectMeta,
    DeleteObject,
    GetObjectAcl,
    PutObjectAcl,
    ProcessObject,
    InitiateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    RestoreObject,
    PutObjectTagging,
    GetObjectTagging,
    DeleteObjectTagging,
    PutSymlink,
    GetSymlink,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub op: Op,
}

/// How hosts map to buckets.
#[derive(Debug, Clone, Default)]
pub struct Addressing {
    /// Domains under which `<bucket>.<domain>` names a bucket (e.g. `localhost`, `oss.example.com`).
    pub domains: Vec<String>,
    /// Hosts that stand for one bucket each (custom domains).
    pub custom: Vec<(String, String)>,
}

impl Addressing {
    /// The bucket a Host names, if it names one.
    pub fn bucket_of_host(&self, host: &str) -> Option<String> {
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        let host = host.to_ascii_lowercase();
        if let Some((_, b)) = self
            .custom
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(&host))
        {
            return Some(b.clone());
        }
        for d in &self.domains {
            if let Some(prefix) = host
                .strip_suffix(d.as_str())
                .and_then(|p| p.strip_suffix('.'))
            {
                if !prefix.is_empty() && !prefix.contains('.') {
                    return Some(prefix.to_string());
                }
            }
        }
        // <bucket>.oss-<region>.aliyuncs.com, as ali-oss sends for IP endpoints.
        let (prefix, rest) = host.split_once('.')?;
        if rest.starts_with("oss-") && rest.ends_with(".aliyuncs.com") && !prefix.is_empty() {
            return Some(prefix.to_string());
        }
        None
    }
}

/// Decodes a query string into pairs, `+` as space (form encoding, as Python's requests sends it).
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_decode(s.as_bytes())
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-decoding that refuses what it cannot decode (a `%` without two hex digits, bytes that
/// are not UTF-8) instead of keeping it literally: a damaged copy source must not name another key,
/// a damaged tag must not become another tag.
pub fn strict_percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let bad_escape = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if bad_escape {
        return None;
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// OSS bucket names: 3-63 characters of lower-case letters, digits and `-`, starting and ending with
/// a letter or digit.
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Object keys: UTF-8, 1-1023 bytes, not starting with `/` or `\`.
pub fn check_key(key: &str) -> Result<(), ApiError> {
    let message = if key.is_empty() {
        "The Object name can not be empty"
    } else if key.len() > 1023 {
        "The Length of Object name must be less than 1024"
    } else if key.starts_with('/') || key.starts_with('\\') {
        "The specified object is not valid"
    } else {
        return Ok(());
    };
    Err(ApiError::new(Kind::InvalidObjectName, message))
}

/// Sub-resources handled here besides [`OPERATION_SUB_RESOURCES`]: they only modify a request's
/// answer or its authentication. Any other sub-resource is NotImplemented.
const RESPONSE_SUB_RESOURCES: &[&str] = &[
    "x-oss-process",
    "continuation-token",
    "security-token",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
];

/// Sub-resources that choose an operation. With a method none of their operations takes they must
/// not fall through to the plain write of the bucket or the object: `DELETE /k?acl` would delete
/// the object, `PUT /k?restore` or `PUT /k?partNumber=1` overwrite it, `DELETE /b?style` delete the
/// bucket.
const OPERATION_SUB_RESOURCES: &[&str] = &[
    "acl",
    "bucketInfo",
    "location",
    "style",
    "styleName",
    "imageSettings",
    "uploads",
    "live",
    "delete",
    "objectMeta",
    "restore",
    "tagging",
    "symlink",
    "partNumber",
    "uploadId",
];

fn has(query: &[(String, String)], name: &str) -> bool {
    query.iter().any(|(k, _)| k == name)
}

/// Parses a request. `path` is the raw (still percent-encoded) path.
pub fn parse(
    method: &str,
    host: &str,
    path: &str,
    query: &[(String, String)],
    copy_source: bool,
    addressing: &Addressing,
) -> Result<Endpoint, ApiError> {
    let decoded = percent_decode(path.as_bytes())
        .decode_utf8()
        .map_err(|_| ApiError::new(Kind::InvalidObjectName, "The specified object is not valid"))?;
    let rest = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (bucket, key) = match addressing.bucket_of_host(host) {
        Some(b) => (Some(b), rest.to_string()),
        None => match rest.split_once('/') {
            Some((b, k)) => (Some(b.to_string()), k.to_string()),
            None if rest.is_empty() => (None, String::new()),
            None => (Some(rest.to_string()), String::new()),
        },
    };
    let key = if key.is_empty() { None } else { Some(key) };
    if let Some(b) = &bucket {
        if !valid_bucket_name(b) {
            return Err(ApiError::new(
                Kind::InvalidBucketName,
                "The specified bucket is not valid.",
            )
            .with("BucketName", b.clone()));
        }
    }
    if let Some(k) = &key {
        check_key(k)?;
    }
    // A sub-resource this server does not implement (cors, lifecycle, tagging, append, symlink, ...)
    // must not fall through to a plain GET or PUT: answer NotImplemented.
    if let Some((name, _)) = query.iter().find(|(k, _)| {
        cyanotype_auth::v1::is_sub_resource(k)
            && !OPERATION_SUB_RESOURCES.contains(&k.as_str())
            && !RESPONSE_SUB_RESOURCES.contains(&k.as_str())
    }) {
        return Err(ApiError::not_implemented(&format!(
            "The sub-resource ?{name}"
        )));
    }
    // Bucket tags are not kept here; taken as another bucket operation, a PUT would create the
    // bucket.
    if bucket.is_some() && key.is_none() && has(query, "tagging") {
        return Err(ApiError::not_implemented(
            "The bucket sub-resource ?tagging",
        ));
    }
    let target = (bucket.is_some(), key.is_some());
    let Some(op) = route(method, target, query, copy_source) else {
        // RFC 9110: a 405 names the methods the resource takes. With a sub-resource that no
        // method takes as a plain write, the others (`PUT /k?restore`: POST).
        let allow: Vec<&str> = ["GET", "HEAD", "PUT", "POST", "DELETE"]
            .into_iter()
            .filter(|m| route(m, target, query, copy_source).is_some())
            .collect();
        let message = match query
            .iter()
            .find(|(k, _)| OPERATION_SUB_RESOURCES.contains(&k.as_str()))
        {
            Some((name, _)) => format!("The specified method is not allowed against this resource: {method} with the sub-resource ?{name}."),
            None => "The specified method is not allowed against this resource.".to_string(),
        };
        return Err(ApiError::new(Kind::MethodNotAllowed, message)
            .with("Method", method)
            .allow(allow.join(", ")));
    };
    Ok(Endpoint { bucket, key, op })
}

/// The operation `method` names on `target` (a bucket?, a key?) with this query; None when the
/// method takes none there.
fn route(
    method: &str,
    target: (bool, bool),
    query: &[(String, String)],
    copy_source: bool,
) -> Option<Op> {
    let q = |name| has(query, name);
    let op = match target {
        (false, _) => match method {
            "GET" => Op::ListBuckets,
            _ => return None,
        },
        (true, false) => match method {
            "PUT" if q("acl") => Op::PutBucketAcl,
            "PUT" if q("style") => Op::PutStyle,
            "PUT" if q("imageSettings") => Op::PutImageSettings,
            "PUT" => Op::PutBucket,
            "GET" if q("acl") => Op::GetBucketAcl,
            "GET" if q("bucketInfo") => Op::GetBucketInfo,
            "GET" if q("location") => Op::GetBucketLocation,
            "GET" if q("style") && q("styleName") => Op::GetStyle,
            "GET" if q("style") => Op::ListStyle,
            "GET" if q("imageSettings") => Op::GetImageSettings,
            "GET" if q("uploads") => Op::ListMultipartUploads,
            "GET" if q("live") => Op::ListLiveChannel,
            "GET" if query.iter().any(|(k, v)| k == "list-type" && v == "2") => Op::ListObjectsV2,
            "GET" | "HEAD" => Op::ListObjects,
            "DELETE" if q("style") => Op::DeleteStyle,
            "DELETE" => Op::DeleteBucket,
            "POST" if q("delete") => Op::DeleteMultipleObjects,
            _ => return None,
        },
        (true, true) => match method {
            "PUT" if q("acl") => Op::PutObjectAcl,
            "PUT" if q("tagging") => Op::PutObjectTagging,
            "GET" if q("tagging") => Op::GetObjectTagging,
            "DELETE" if q("tagging") => Op::DeleteObjectTagging,
            "PUT" if q("symlink") => Op::PutSymlink,
            "GET" if q("symlink") => Op::GetSymlink,
            // Before UploadPart: taken as one, it would store the empty body as the part.
            "PUT" if q("partNumber") && q("uploadId") && copy_source => Op::UploadPartCopy,
            "PUT" if q("partNumber") && q("uploadId") => Op::UploadPart,
            "PUT" if copy_source => Op::CopyObject,
            "PUT" => Op::PutObject,
            "GET" if q("acl") => Op::GetObjectAcl,
            "GET" if q("uploadId") => Op::ListParts,
            "GET" => Op::GetObject,
            "HEAD" if q("objectMeta") => Op::GetObjectMeta,
            "HEAD" => Op::HeadObject,
            "DELETE" if q("uploadId") => Op::AbortMultipartUpload,
            "DELETE" => Op::DeleteObject,
            "POST" if q("uploads") => Op::InitiateMultipartUpload,
            "POST" if q("uploadId") => Op::CompleteMultipartUpload,
            "POST" if q("x-oss-process") => Op::ProcessObject,
            "POST" if q("restore") => Op::RestoreObject,
            _ => return None,
        },
    };
    // A sub-resource that chooses an operation never falls through to the plain write.
    let plain_write = matches!(
        op,
        Op::PutBucket | Op::DeleteBucket | Op::PutObject | Op::CopyObject | Op::DeleteObject
    );
    if plain_write
        && query
            .iter()
            .any(|(k, _)| OPERATION_SUB_RESOURCES.contains(&k.as_str()))
    {
        return None;
    }
    Some(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_escapes_are_strict() {
        assert_eq!(strict_percent_decode("/b/a%20b").as_deref(), Some("/b/a b"));
        assert_eq!(
            strict_percent_decode("/b/%E5%9B%BE").as_deref(),
            Some("/b/\u{56fe}")
        );
        assert_eq!(strict_percent_decode("/b/a%zz"), None);
        assert_eq!(strict_percent_decode("/b/a%2"), None);
        assert_eq!(strict_percent_decode("/b/a%"), None);
        assert_eq!(strict_percent_decode("/b/%FF%FE"), None);
    }

    fn addr() -> Addressing {
        Addressing {
            domains: vec!["localhost".into()],
            custom: vec![("img.example.com".into(), "photos".into())],
        }
    }

    fn ep(method: &str, host: &str, path_query: &str) -> Result<Endpoint, ApiError> {
        let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
        parse(method, host, path, &parse_query(query), false, &addr())
    }

    fn ok(method: &str, host: &str, pq: &str) -> (Option<String>, Option<String>, Op) {
        let e = ep(method, host, pq).unwrap();
        (e.bucket, e.key, e.op)
    }

    #[test]
    fn addressing_forms() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            ok("GET", "127.0.0.1:8080", "/"),
            (None, None, Op::ListBuckets)
        );
        assert_eq!(
            ok("GET", "127.0.0.1:8080", "/b1b/a%20b/c.jpg"),
            (s("b1b"), s("a b/c.jpg"), Op::GetObject)
        );
        assert_eq!(
            ok("GET", "b1b.localhost:8080", "/c.jpg"),
            (s("b1b"), s("c.jpg"), Op::GetObject)
        );
        assert_eq!(
            ok("GET", "b1b.oss-cn-hangzhou.aliyuncs.com", "/c.jpg"),
            (s("b1b"), s("c.jpg"), Op::GetObject)
        );
        assert_eq!(
            ok("GET", "img.example.com", "/c.jpg"),
            (s("photos"), s("c.jpg"), Op::GetObject)
        );
        assert_eq!(
            ok("PUT", "127.0.0.1", "/b1b"),
            (s("b1b"), None, Op::PutBucket)
        );
        assert_eq!(
            ok("PUT", "127.0.0.1", "/b1b/"),
            (s("b1b"), None, Op::PutBucket)
        );
        // A key made of dots and slashes stays a key.
        assert_eq!(
            ok("GET", "127.0.0.1", "/b1b/../x"),
            (s("b1b"), s("../x"), Op::GetObject)
        );
    }

    #[test]
    fn sub_resources_choose_the_operation() {
        assert_eq!(ok("GET", "h", "/bkt/?acl").2, Op::GetBucketAcl);
        assert_eq!(ok("GET", "h", "/bkt/?style&styleName=s").2, Op::GetStyle);
        assert_eq!(ok("GET", "h", "/bkt/?style").2, Op::ListStyle);
        assert_eq!(
            ok("GET", "h", "/bkt/?list-type=2&prefix=a").2,
            Op::ListObjectsV2
        );
        assert_eq!(ok("GET", "h", "/bkt/?prefix=a").2, Op::ListObjects);
        assert_eq!(ok("POST", "h", "/bkt/?delete").2, Op::DeleteMultipleObjects);
        assert_eq!(
            ok("POST", "h", "/bkt/k?uploads").2,
            Op::InitiateMultipartUpload
        );
        assert_eq!(
            ok("PUT", "h", "/bkt/k?partNumber=1&uploadId=X").2,
            Op::UploadPart
        );
        assert_eq!(ok("POST", "h", "/bkt/k?x-oss-process").2, Op::ProcessObject);
        assert_eq!(ok("HEAD", "h", "/bkt/k?objectMeta").2, Op::GetObjectMeta);
        assert_eq!(
            ok("DELETE", "h", "/bkt/?style&styleName=s").2,
            Op::DeleteStyle
        );
    }

    #[test]
    fn bad_names() {
        assert_eq!(
            ep("PUT", "h", "/Bad_Bucket").unwrap_err().kind,
            Kind::InvalidBucketName
        );
        assert_eq!(
            ep("GET", "h", "/bkt//abs").unwrap_err().kind,
            Kind::InvalidObjectName
        );
        let long = format!("/bkt/{}", "a".repeat(1024));
        assert_eq!(
            ep("GET", "h", &long).unwrap_err().kind,
            Kind::InvalidObjectName
        );
        assert_eq!(
            ep("PATCH", "h", "/bkt/k").unwrap_err().kind,
            Kind::MethodNotAllowed
        );
        assert_eq!(
            ep("GET", "h", "/bkt/?cors").unwrap_err().kind,
            Kind::NotImplemented
        );
        assert_eq!(
            ep("POST", "h", "/bkt/k?append&position=0")
                .unwrap_err()
                .kind,
            Kind::NotImplemented
        );
        // A sub-resource with a method its operations do not take is not the plain write.
        for (method, pq) in [
            ("DELETE", "/bkt/k?acl"),
            ("PUT", "/bkt/k?restore"),
            ("PUT", "/bkt/k?uploads"),
            ("PUT", "/bkt/k?partNumber=1"),
            ("DELETE", "/bkt/?restore"),
            ("DELETE", "/bkt/?acl"),
            ("DELETE", "/bkt/?imageSettings"),
            ("PUT", "/bkt/?uploads"),
        ] {
            assert_eq!(
                ep(method, "h", pq).map(|e| e.op).unwrap_err().kind,
                Kind::MethodNotAllowed,
                "{method} {pq}"
            );
        }
        // The 405 names the methods that the resource takes (RFC 9110's Allow).
        for (method, pq, allow) in [
            ("DELETE", "/bkt/k?acl", "GET, HEAD, PUT"),
            ("PUT", "/bkt/k?restore", "GET, HEAD, POST"),
            ("PATCH", "/bkt/k", "GET, HEAD, PUT, DELETE"),
            ("POST", "/bkt/k", "GET, HEAD, PUT, DELETE"),
            ("DELETE", "/", "GET"),
            ("DELETE", "/bkt/?imageSettings", "GET, HEAD, PUT"),
        ] {
            let e = ep(method, "h", pq).map(|e| e.op).unwrap_err();
            assert_eq!(e.allow.as_deref(), Some(allow), "{method} {pq}");
        }
        assert_eq!(
            ok("DELETE", "h", "/bkt/k?tagging").2,
            Op::DeleteObjectTagging
        );
        assert_eq!(ok("GET", "h", "/bkt/k?partNumber=1").2, Op::GetObject);
        let (path, query) = ("/bkt/k", parse_query("partNumber=1&uploadId=u"));
        assert_eq!(
            parse("PUT", "h", path, &query, true, &addr()).unwrap().op,
            Op::UploadPartCopy
        );
        assert_eq!(
            parse("PUT", "h", path, &query, false, &addr()).unwrap().op,
            Op::UploadPart
        );
        assert_eq!(
            parse_query("x-oss-process=image%2Fresize%2Cw_200&a+b=c+d"),
            vec![
                (
                    "x-oss-process".to_string(),
                    "image/resize,w_200".to_string()
                ),
                ("a b".to_string(), "c d".to_string()),
            ]
        );
    }
}
