//! Who is calling: OSS V1 and V4 signatures, in headers and in presigned URLs.
//!
//! Pure functions over a [`RequestView`] (method, bucket, key, decoded query, lower-cased headers) and
//! a lookup of secrets; no HTTP types, no I/O. Signatures are compared in constant time. The errors
//! say what OSS says; the api crate gives them their wire form.

pub mod date;
pub mod v1;
pub mod v4;

use subtle::ConstantTimeEq;

/// A request as signatures see it. `key` is decoded (raw UTF-8); query pairs are decoded, in request
/// order, with an empty value for a bare `?acl`; header names are lower case.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    pub method: &'a str,
    pub bucket: Option<&'a str>,
    pub key: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
}

impl<'a> RequestView<'a> {
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&'a str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The caller a request proves to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    /// Signed with this access key id.
    Key(String),
}

/// Why a request's signature was refused, with what OSS puts in the error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// 400 InvalidArgument: the Authorization header cannot be read.
    Malformed(String),
    /// 403 InvalidAccessKeyId.
    InvalidAccessKeyId(String),
    /// 403 SignatureDoesNotMatch, with the string we signed.
    SignatureDoesNotMatch {
        access_key_id: String,
        string_to_sign: String,
        provided: String,
    },
    /// 403 AccessDenied "Request has expired."
    Expired { expires: i64, now: i64 },
    /// 403 RequestTimeTooSkewed.
    TimeTooSkewed { request_time: i64, now: i64 },
    /// 403 AccessDenied: no usable date on a signed request.
    MissingDate,
    /// 403 AccessDenied: a presigned URL lacks one of its parameters.
    MissingPresignParameter(&'static str),
    /// 400 InvalidArgument "Invalid signing region in Authorization header." (EC 0002-00000226).
    InvalidRegion(String),
    /// 400 InvalidArgument: both an Authorization header and a URL signature.
    BothAuthForms,
}

/// What the verifier needs from the server: the secret of an access key id, the region this server
/// signs for (V4 scope), the allowed clock skew.
pub struct Verifier<'a> {
    pub secret_of: &'a dyn Fn(&str) -> Option<String>,
    pub region: &'a str,
    pub now: i64,
    pub max_skew: i64,
}

/// The longest a V4 presigned URL may live (`x-oss-expires`), 7 days.
pub const MAX_V4_EXPIRES: i64 = 604_800;

impl Verifier<'_> {
    pub fn verify(&self, req: &RequestView) -> Result<Caller, AuthError> {
        let header = req.header("authorization");
        let v1_url = req.query("Signature").is_some() || req.query("OSSAccessKeyId").is_some();
        let v4_url = req.query("x-oss-signature-version").is_some();
        match (header, v1_url || v4_url) {
            (Some(_), true) => Err(AuthError::BothAuthForms),
            (Some(h), false) => self.verify_header(req, h),
            (None, true) if v4_url => self.verify_v4_url(req),
            (None, true) => self.verify_v1_url(req),
            (None, false) => Ok(Caller::Anonymous),
        }
    }

    fn secret(&self, ak: &str) -> Result<String, AuthError> {
        (self.secret_of)(ak).ok_or_else(|| AuthError::InvalidAccessKeyId(ak.to_string()))
    }

    fn check_skew(&self, t: i64) -> Result<(), AuthError> {
        if (t - self.now).abs() > self.max_skew {
            return Err(AuthError::TimeTooSkewed {
                request_time: t,
                now: self.now,
            });
        }
        Ok(())
    }

    fn verify_header(&self, req: &RequestView, header: &str) -> Result<Caller, AuthError> {
        if let Some(rest) = header.strip_prefix("OSS4-HMAC-SHA256 ") {
            return self.verify_v4_header(req, rest);
        }
        let rest = header
            .strip_prefix("OSS ")
            .ok_or_else(|| AuthError::Malformed("Authorization header is invalid.".into()))?;
        let (ak, provided) = rest
            .trim()
            .rsplit_once(':')
            .ok_or_else(|| AuthError::Malformed("Authorization header is invalid.".into()))?;
        let secret = self.secret(ak)?;
        let date = req
            .header("x-oss-date")
            .filter(|d| !d.is_empty())
            .or_else(|| req.header("date"))
            .ok_or(AuthError::MissingDate)?;
        let t = date::parse_rfc1123(date).ok_or(AuthError::MissingDate)?;
        self.check_skew(t)?;
        self.verify_v1(req, ak, &secret, date, provided)
    }

    /// Checks a V1 signature. alibabacloud-oss-v2's V1 signer leaves `x-oss-process` out of the
    /// canonical resource while oss2, go-v1 and ali-oss put it in; both forms are accepted so every
    /// SDK works. OSS: which one the service requires is not documented.
    fn verify_v1(
        &self,
        req: &RequestView,
        ak: &str,
        secret: &str,
        date_line: &str,
        provided: &str,
    ) -> Result<Caller, AuthError> {
        let sts = v1::string_to_sign(req, date_line);
        let first = matches(ak, &v1::sign(secret, &sts), provided, sts);
        if first.is_ok() || req.query("x-oss-process").is_none() {
            return first;
        }
        let without: Vec<(String, String)> = req
            .query
            .iter()
            .filter(|(k, _)| k != "x-oss-process")
            .cloned()
            .collect();
        let view = RequestView {
            query: &without,
            ..*req
        };
        let sts = v1::string_to_sign(&view, date_line);
        matches(ak, &v1::sign(secret, &sts), provided, sts).or(first)
    }

    fn verify_v1_url(&self, req: &RequestView) -> Result<Caller, AuthError> {
        let ak = req
            .query("OSSAccessKeyId")
            .ok_or(AuthError::MissingPresignParameter("OSSAccessKeyId"))?;
        let expires = req
            .query("Expires")
            .ok_or(AuthError::MissingPresignParameter("Expires"))?;
        let provided = req
            .query("Signature")
            .ok_or(AuthError::MissingPresignParameter("Signature"))?;
        let exp: i64 = expires
            .parse()
            .map_err(|_| AuthError::MissingPresignParameter("Expires"))?;
        // Expiry is checked before the key and the signature, as OSS does.
        if exp < self.now {
            return Err(AuthError::Expired {
                expires: exp,
                now: self.now,
            });
        }
        let secret = self.secret(ak)?;
        self.verify_v1(req, ak, &secret, expires, provided)
    }

    fn check_scope(&self, cred: &v4::Credential, datetime: &str) -> Result<(), AuthError> {
        if cred.region != self.region {
            return Err(AuthError::InvalidRegion(cred.region.clone()));
        }
        if !datetime.starts_with(&cred.date) {
            return Err(AuthError::Malformed(
                "The date in Credential does not match x-oss-date.".into(),
            ));
        }
        Ok(())
    }

    fn verify_v4_header(&self, req: &RequestView, rest: &str) -> Result<Caller, AuthError> {
        let auth =
            v4::parse_authorization(rest).map_err(|m| AuthError::Malformed(m.to_string()))?;
        let secret = self.secret(&auth.credential.access_key_id)?;
        let datetime = req.header("x-oss-date").ok_or(AuthError::MissingDate)?;
        let t = date::parse_v4_datetime(datetime).ok_or(AuthError::MissingDate)?;
        self.check_scope(&auth.credential, datetime)?;
        self.check_skew(t)?;
        let payload = req
            .header("x-oss-content-sha256")
            .unwrap_or("UNSIGNED-PAYLOAD");
        let canonical = v4::canonical_request(req, &auth.additional_headers, payload);
        let c = &auth.credential;
        let sts = v4::string_to_sign(
            datetime,
            &v4::scope(&c.date, &c.region, &c.product),
            &canonical,
        );
        let expected = v4::sign(&secret, &c.date, &c.region, &c.product, &sts);
        matches(&c.access_key_id, &expected, &auth.signature, sts)
    }

    fn verify_v4_url(&self, req: &RequestView) -> Result<Caller, AuthError> {
        let q = |name: &'static str| {
            req.query(name)
                .ok_or(AuthError::MissingPresignParameter(name))
        };
        if q("x-oss-signature-version")? != v4::ALGORITHM {
            return Err(AuthError::Malformed(
                "x-oss-signature-version is invalid.".into(),
            ));
        }
        let cred = v4::Credential::parse(q("x-oss-credential")?)
            .ok_or_else(|| AuthError::Malformed("x-oss-credential is invalid.".into()))?;
        let datetime = q("x-oss-date")?;
        let t = date::parse_v4_datetime(datetime).ok_or(AuthError::MissingDate)?;
        let expires: i64 = q("x-oss-expires")?
            .parse()
            .ok()
            .filter(|e| (1..=MAX_V4_EXPIRES).contains(e))
            .ok_or_else(|| AuthError::Malformed("x-oss-expires is invalid.".into()))?;
        let provided = q("x-oss-signature")?;
        if t + expires < self.now {
            return Err(AuthError::Expired {
                expires: t + expires,
                now: self.now,
            });
        }
        if t - self.now > self.max_skew {
            return Err(AuthError::TimeTooSkewed {
                request_time: t,
                now: self.now,
            });
        }
        self.check_scope(&cred, datetime)?;
        let secret = self.secret(&cred.access_key_id)?;
        let additional: Vec<String> = req
            .query("x-oss-additional-headers")
            .map(|a| {
                a.split(';')
                    .filter(|h| !h.is_empty())
                    .map(|h| h.to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let canonical = v4::canonical_request(req, &additional, "UNSIGNED-PAYLOAD");
        let sts = v4::string_to_sign(
            datetime,
            &v4::scope(&cred.date, &cred.region, &cred.product),
            &canonical,
        );
        let expected = v4::sign(&secret, &cred.date, &cred.region, &cred.product, &sts);
        matches(&cred.access_key_id, &expected, provided, sts)
    }
}

fn matches(ak: &str, expected: &str, provided: &str, sts: String) -> Result<Caller, AuthError> {
    if bool::from(expected.as_bytes().ct_eq(provided.as_bytes())) {
        Ok(Caller::Key(ak.to_string()))
    } else {
        Err(AuthError::SignatureDoesNotMatch {
            access_key_id: ak.to_string(),
            string_to_sign: sts,
            provided: provided.to_string(),
        })
    }
}

/// Test helper: owned (name, value) pairs.
#[cfg(test)]
pub(crate) fn test_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pairs as h;

    fn verifier(now: i64) -> (impl Fn(&str) -> Option<String>, i64) {
        (|ak: &str| (ak == "ak").then(|| "sk".to_string()), now)
    }

    #[test]
    fn v1_header_round_trip_and_failures() {
        let now = 1_700_000_000;
        let date = date::rfc1123(now);
        let (lookup, now) = verifier(now);
        let v = Verifier {
            secret_of: &lookup,
            region: "cn-hangzhou",
            now,
            max_skew: 900,
        };
        let q = h(&[("x-oss-process", "image/resize,w_10")]);
        let mut headers = h(&[("date", &date)]);
        let view = RequestView {
            method: "GET",
            bucket: Some("b"),
            key: Some("k.jpg"),
            query: &q,
            headers: &headers,
        };
        let sig = v1::sign("sk", &v1::string_to_sign(&view, &date));
        headers.push(("authorization".into(), format!("OSS ak:{sig}")));
        let view = RequestView {
            method: "GET",
            bucket: Some("b"),
            key: Some("k.jpg"),
            query: &q,
            headers: &headers,
        };
        assert_eq!(v.verify(&view), Ok(Caller::Key("ak".into())));

        // A different process string is a different signature.
        let q2 = h(&[("x-oss-process", "image/resize,w_11")]);
        let tampered = RequestView { query: &q2, ..view };
        assert!(matches!(
            v.verify(&tampered),
            Err(AuthError::SignatureDoesNotMatch { .. })
        ));

        let late = Verifier {
            now: now + 901,
            ..v
        };
        assert!(matches!(
            late.verify(&view),
            Err(AuthError::TimeTooSkewed { .. })
        ));
        let nokey = Verifier {
            secret_of: &|_| None,
            ..v
        };
        assert_eq!(
            nokey.verify(&view),
            Err(AuthError::InvalidAccessKeyId("ak".into()))
        );
    }

    #[test]
    fn v4_url_expiry_and_region() {
        let now = 1_700_000_000;
        let (lookup, now) = verifier(now);
        let v = Verifier {
            secret_of: &lookup,
            region: "cn-hangzhou",
            now,
            max_skew: 900,
        };
        let dt = date::v4_datetime(now - 100);
        let mut q = h(&[
            ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
            (
                "x-oss-credential",
                &format!("ak/{}/cn-hangzhou/oss/aliyun_v4_request", &dt[..8]),
            ),
            ("x-oss-date", &dt),
            ("x-oss-expires", "60"),
        ]);
        let view = RequestView {
            method: "GET",
            bucket: Some("b"),
            key: Some("k"),
            query: &q,
            headers: &[],
        };
        let canonical = v4::canonical_request(&view, &[], "UNSIGNED-PAYLOAD");
        let sts = v4::string_to_sign(&dt, &v4::scope(&dt[..8], "cn-hangzhou", "oss"), &canonical);
        q.push((
            "x-oss-signature".into(),
            v4::sign("sk", &dt[..8], "cn-hangzhou", "oss", &sts),
        ));
        let view = RequestView {
            method: "GET",
            bucket: Some("b"),
            key: Some("k"),
            query: &q,
            headers: &[],
        };
        assert!(matches!(v.verify(&view), Err(AuthError::Expired { .. })));
        let v_early = Verifier { now: now - 50, ..v };
        assert_eq!(v_early.verify(&view), Ok(Caller::Key("ak".into())));
        let v_region = Verifier {
            region: "cn-beijing",
            now: now - 50,
            ..v
        };
        assert_eq!(
            v_region.verify(&view),
            Err(AuthError::InvalidRegion("cn-hangzhou".into()))
        );
    }

    #[test]
    fn anonymous_and_mixed() {
        let (lookup, now) = verifier(0);
        let v = Verifier {
            secret_of: &lookup,
            region: "cn-hangzhou",
            now,
            max_skew: 900,
        };
        let view = RequestView {
            method: "GET",
            bucket: Some("b"),
            key: None,
            query: &[],
            headers: &[],
        };
        assert_eq!(v.verify(&view), Ok(Caller::Anonymous));
        let q = h(&[("Signature", "x")]);
        let hd = h(&[("authorization", "OSS a:b")]);
        let mixed = RequestView {
            query: &q,
            headers: &hd,
            ..view
        };
        assert_eq!(v.verify(&mixed), Err(AuthError::BothAuthForms));
    }
}
