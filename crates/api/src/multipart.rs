//! Multipart upload: Initiate, UploadPart, Complete, Abort, ListParts, ListMultipartUploads: what the
//! SDKs' resumable uploads use.

use std::io::{Read, Seek, SeekFrom};

use axum::body::Body;
use axum::response::Response;

use cyanotype_auth::date;
use cyanotype_storage::{Part, StoreError, Upload};

use crate::access::{object_write, owner_only};
use crate::body::{check_md5, read_small, stage};
use crate::bucket::load;
use crate::error::ApiError;
use crate::object::{check_conditions, meta_from_headers, open_copy_source};
use crate::response::Resp;
use crate::workers::blocking;
use crate::xml::{self, Xml};
use crate::{xml_ok, Ctx, Shared};

/// OSS: part numbers 1-10000.
const MAX_PART_NUMBER: u32 = 10_000;

fn upload_of(state: &Shared, ctx: &Ctx) -> Result<Upload, ApiError> {
    let id = ctx.query("uploadId").unwrap_or("");
    let up = state
        .store
        .upload(ctx.bucket(), id)
        .map_err(|e| ctx.store_err(e))?;
    if up.meta.key != ctx.key() {
        return Err(ctx.store_err(cyanotype_storage::StoreError::NoSuchUpload));
    }
    Ok(up)
}

pub fn initiate(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let existing = state.store.head_object(ctx.bucket(), ctx.key()).ok();
    object_write(ctx, &bucket, existing.as_ref())?;
    let meta = meta_from_headers(ctx, ctx.key(), &bucket)?;
    let up = state
        .store
        .create_upload(ctx.bucket(), meta)
        .map_err(|e| ctx.store_err(e))?;
    let mut x = Xml::new();
    x.open("InitiateMultipartUploadResult")
        .elem("Bucket", ctx.bucket())
        .elem("Key", ctx.key())
        .elem("UploadId", &up.upload_id)
        .close("InitiateMultipartUploadResult");
    xml_ok(x.finish())
}

fn part_number(ctx: &Ctx) -> Result<u32, ApiError> {
    ctx.query("partNumber")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            ApiError::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
        })
}

pub async fn upload_part(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    object_write(ctx, &bucket, None)?;
    let number = part_number(ctx)?;
    let up = upload_of(state, ctx)?;
    let staged = stage(body, state).await?;
    check_md5(ctx.header("content-md5"), &staged.md5)?;
    let store = state.store.clone();
    let b = ctx.bucket().to_string();
    let part = blocking(move || store.put_part(&b, &up.upload_id, number, staged))
        .await?
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200)
        .header("etag", format!("\"{}\"", part.etag))
        .header("x-oss-hash-crc64ecma", part.crc64.to_string())
        .empty())
}

/// UploadPartCopy: UploadPart whose bytes come from an object (`x-oss-copy-source`), the whole of
/// it or `x-oss-copy-source-range: bytes=first-last`. The SDKs' large-object copiers (oss2's
/// `upload_part_copy`, the v2 SDK's Copier, ali-oss's `uploadPartCopy`) are built on it.
pub async fn upload_part_copy(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    object_write(ctx, &bucket, None)?;
    let number = part_number(ctx)?;
    let up = upload_of(state, ctx)?;
    let src = open_copy_source(state, ctx)?;
    if src.meta.object_type == cyanotype_storage::ObjectType::Symlink {
        // A link has no bytes of its own; OSS refuses it as a part's source too.
        return Err(ApiError::invalid_argument(format!(
            "The copy source {} is a symlink; a part is copied from an object with bytes.",
            src.key
        )));
    }
    check_conditions(ctx, &src.meta, "x-oss-copy-source-")?;
    let (first, len) = match ctx.header("x-oss-copy-source-range") {
        None => (0, src.meta.size),
        Some(v) => copy_range(v, src.meta.size).ok_or_else(|| {
            ApiError::invalid_argument(format!(
                "The value: {v} of header: x-oss-copy-source-range is invalid for a source object of {} bytes (bytes=first-last, first <= last < size).",
                src.meta.size
            ))
            .ec("0042-00000306")
        })?,
    };
    let (store, staging) = (state.store.clone(), state.store.staging());
    let b = ctx.bucket().to_string();
    let mut file = src.file;
    let part = blocking(move || -> Result<Part, StoreError> {
        file.seek(SeekFrom::Start(first))?;
        let staged = staging.copy_from(file.take(len))?;
        store.put_part(&b, &up.upload_id, number, staged)
    })
    .await?
    .map_err(|e| ctx.store_err(e))?;
    let etag = format!("\"{}\"", part.etag);
    let mut x = Xml::new();
    x.open("CopyPartResult")
        .elem("LastModified", &date::iso8601(part.last_modified))
        .elem("ETag", &etag)
        .close("CopyPartResult");
    // oss2 reads the part's ETag from the header, the v2 SDK from the document: OSS sends both.
    Ok(Resp::new(200)
        .header("content-type", "application/xml")
        .header("etag", etag)
        .header("x-oss-hash-crc64ecma", part.crc64.to_string())
        .body(x.finish()))
}

/// `bytes=first-last` or `bytes=first-` (to the end), inside the source. Unlike a GET's Range, a
/// range OSS cannot honour is an error, not the whole object: a part of the wrong length would
/// complete into a corrupt copy.
fn copy_range(v: &str, size: u64) -> Option<(u64, u64)> {
    let (a, b) = v.trim().strip_prefix("bytes=")?.split_once('-')?;
    let first: u64 = a.trim().parse().ok()?;
    let last: u64 = match b.trim() {
        "" => size.checked_sub(1)?,
        n => n.parse().ok()?,
    };
    (first <= last && last < size).then(|| (first, last - first + 1))
}

pub async fn complete(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    object_write(ctx, &bucket, None)?;
    let up = upload_of(state, ctx)?;
    let body = read_small(body, state).await?;
    let wanted: Vec<(u32, String)> = if ctx.header("x-oss-complete-all").is_some_and(|v| v == "yes")
    {
        let parts = state
            .store
            .list_parts(ctx.bucket(), &up.upload_id)
            .map_err(|e| ctx.store_err(e))?;
        parts.into_iter().map(|p| (p.number, p.etag)).collect()
    } else {
        let p = xml::parse(&body).ok_or_else(ApiError::malformed_xml)?;
        let numbers: Vec<&str> = p.all("CompleteMultipartUpload/Part/PartNumber").collect();
        let etags: Vec<&str> = p.all("CompleteMultipartUpload/Part/ETag").collect();
        if numbers.len() != etags.len() || numbers.is_empty() {
            return Err(ApiError::malformed_xml());
        }
        numbers
            .iter()
            .zip(etags)
            .map(|(n, e)| {
                n.trim()
                    .parse::<u32>()
                    .map(|n| (n, e.to_string()))
                    .map_err(|_| ApiError::malformed_xml())
            })
            .collect::<Result<_, _>>()?
    };
    let store = state.store.clone();
    let (b, id) = (ctx.bucket().to_string(), up.upload_id.clone());
    let meta = blocking(move || store.complete_upload(&b, &id, &wanted))
        .await?
        .map_err(|e| ctx.store_err(e))?;
    let mut x = Xml::new();
    x.open("CompleteMultipartUploadResult")
        .elem("Location", &format!("{}/{}", ctx.bucket(), ctx.key()))
        .elem("Bucket", ctx.bucket())
        .elem("Key", ctx.key())
        .elem("ETag", &format!("\"{}\"", meta.etag))
        .close("CompleteMultipartUploadResult");
    Ok(Resp::new(200)
        .header("content-type", "application/xml")
        .header("x-oss-hash-crc64ecma", meta.crc64.to_string())
        .body(x.finish()))
}

pub fn abort(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    object_write(ctx, &bucket, None)?;
    let up = upload_of(state, ctx)?;
    state
        .store
        .abort_upload(ctx.bucket(), &up.upload_id)
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(204).empty())
}

pub fn list_parts(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let up = upload_of(state, ctx)?;
    let marker = ctx.count_param("part-number-marker", 0, 0..=MAX_PART_NUMBER as usize)? as u32;
    let max = ctx.count_param("max-parts", 1000, 1..=1000)?;
    let parts = state
        .store
        .list_parts(ctx.bucket(), &up.upload_id)
        .map_err(|e| ctx.store_err(e))?;
    let after: Vec<_> = parts.into_iter().filter(|p| p.number > marker).collect();
    let truncated = after.len() > max;
    let page = &after[..after.len().min(max)];
    let mut x = Xml::new();
    x.open("ListPartsResult")
        .elem("Bucket", ctx.bucket())
        .elem("Key", ctx.key())
        .elem("UploadId", &up.upload_id)
        .elem("StorageClass", up.meta.class())
        .elem("PartNumberMarker", &marker.to_string())
        .elem(
            "NextPartNumberMarker",
            &page.last().map_or(0, |p| p.number).to_string(),
        )
        .elem("MaxParts", &max.to_string())
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    for p in page {
        x.open("Part")
            .elem("PartNumber", &p.number.to_string())
            .elem("LastModified", &date::iso8601(p.last_modified))
            .elem("ETag", &format!("\"{}\"", p.etag))
            .elem("HashCrc64ecma", &p.crc64.to_string())
            .elem("Size", &p.size.to_string())
            .close("Part");
    }
    x.close("ListPartsResult");
    xml_ok(x.finish())
}

pub fn list_uploads(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let prefix = ctx.query("prefix").unwrap_or("");
    let key_marker = ctx.query("key-marker").unwrap_or("");
    let id_marker = ctx.query("upload-id-marker").unwrap_or("");
    let max = ctx.count_param("max-uploads", 1000, 1..=1000)?;
    let all = state
        .store
        .list_uploads(ctx.bucket())
        .map_err(|e| ctx.store_err(e))?;
    // Uploads of one key come in the order they were initiated (storage sorts them so), and the
    // upload-id marker is a position in that order, not an ID to compare: compared as text, the
    // random IDs of a key's later uploads could sort below the marker and never be listed.
    let resume = all.iter().position(|u| {
        u.meta.key == key_marker && u.upload_id == id_marker && !id_marker.is_empty()
    });
    let after: Vec<&Upload> = all
        .iter()
        .enumerate()
        .filter(|(i, u)| match resume {
            Some(at) => *i > at,
            None => u.meta.key.as_str() > key_marker,
        })
        .map(|(_, u)| u)
        .filter(|u| u.meta.key.starts_with(prefix))
        .collect();
    let truncated = after.len() > max;
    let page = &after[..after.len().min(max)];
    let (next_key, next_id) = match (truncated, page.last()) {
        (true, Some(u)) => (u.meta.key.clone(), u.upload_id.clone()),
        _ => (String::new(), String::new()),
    };
    let mut x = Xml::new();
    x.open("ListMultipartUploadsResult")
        .elem("Bucket", ctx.bucket())
        .elem("KeyMarker", key_marker)
        .elem("UploadIdMarker", id_marker)
        .elem("NextKeyMarker", &next_key)
        .elem("NextUploadIdMarker", &next_id)
        .elem("Delimiter", ctx.query("delimiter").unwrap_or(""))
        .elem("Prefix", prefix)
        .elem("MaxUploads", &max.to_string())
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    for u in page {
        x.open("Upload")
            .elem("Key", &u.meta.key)
            .elem("UploadId", &u.upload_id)
            .elem("StorageClass", u.meta.class())
            .elem("Initiated", &date::iso8601(u.initiated))
            .close("Upload");
    }
    x.close("ListMultipartUploadsResult");
    xml_ok(x.finish())
}

#[cfg(test)]
mod tests {
    use super::copy_range;

    #[test]
    fn copy_ranges_are_exact_or_refused() {
        assert_eq!(copy_range("bytes=0-9", 100), Some((0, 10)));
        assert_eq!(copy_range(" bytes=90-99 ", 100), Some((90, 10)));
        assert_eq!(copy_range("bytes=90-", 100), Some((90, 10)));
        assert_eq!(copy_range("bytes=5-5", 100), Some((5, 1)));
        // Past the end, reversed, suffix, lists, other units, empty source: refused.
        assert_eq!(copy_range("bytes=90-100", 100), None);
        assert_eq!(copy_range("bytes=100-", 100), None);
        assert_eq!(copy_range("bytes=9-0", 100), None);
        assert_eq!(copy_range("bytes=-10", 100), None);
        assert_eq!(copy_range("bytes=0-1,3-4", 100), None);
        assert_eq!(copy_range("items=0-9", 100), None);
        assert_eq!(copy_range("bytes=0-", 0), None);
        assert_eq!(copy_range("bytes=18446744073709551615-", 100), None);
    }
}
