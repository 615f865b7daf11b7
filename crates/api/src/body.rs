//! Request bodies: streamed to a staging file (objects, parts) or read whole with a small bound (XML).

use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;

use cyanotype_storage::Staged;

use crate::error::{ApiError, Kind};
use crate::workers::blocking;
use crate::AppState;

/// Largest XML request body (Delete lists 1000 keys of up to 1023 bytes).
pub const MAX_XML_BODY: usize = 2 * 1024 * 1024;

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        Kind::EntityTooLarge,
        format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes."),
    )
}

fn io(e: std::io::Error) -> ApiError {
    eprintln!("staging error: {e}");
    ApiError::internal()
}

/// The body's next piece of data (trailers are skipped); `None` at its end. Fails when the client
/// sends nothing for `idle`: a body that trickles or stops would otherwise hold its connection, and
/// for an upload its staging file, for ever.
async fn next_data(body: &mut Body, idle: Option<Duration>) -> Result<Option<Bytes>, ApiError> {
    loop {
        let frame = match idle {
            Some(idle) => tokio::time::timeout(idle, body.frame()).await.map_err(|_| {
                ApiError::new(
                    Kind::RequestTimeout,
                    format!(
                        "Your socket connection to the server was not read from or written to within the timeout period ({} s without data).",
                        idle.as_secs()
                    ),
                )
            })?,
            None => body.frame().await,
        };
        let Some(frame) = frame else { return Ok(None) };
        let frame = frame
            .map_err(|_| ApiError::new(Kind::BadRequest, "The request body could not be read."))?;
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
}

/// Streams an object's or a part's body to a staging file of the store, hashing it. Fails when it
/// grows past the largest object size, or sends nothing for the body timeout.
pub async fn stage(body: Body, state: &AppState) -> Result<Staged, ApiError> {
    let (limit, idle) = (state.config.max_object_size, state.config.body_timeout);
    // A Content-Length past the limit is refused before a byte is staged (a 5 GB + 1 declaration
    // would otherwise fill the disk with 5 GB first). Chunked bodies are counted as they come.
    if axum::body::HttpBody::size_hint(&body).lower() > limit {
        return Err(too_large(limit));
    }
    let mut file = state.store.staging().create().map_err(io)?;
    let mut body = body;
    while let Some(data) = next_data(&mut body, idle).await? {
        if file.size() + data.len() as u64 > limit {
            return Err(too_large(limit));
        }
        file.write(&data).map_err(io)?;
    }
    blocking(move || file.finish()).await?.map_err(io)
}

/// Reads an XML body whole, up to `MAX_XML_BODY`; fails on the body timeout as `stage` does.
pub async fn read_small(body: Body, state: &AppState) -> Result<Vec<u8>, ApiError> {
    let (limit, idle) = (MAX_XML_BODY, state.config.body_timeout);
    let mut out = Vec::new();
    let mut body = body;
    while let Some(data) = next_data(&mut body, idle).await? {
        if out.len() + data.len() > limit {
            return Err(too_large(limit as u64));
        }
        out.extend_from_slice(&data);
    }
    Ok(out)
}

/// Checks `Content-MD5` (base64 of the MD5) against what was received.
pub fn check_md5(header: Option<&str>, md5: &[u8; 16]) -> Result<(), ApiError> {
    use base64::Engine;
    let Some(h) = header else { return Ok(()) };
    let ok = base64::engine::general_purpose::STANDARD
        .decode(h.trim())
        .map(|d| d == md5)
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            Kind::InvalidDigest,
            "The Content-MD5 you specified is not valid.",
        )
        .ec("0002-00000016"))
    }
}
