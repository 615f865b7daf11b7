//! Building answers: a small builder, the headers every answer carries, and the error forms (XML body,
//! or `x-oss-err` / `x-oss-ec` headers and no body for HEAD).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use cyanotype_auth::date;

use crate::error::{ApiError, Kind};

pub struct Resp {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
}

impl Resp {
    pub fn new(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
        }
    }

    /// A header whose value is these bytes (user metadata that came as ISO-8859-1 goes back so).
    pub fn header_bytes(mut self, name: &str, value: Vec<u8>) -> Resp {
        self.headers.push((name.to_string(), value));
        self
    }

    pub fn header(self, name: &str, value: impl Into<String>) -> Resp {
        self.header_bytes(name, value.into().into_bytes())
    }

    pub fn header_opt(self, name: &str, value: Option<impl Into<String>>) -> Resp {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    pub fn body(self, body: impl Into<Body>) -> Response {
        let mut r = Response::new(body.into());
        *r.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (k, v) in self.headers {
            // Values come from stored metadata; one that HTTP cannot carry (a control character)
            // is dropped, not a panic. Bytes past ASCII go as they are (UTF-8 metadata from a
            // client that sent UTF-8 comes back the same; it was dropped).
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(k.as_str()),
                HeaderValue::from_bytes(&v),
            ) {
                r.headers_mut().append(name, value);
            }
        }
        r
    }

    pub fn empty(self) -> Response {
        self.header("content-length", "0").body(Body::empty())
    }
}

pub fn common_headers(h: &mut HeaderMap, request_id: &str) {
    h.insert("server", HeaderValue::from_static("AliyunOSS"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-oss-request-id", v);
    }
    let now = date::now();
    if let Ok(v) = HeaderValue::from_str(&date::rfc1123(now)) {
        h.insert("date", v);
    }
    if let Ok(v) = HeaderValue::from_str(&now.to_string()) {
        h.insert("x-oss-server-time", v);
    }
    // Stored objects share the web console's origin: an HTML or SVG object opened in a browser
    // must not run scripts there, or it could ride a logged-in console session (a probe did, in
    // Chromium). A sandboxed document has no scripts and an origin of its own; images shown by
    // other pages are not affected. The console page sends its own policy.
    if !h.contains_key("content-security-policy") {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static("sandbox"),
        );
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
}

pub fn error(e: &ApiError, request_id: &str, host: &str, head: bool) -> Response {
    let status = e.status();
    if e.kind == Kind::NotModified {
        let etag = e
            .extra
            .iter()
            .find(|(k, _)| *k == "ETag")
            .map(|(_, v)| v.clone());
        return Resp::new(304).header_opt("etag", etag).body(Body::empty());
    }
    let mut r = Resp::new(status).header_opt("allow", e.allow.clone());
    if let Some(ec) = e.ec {
        r = r.header("x-oss-ec", ec);
    }
    if head || status == 304 {
        r.header("x-oss-err", e.header_value(request_id, host))
            .header("content-length", "0")
            .body(Body::empty())
    } else {
        let xml = e.to_xml(request_id, host);
        r.header("content-type", "application/xml")
            .header("content-length", xml.len().to_string())
            .body(xml)
    }
}
