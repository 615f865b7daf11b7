//! The OSS REST API: a request becomes an [`endpoint::Endpoint`], the caller is proven by the auth
//! crate, access is checked against ACLs and source-image protection, and one handler per operation
//! answers. Errors take their wire form in one place ([`error::ApiError`]).
//!
//! `app(state)` is a plain axum `Router`, so tests call it without a socket.

pub mod access;
pub mod body;
pub mod bucket;
pub mod console;
pub mod endpoint;
pub mod error;
pub mod image;
pub mod listing;
pub mod multipart;
pub mod object;
pub mod response;
pub mod sources;
pub mod storage_class;
pub mod style;
pub mod symlink;
pub mod tagging;
pub mod workers;
pub mod xml;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::Router;

use cyanotype_auth::{date, AuthError, Caller, RequestView, Verifier};
use cyanotype_storage::Store;

use endpoint::{Addressing, Endpoint, Op};
use error::{ApiError, Kind};
use response::Resp;

/// Settings the API needs (the server's config fills them).
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Access key id -> secret. Every key has full access.
    pub keys: Vec<(String, String)>,
    /// The region V4 signatures must name, and that buckets report.
    pub region: String,
    pub addressing: Addressing,
    /// What ListBuckets and GetBucketInfo report as Extranet/IntranetEndpoint (host:port the SDKs
    /// can reach this server at).
    pub public_endpoint: String,
    /// Allowed clock skew for signed requests, seconds (OSS: 15 minutes).
    pub max_skew: i64,
    /// Largest object body accepted by PutObject and UploadPart (OSS: 5 GB).
    pub max_object_size: u64,
    /// Image processing limits.
    pub limits: cyanotype_imaging::Limits,
    /// Most buckets (OSS: 100 per region).
    pub max_buckets: usize,
    /// How long a request body may send nothing before the request fails (RequestTimeout); `None`
    /// waits for ever.
    pub body_timeout: Option<std::time::Duration>,
    /// How long an image's processing may take before it is stopped (ServiceUnavailable); `None`:
    /// no limit.
    pub process_timeout: Option<std::time::Duration>,
    /// Seconds a RestoreObject of a cold object takes before the object is readable.
    pub restore_seconds: i64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            keys: Vec::new(),
            region: "cn-hangzhou".into(),
            addressing: Addressing {
                domains: vec!["localhost".into()],
                custom: Vec::new(),
            },
            public_endpoint: "127.0.0.1:8080".into(),
            max_skew: 900,
            max_object_size: 5 * 1024 * 1024 * 1024,
            limits: cyanotype_imaging::Limits::default(),
            max_buckets: 100,
            body_timeout: Some(std::time::Duration::from_secs(60)),
            process_timeout: Some(std::time::Duration::from_secs(30)),
            restore_seconds: 1,
        }
    }
}

pub struct AppState {
    pub config: ApiConfig,
    pub store: Arc<dyn Store>,
    pub workers: workers::Workers,
    /// Fonts of text watermarks, loaded on first use and kept.
    pub fonts: Arc<cyanotype_imaging::Fonts>,
    /// Recently processed sources' bytes (`source_cache_mb`).
    pub sources: Arc<sources::Sources>,
}

pub type Shared = Arc<AppState>;

pub fn app(state: Shared) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// What every handler gets: the parsed request and who sent it.
#[derive(Clone)]
pub struct Ctx {
    pub request_id: String,
    pub host: String,
    pub method: Method,
    pub ep: Endpoint,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// The names of the headers whose bytes were not UTF-8, read as ISO-8859-1 (`header_text`).
    pub latin1: Vec<String>,
    pub caller: Caller,
    pub now: i64,
}

impl Ctx {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A paging count (`max-keys`, `max-parts`, `max-uploads`): absent or empty gives `default`;
    /// anything but an integer in `range` is InvalidArgument naming the parameter and value.
    pub fn count_param(
        &self,
        name: &str,
        default: usize,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<usize, ApiError> {
        match self.query(name) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                ApiError::invalid_argument(format!(
                    "The value: {v} of parameter: {name} is invalid; it must be between {} and {}.",
                    range.start(),
                    range.end()
                ))
            }),
        }
    }

    pub fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    pub fn bucket(&self) -> &str {
        self.ep.bucket.as_deref().unwrap_or("")
    }

    pub fn key(&self) -> &str {
        self.ep.key.as_deref().unwrap_or("")
    }

    pub fn signed(&self) -> bool {
        matches!(self.caller, Caller::Key(_))
    }

    /// A storage error with the names this request is about.
    pub fn store_err(&self, e: cyanotype_storage::StoreError) -> ApiError {
        use cyanotype_storage::StoreError as S;
        match e {
            S::NoSuchBucket => ApiError::no_such_bucket(self.bucket()),
            S::NoSuchKey => ApiError::no_such_key(self.key()),
            other => other.into(),
        }
    }
}

/// 24 upper-case hex characters, like OSS's request ids: the time in seconds, a random number drawn
/// once per process, and a counter (started at a random value). Unique without asking the OS for
/// randomness on every request (a system call a request on the async thread).
pub fn request_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static PROCESS: std::sync::OnceLock<(u32, AtomicU32)> = std::sync::OnceLock::new();
    let (process, counter) = PROCESS.get_or_init(|| {
        let mut b = [0u8; 8];
        if getrandom::fill(&mut b).is_err() {
            // No OS randomness: the clock's nanoseconds and the process id still tell processes apart.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            b[..4].copy_from_slice(&(nanos ^ std::process::id()).to_be_bytes());
        }
        let [a, b, c, d, e, f, g, h] = b;
        (
            u32::from_be_bytes([a, b, c, d]),
            AtomicU32::new(u32::from_be_bytes([e, f, g, h])),
        )
    });
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32);
    let n = counter.fetch_add(1, Ordering::Relaxed);
    let mut id = String::with_capacity(24);
    for word in [secs, *process, n] {
        for byte in word.to_be_bytes() {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            id.push(HEX[(byte >> 4) as usize] as char);
            id.push(HEX[(byte & 15) as usize] as char);
        }
    }
    id
}

async fn handle(State(state): State<Shared>, req: Request) -> Response {
    let request_id = request_id();
    let method = req.method().clone();
    let host = host_of(req.headers(), req.uri());
    let head = method == Method::HEAD;
    let started = std::time::Instant::now();
    let log = access_log().then(|| req.uri().path().to_string());
    let mut resp = match route(&state, req, request_id.clone(), host.clone()).await {
        Ok(r) => r,
        Err(e) => response::error(&e, &request_id, &host, head),
    };
    response::common_headers(resp.headers_mut(), &request_id);
    if let Some(path) = log {
        eprintln!(
            "{} {} {} {} {:.1}ms",
            request_id,
            method,
            path,
            resp.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    resp
}

/// `CYANOTYPE_ACCESS_LOG` set: one line per request on standard error (read once).
fn access_log() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("CYANOTYPE_ACCESS_LOG").is_some())
}

fn host_of(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.host().map(str::to_string))
        .unwrap_or_default()
}

async fn route(
    state: &Shared,
    req: Request,
    request_id: String,
    host: String,
) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let raw_query = parts.uri.query().unwrap_or("");
    let query = endpoint::parse_query(raw_query);
    let mut latin1 = Vec::new();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let (text, was_latin1) = header_text(v.as_bytes());
            if was_latin1 {
                latin1.push(k.as_str().to_string());
            }
            (k.as_str().to_string(), text)
        })
        .collect();
    let path = parts.uri.path();
    if console::is_console(path, &host, &state.config.addressing) {
        return console::handle(
            state,
            parts.method.as_str(),
            path,
            &headers,
            body,
            date::now(),
        )
        .await;
    }
    let copy_source = parts.headers.contains_key("x-oss-copy-source");
    let ep = endpoint::parse(
        parts.method.as_str(),
        &host,
        parts.uri.path(),
        &query,
        copy_source,
        &state.config.addressing,
    )?;
    let now = date::now();
    let caller = authenticate(state, &parts.method, &ep, &query, &headers, now)?;
    let ctx = Ctx {
        request_id,
        host,
        method: parts.method,
        ep,
        query,
        headers,
        latin1,
        caller,
        now,
    };
    dispatch(state, ctx, body).await
}

/// A header value as text: UTF-8 when its bytes are, else ISO-8859-1 (one character per byte), and
/// which of the two. Python's and Node's HTTP clients send a value such as `José` as ISO-8859-1 bytes
/// while the OSS SDKs sign its UTF-8 form, so reading those bytes as ISO-8859-1 is what makes the
/// signature match (read as lossy UTF-8 it was SignatureDoesNotMatch); clients that send UTF-8 (Go)
/// keep theirs.
pub fn header_text(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (bytes.iter().map(|&b| b as char).collect(), true),
    }
}

fn authenticate(
    state: &Shared,
    method: &Method,
    ep: &Endpoint,
    query: &[(String, String)],
    headers: &[(String, String)],
    now: i64,
) -> Result<Caller, ApiError> {
    let keys = &state.config.keys;
    let lookup = |ak: &str| keys.iter().find(|(k, _)| k == ak).map(|(_, s)| s.clone());
    let verifier = Verifier {
        secret_of: &lookup,
        region: &state.config.region,
        now,
        max_skew: state.config.max_skew,
    };
    let view = RequestView {
        method: method.as_str(),
        bucket: ep.bucket.as_deref(),
        key: ep.key.as_deref(),
        query,
        headers,
    };
    match verifier.verify(&view).map_err(auth_error)? {
        // An unsigned request from the web console acts as the key its session logged in with.
        Caller::Anonymous => {
            Ok(console::session_caller(headers, now).map_or(Caller::Anonymous, Caller::Key))
        }
        signed => Ok(signed),
    }
}

fn auth_error(e: AuthError) -> ApiError {
    match e {
        AuthError::Malformed(m) => ApiError::invalid_argument(m),
        AuthError::InvalidAccessKeyId(ak) => {
            ApiError::new(Kind::InvalidAccessKeyId, "The OSS Access Key Id you provided does not exist in our records.")
                .ec("0002-00000902")
                .with("OSSAccessKeyId", ak)
        }
        AuthError::SignatureDoesNotMatch { access_key_id, string_to_sign, provided } => {
            let bytes: Vec<String> = string_to_sign.bytes().map(|b| format!("{b:02x}")).collect();
            ApiError::new(
                Kind::SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            )
            .ec("0002-00000040")
            .with("StringToSign", string_to_sign)
            .with("SignatureProvided", provided)
            .with("StringToSignBytes", bytes.join(" "))
            .with("OSSAccessKeyId", access_key_id)
        }
        AuthError::Expired { expires, now } => ApiError::access_denied("Request has expired.")
            .ec("0002-00000069")
            .with("Expires", date::iso8601(expires))
            .with("ServerTime", date::iso8601(now)),
        AuthError::TimeTooSkewed { request_time, now } => ApiError::new(
            Kind::RequestTimeTooSkewed,
            "The difference between the request time and the current time is too large.",
        )
        .ec("0002-00000504")
        .with("RequestTime", date::iso8601(request_time))
        .with("ServerTime", date::iso8601(now)),
        AuthError::MissingDate => ApiError::access_denied("AccessDenied: the request carries no valid date (Date or x-oss-date)."),
        AuthError::MissingPresignParameter(p) => ApiError::access_denied(format!(
            "Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters (missing or invalid: {p})"
        )),
        AuthError::InvalidRegion(r) => {
            ApiError::invalid_argument("Invalid signing region in Authorization header.").ec("0002-00000226").with("Region", r)
        }
        AuthError::BothAuthForms => {
            ApiError::invalid_argument("Only one authentication method may be used: an Authorization header or a URL signature.")
        }
    }
}

async fn dispatch(state: &Shared, ctx: Ctx, body: Body) -> Result<Response, ApiError> {
    use Op::*;
    match ctx.ep.op {
        ListBuckets => bucket::list_buckets(state, &ctx),
        PutBucket => bucket::put_bucket(state, &ctx, body).await,
        DeleteBucket => bucket::delete_bucket(state, &ctx),
        GetBucketInfo => bucket::get_bucket_info(state, &ctx),
        GetBucketLocation => bucket::get_bucket_location(state, &ctx),
        GetBucketAcl => bucket::get_bucket_acl(state, &ctx),
        PutBucketAcl => bucket::put_bucket_acl(state, &ctx),
        ListObjects => listing::list_objects(state, &ctx, false),
        ListObjectsV2 => listing::list_objects(state, &ctx, true),
        ListLiveChannel => listing::list_live_channels(state, &ctx),
        DeleteMultipleObjects => object::delete_multiple(state, &ctx, body).await,
        ListMultipartUploads => multipart::list_uploads(state, &ctx),
        PutStyle => style::put_style(state, &ctx, body).await,
        GetStyle => style::get_style(state, &ctx),
        ListStyle => style::list_style(state, &ctx),
        DeleteStyle => style::delete_style(state, &ctx),
        GetImageSettings => style::get_image_settings(state, &ctx),
        PutImageSettings => style::put_image_settings(state, &ctx, body).await,
        PutObject => object::put_object(state, &ctx, body).await,
        CopyObject => object::copy_object(state, &ctx).await,
        GetObject | HeadObject => image::get_object(state, &ctx).await,
        GetObjectMeta => object::get_object_meta(state, &ctx),
        DeleteObject => object::delete_object(state, &ctx),
        GetObjectAcl => object::get_object_acl(state, &ctx),
        PutObjectAcl => object::put_object_acl(state, &ctx),
        ProcessObject => image::process_object(state, &ctx, body).await,
        InitiateMultipartUpload => multipart::initiate(state, &ctx),
        UploadPart => multipart::upload_part(state, &ctx, body).await,
        UploadPartCopy => multipart::upload_part_copy(state, &ctx).await,
        CompleteMultipartUpload => multipart::complete(state, &ctx, body).await,
        AbortMultipartUpload => multipart::abort(state, &ctx),
        ListParts => multipart::list_parts(state, &ctx),
        RestoreObject => storage_class::restore_object(state, &ctx, body).await,
        PutObjectTagging => tagging::put_tagging(state, &ctx, body).await,
        GetObjectTagging => tagging::get_tagging(state, &ctx),
        DeleteObjectTagging => tagging::delete_tagging(state, &ctx),
        PutSymlink => symlink::put_symlink(state, &ctx).await,
        GetSymlink => symlink::get_symlink(state, &ctx),
    }
}

/// An XML 200 answer.
pub fn xml_ok(xml: String) -> Result<Response, ApiError> {
    Ok(Resp::new(200)
        .header("content-type", "application/xml")
        .body(xml))
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_values_are_utf8_else_iso_8859_1() {
        use super::header_text;
        assert_eq!(header_text(b"alice"), ("alice".to_string(), false));
        assert_eq!(header_text("José".as_bytes()), ("José".to_string(), false));
        assert_eq!(header_text(b"Jos\xe9"), ("José".to_string(), true));
        // Every byte is a character, so the bytes come back whole.
        let all: Vec<u8> = (0x80..=0xFFu8).collect();
        let (text, latin1) = header_text(&all);
        assert!(latin1 && text.chars().map(|c| c as u32 as u8).eq(all.iter().copied()));
    }

    #[test]
    fn request_ids_are_24_upper_hex_and_distinct() {
        let ids: Vec<String> = (0..1000).map(|_| super::request_id()).collect();
        for id in &ids {
            assert_eq!(id.len(), 24, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
                "{id}"
            );
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
