//! The web console (`/_console`): one page that manages a bucket's styles and image settings and
//! previews objects through them, as OSS's console does, by calling the same REST API the SDKs call.
//!
//! A browser cannot keep a secret key and sign each request, so the page logs in once with an
//! access key pair and gets a session cookie; a request that carries the cookie *and* the
//! `x-cyanotype-console` header is then taken as signed by that key. The header is what a page of
//! another site cannot add without a CORS preflight this server never grants, and the cookie is
//! SameSite=Strict and HttpOnly: together they keep other sites from riding the session. Pages of
//! this origin could add the header, and stored objects are served here, so every non-console
//! response is sandboxed (`response::common_headers`): a stored HTML object runs no script. `_console`
//! cannot be a bucket name (no `_` in bucket names), so the path belongs to no bucket; on a
//! bucket's own host name it is an object key like any other.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::response::Response;

use crate::body::read_small;
use crate::error::ApiError;
use crate::response::Resp;
use crate::AppState;

pub const PATH: &str = "/_console";
const COOKIE: &str = "cyanotype_console";
/// The header the console's requests carry (see the module comment).
pub const HEADER: &str = "x-cyanotype-console";
/// A session lasts 12 hours.
const SESSION_SECONDS: i64 = 12 * 3600;
/// Sessions kept at once; a login beyond it drops the oldest.
const MAX_SESSIONS: usize = 1000;

const PAGE: &str = include_str!("console.html");

/// A live session: the access key it acts as, when it ends, and its place in login order.
struct Session {
    key_id: String,
    expiry: i64,
    seq: u64,
}

/// token -> session.
fn sessions() -> &'static Mutex<HashMap<String, Session>> {
    static S: std::sync::OnceLock<Mutex<HashMap<String, Session>>> = std::sync::OnceLock::new();
    S.get_or_init(|| Mutex::new(HashMap::new()))
}

fn cookie_token(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .filter(|(k, _)| k == "cookie")
        .flat_map(|(_, v)| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The access key a console request acts as: a live session cookie and the console header.
pub fn session_caller(headers: &[(String, String)], now: i64) -> Option<String> {
    headers.iter().find(|(k, _)| k == HEADER)?;
    let token = cookie_token(headers)?;
    let map = sessions().lock().unwrap_or_else(|p| p.into_inner());
    map.get(token)
        .filter(|s| now < s.expiry)
        .map(|s| s.key_id.clone())
}

/// Constant-time equality of two secrets (their lengths are not secret).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        eprintln!("console: no randomness for a session token: {e}");
        ApiError::internal()
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// True when a request is the console's: its path, on a host that names no bucket (the path is
/// looked at first: this runs for every request).
pub fn is_console(path: &str, host: &str, addressing: &crate::endpoint::Addressing) -> bool {
    path.starts_with(PATH) && addressing.bucket_of_host(host).is_none()
}

/// Serves `/_console...`: the page, login and logout.
pub async fn handle(
    state: &AppState,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Body,
    now: i64,
) -> Result<Response, ApiError> {
    let rest = path.strip_prefix(PATH).unwrap_or(path);
    match (method, rest) {
        ("GET", "" | "/") => Ok(Resp::new(200)
            .header("content-type", "text/html; charset=utf-8")
            .header("cache-control", "no-store")
            .header("x-frame-options", "DENY")
            .header(
                "content-security-policy",
                "default-src 'self'; img-src 'self' blob: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'",
            )
            .body(PAGE)),
        // Login and logout need the console header too: a form on another site could otherwise
        // log a browser in with the other site's key, or out.
        ("POST", _) if !headers.iter().any(|(k, _)| k == HEADER) => Err(ApiError::access_denied(
            "The console's login and logout are sent by its page, with the x-cyanotype-console header.",
        )),
        ("POST", "/login") => login(state, body, now).await,
        ("POST", "/logout") => {
            if let Some(t) = cookie_token(headers) {
                sessions()
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(t);
            }
            Ok(Resp::new(204)
                .header("set-cookie", format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"))
                .empty())
        }
        _ => Err(ApiError::new(
            crate::error::Kind::MethodNotAllowed,
            format!("The console has no {method} {path}: it serves GET {PATH}, POST {PATH}/login and POST {PATH}/logout."),
        )
        .with("Method", method.to_string())
        .allow(match rest {
            "/login" | "/logout" => "POST",
            "" | "/" => "GET",
            _ => "",
        })),
    }
}

async fn login(state: &AppState, body: Body, now: i64) -> Result<Response, ApiError> {
    let body = read_small(body, state).await?;
    let text = String::from_utf8_lossy(&body);
    let (id, secret) = (
        form_field(&text, "AccessKeyId").unwrap_or_default(),
        form_field(&text, "AccessKeySecret").unwrap_or_default(),
    );
    let known = state
        .config
        .keys
        .iter()
        .find(|(k, _)| *k == id)
        .is_some_and(|(_, s)| same(s, &secret));
    if !known {
        return Err(ApiError::access_denied(
            "The console login failed: no such AccessKeyId with this AccessKeySecret.",
        ));
    }
    let token = new_token()?;
    {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut map = sessions().lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| now < s.expiry);
        if map.len() >= MAX_SESSIONS {
            // The oldest login goes (by order, not by expiry: many share a second).
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.seq)
                .map(|(t, _)| t.clone())
            {
                map.remove(&oldest);
            }
        }
        let session = Session {
            key_id: id,
            expiry: now + SESSION_SECONDS,
            seq,
        };
        map.insert(token.clone(), session);
    }
    Ok(Resp::new(204)
        .header(
            "set-cookie",
            format!(
                "{COOKIE}={token}; Path=/; Max-Age={SESSION_SECONDS}; HttpOnly; SameSite=Strict"
            ),
        )
        .empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_session_needs_its_cookie_and_the_console_header() {
        let session = Session {
            key_id: "AK".into(),
            expiry: 100,
            seq: 0,
        };
        sessions().lock().unwrap().insert("tok".into(), session);
        let cookie = ("cookie", "a=b; cyanotype_console=tok");
        assert_eq!(
            session_caller(&h(&[cookie, (HEADER, "1")]), 50).as_deref(),
            Some("AK")
        );
        assert_eq!(session_caller(&h(&[cookie]), 50), None);
        assert_eq!(session_caller(&h(&[(HEADER, "1")]), 50), None);
        assert_eq!(session_caller(&h(&[cookie, (HEADER, "1")]), 100), None);
        let wrong = ("cookie", "cyanotype_console=other");
        assert_eq!(session_caller(&h(&[wrong, (HEADER, "1")]), 50), None);
    }

    #[test]
    fn form_fields_and_secrets() {
        let body = "AccessKeyId=LTAI+x&AccessKeySecret=a%2Bb%3D";
        assert_eq!(form_field(body, "AccessKeyId").as_deref(), Some("LTAI x"));
        assert_eq!(form_field(body, "AccessKeySecret").as_deref(), Some("a+b="));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
