//! The router without a socket: wire forms the SDK suites do not pin down (HEAD errors in headers,
//! request ids, anonymous refusals, hostile keys, processing headers).

use std::sync::Arc;

use futures_util::StreamExt;

use axum::body::{to_bytes, Body};
use axum::http::{Request, Response};
use base64::Engine;
use tower::ServiceExt;

use cyanotype_api::{app, workers::Workers, ApiConfig, AppState};
use cyanotype_auth::{date, v1, RequestView};
use cyanotype_storage::LocalStore;

fn state(dir: &std::path::Path) -> Arc<AppState> {
    let config = ApiConfig {
        keys: vec![("ak".into(), "sk".into())],
        ..ApiConfig::default()
    };
    Arc::new(AppState {
        config,
        store: Arc::new(LocalStore::open(dir).unwrap()),
        workers: Workers::new(1, 4),
        fonts: Arc::new(cyanotype_imaging::Fonts::new(Vec::new())),
        sources: Arc::new(cyanotype_api::sources::Sources::new(64 << 20)),
    })
}

/// A V1-signed request (path-style, no sub-resources but those given).
fn signed(
    method: &str,
    bucket: &str,
    key: Option<&str>,
    query: &[(&str, &str)],
    body: Vec<u8>,
) -> Request<Body> {
    let now = date::rfc1123(date::now());
    let q: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let headers = vec![("date".to_string(), now.clone())];
    let view = RequestView {
        method,
        bucket: Some(bucket),
        key,
        query: &q,
        headers: &headers,
    };
    let sig = v1::sign("sk", &v1::string_to_sign(&view, &now));
    let path = match key {
        Some(k) => format!("/{bucket}/{}", cyanotype_auth::v4::uri_encode(k)),
        None => format!("/{bucket}/"),
    };
    let qs: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.to_string()
            } else {
                format!("{k}={}", cyanotype_auth::v4::uri_encode(v))
            }
        })
        .collect();
    let uri = if qs.is_empty() {
        path
    } else {
        format!("{path}?{}", qs.join("&"))
    };
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1:8080")
        .header("date", now)
        .header("content-length", body.len().to_string())
        .header("authorization", format!("OSS ak:{sig}"))
        .body(Body::from(body))
        .unwrap()
}

async fn send(s: &Arc<AppState>, r: Request<Body>) -> (Response<Body>, Vec<u8>) {
    let resp = app(s.clone()).oneshot(r).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap().to_vec();
    (Response::from_parts(parts, Body::empty()), bytes)
}

#[tokio::test]
async fn head_errors_travel_in_headers_and_ids_are_24_chars() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    let (r, _) = send(&s, signed("PUT", "bkt", None, &[], vec![])).await;
    assert_eq!(r.status(), 200);
    let (r, body) = send(&s, signed("HEAD", "bkt", Some("missing"), &[], vec![])).await;
    assert_eq!(r.status(), 404);
    assert!(body.is_empty());
    assert_eq!(r.headers()["x-oss-ec"], "0026-00000001");
    let xml = base64::engine::general_purpose::STANDARD
        .decode(r.headers()["x-oss-err"].as_bytes())
        .unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(
        xml.contains("<Code>NoSuchKey</Code>") && xml.contains("<Key>missing</Key>"),
        "{xml}"
    );
    let id = r.headers()["x-oss-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 24);
    assert!(xml.contains(id));
}

#[tokio::test]
async fn hostile_keys_and_anonymous_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    send(&s, signed("PUT", "bkt", None, &[], vec![])).await;
    for key in ["../../../etc/passwd", "a/../../b", "%2e%2e", "ctl\u{1}"] {
        let (r, _) = send(&s, signed("PUT", "bkt", Some(key), &[], b"data".to_vec())).await;
        assert_eq!(r.status(), 200, "{key}");
        let (r, body) = send(&s, signed("GET", "bkt", Some(key), &[], vec![])).await;
        assert_eq!(
            (r.status().as_u16(), body.as_slice()),
            (200, &b"data"[..]),
            "{key}"
        );
    }
    assert!(
        !dir.path().join("etc").exists()
            && !dir.path().parent().unwrap().join("etc/passwd").exists()
    );
    let anon = Request::get("/bkt/a%2F..%2F..%2Fb")
        .header("host", "h")
        .body(Body::empty())
        .unwrap();
    let (r, body) = send(&s, anon).await;
    assert_eq!(r.status(), 403);
    assert!(String::from_utf8_lossy(&body).contains("<Code>AccessDenied</Code>"));
    let list = Request::get("/")
        .header("host", "h")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&s, list).await.0.status(), 403);
}

/// The OSS guide's example image.
fn example_jpeg() -> Vec<u8> {
    std::fs::read(
        std::env::var("CYANOTYPE_TESTDATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
            })
            .join("oss/example.jpg"),
    )
    .unwrap()
}

/// Bucket `bkt` holding the example as `e.jpg`; the PutObject answer.
async fn bucket_with_example(s: &Arc<AppState>) -> Response<Body> {
    send(s, signed("PUT", "bkt", None, &[], vec![])).await;
    send(s, signed("PUT", "bkt", Some("e.jpg"), &[], example_jpeg()))
        .await
        .0
}

#[tokio::test]
async fn processed_answers_keep_the_source_etag_and_send_a_matching_crc() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    let put = bucket_with_example(&s).await;
    let q = [("x-oss-process", "image/resize,w_100/format,png")];
    let (r, body) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], put.headers()["etag"]);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["x-oss-hash-crc64ecma"].to_str().unwrap(),
        cyanotype_storage::crc64(&body).to_string()
    );
    // saveas on a GET is a 400, and nothing is written.
    let q = [("x-oss-process", "image/resize,w_100|sys/saveas,o_eA")];
    let (r, _) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
    assert_eq!(r.status(), 400);
    let (r, _) = send(&s, signed("HEAD", "bkt", Some("x"), &[], vec![])).await;
    assert_eq!(r.status(), 404);
    // A bad process string names the parameter and value.
    let q = [("x-oss-process", "image/resize,w_abc")];
    let (r, body) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
    assert_eq!(r.status(), 400);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<Code>InvalidArgument</Code>") && text.contains("abc"),
        "{text}"
    );
}

/// The source cache serves a source read once, and an overwritten object is processed from its new
/// bytes, never from the kept old ones.
#[tokio::test]
async fn kept_sources_answer_the_same_and_an_overwrite_is_never_stale() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    bucket_with_example(&s).await;
    let source = example_jpeg();
    assert_eq!(s.sources.weight(), 0, "an upload is not kept");
    let q = [("x-oss-process", "image/resize,w_100/format,png")];
    let (r, first) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(s.sources.weight(), source.len() as u64, "read once, kept");
    let (r, again) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(again, first, "the kept bytes give the same answer");
    // Overwrite e.jpg with the 100 px PNG: info must describe the new object at once.
    let (r, _) = send(&s, signed("PUT", "bkt", Some("e.jpg"), &[], first.clone())).await;
    assert_eq!(r.status(), 200);
    let info = [("x-oss-process", "image/info")];
    let (r, body) = send(&s, signed("GET", "bkt", Some("e.jpg"), &info, vec![])).await;
    assert_eq!(r.status(), 200);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains(r#""ImageWidth":{"value":"100"}"#)
            && text.contains(r#""Format":{"value":"png"}"#),
        "{text}"
    );
    assert_eq!(s.sources.weight(), (source.len() + first.len()) as u64);
}

/// An upload whose body sends 10 of its 100 bytes and stalls fails with RequestTimeout once
/// `body_timeout` passes, and leaves no object.
#[tokio::test]
async fn a_stalled_upload_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = state(dir.path());
    Arc::get_mut(&mut s).unwrap().config.body_timeout = Some(std::time::Duration::from_millis(300));
    let (r, _) = send(&s, signed("PUT", "bkt", None, &[], vec![])).await;
    assert_eq!(r.status(), 200);
    let (mut parts, _) = signed("PUT", "bkt", Some("stalled"), &[], vec![0; 100]).into_parts();
    parts
        .headers
        .insert("content-length", "100".parse().unwrap());
    let first: Result<Vec<u8>, std::io::Error> = Ok(vec![7; 10]);
    let stalling = futures_util::stream::iter([first]).chain(futures_util::stream::pending());
    let request = Request::from_parts(parts, Body::from_stream(stalling));
    let (r, body) = tokio::time::timeout(std::time::Duration::from_secs(10), send(&s, request))
        .await
        .expect("the upload never timed out");
    let xml = String::from_utf8(body).unwrap();
    assert_eq!(r.status(), 400, "{xml}");
    assert!(xml.contains("<Code>RequestTimeout</Code>"), "{xml}");
    let (r, _) = send(&s, signed("HEAD", "bkt", Some("stalled"), &[], vec![])).await;
    assert_eq!(r.status(), 404);
}

/// With its time spent (a zero limit), processing stops before its first action or its encode
/// with 503 ServiceUnavailable, and ProcessObject writes nothing; what needs no processing is
/// served as before.
#[tokio::test]
async fn processing_past_its_time_limit_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = state(dir.path());
    Arc::get_mut(&mut s).unwrap().config.process_timeout = Some(std::time::Duration::ZERO);
    bucket_with_example(&s).await;
    for (process, next) in [
        ("image/blur,r_3,s_2/resize,w_100", "before the action blur."),
        ("image/format,png", "before encoding to png."),
    ] {
        let q = [("x-oss-process", process)];
        let (r, body) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
        let xml = String::from_utf8(body).unwrap();
        assert_eq!(r.status(), 503, "{xml}");
        assert!(
            xml.contains("<Code>ServiceUnavailable</Code>")
                && xml.contains("process_timeout_seconds")
                && xml.contains(next),
            "{xml}"
        );
    }
    let post = process_object_saving("image/blur,r_3,s_2", "saved.jpg");
    let (r, body) = send(&s, post).await;
    assert_eq!(r.status(), 503, "{}", String::from_utf8_lossy(&body));
    let (r, _) = send(&s, signed("HEAD", "bkt", Some("saved.jpg"), &[], vec![])).await;
    assert_eq!(r.status(), 404, "nothing is saved");
    let (r, _) = send(&s, signed("GET", "bkt", Some("e.jpg"), &[], vec![])).await;
    assert_eq!(r.status(), 200);
    let q = [("x-oss-process", "image/info")];
    let (r, _) = send(&s, signed("GET", "bkt", Some("e.jpg"), &q, vec![])).await;
    assert_eq!(r.status(), 200, "info reads the header only");
}

/// A ProcessObject whose client leaves once its request is in still saves the result: the save
/// runs in a task of its own (a GET's work, by contrast, stops when its client leaves).
#[tokio::test]
async fn a_process_object_whose_client_left_still_saves() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(dir.path());
    bucket_with_example(&s).await;
    // Thirty heavy blurs: far more than the few milliseconds the client waits.
    let chain = format!("image/{}", vec!["blur,r_50,s_50"; 30].join("/"));
    let post = process_object_saving(&chain, "saved.jpg");
    let gone = tokio::time::timeout(std::time::Duration::from_millis(5), send(&s, post)).await;
    assert!(gone.is_err(), "the client left before the answer");
    let start = std::time::Instant::now();
    loop {
        let (r, _) = send(&s, signed("HEAD", "bkt", Some("saved.jpg"), &[], vec![])).await;
        if r.status() == 200 {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "never saved"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A signed ProcessObject of bkt/e.jpg running `process` and saving the result as `object`.
fn process_object_saving(process: &str, object: &str) -> Request<Body> {
    let target = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(object);
    signed(
        "POST",
        "bkt",
        Some("e.jpg"),
        &[("x-oss-process", "")],
        format!("x-oss-process={process}|sys/saveas,o_{target}").into_bytes(),
    )
}
