//! Request bodies: streamed to a staging file (objects, parts) or read whole with a small bound (XML).

use axum::body::Body;
use http_body_util::BodyExt;

use cyanotype_storage::{Staged, Staging};

use crate::error::{ApiError, Kind};
use crate::workers::blocking;

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

/// Streams a body to a staging file, hashing it. Fails when it grows past `limit`.
pub async fn stage(body: Body, staging: Staging, limit: u64) -> Result<Staged, ApiError> {
    let mut file = staging.create().map_err(io)?;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|_| ApiError::new(Kind::BadRequest, "The request body could not be read."))?;
        if let Ok(data) = frame.into_data() {
            if file.size() + data.len() as u64 > limit {
                return Err(too_large(limit));
            }
            file.write(&data).map_err(io)?;
        }
    }
    blocking(move || file.finish()).await?.map_err(io)
}

/// Reads a small body whole.
pub async fn read_small(body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|_| ApiError::new(Kind::BadRequest, "The request body could not be read."))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(too_large(limit as u64));
            }
            out.extend_from_slice(&data);
        }
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
