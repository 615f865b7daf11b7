//! Object operations: PutObject, CopyObject, GetObject without processing (ranges, conditions,
//! `response-*` overrides), HeadObject, GetObjectMeta, DeleteObject, DeleteMultipleObjects and the
//! object ACL.

use std::io::{Seek, SeekFrom};

use axum::body::Body;
use axum::response::Response;

use cyanotype_auth::date;
use cyanotype_storage::{Acl, Bucket, ObjectMeta, ObjectType, StoreError};

use crate::access::{object_read, object_write, owner_only, ReadKind};
use crate::body::{check_md5, read_small, stage};
use crate::bucket::{acl_policy, load, load_object, parse_acl_header};
use crate::endpoint::{check_key, strict_percent_decode};
use crate::error::{ApiError, Kind};
use crate::response::Resp;
use crate::workers::blocking;
use crate::xml::{self, Xml};
use crate::{storage_class, symlink, tagging};
use crate::{xml_ok, Ctx, Shared};

/// OSS: user metadata (`x-oss-meta-*`) is at most 8 KB in total.
const MAX_USER_META: usize = 8 * 1024;

/// The metadata a PUT (or a REPLACE copy, or an initiated upload) sets from its headers.
pub fn meta_from_headers(ctx: &Ctx, key: &str, bucket: &Bucket) -> Result<ObjectMeta, ApiError> {
    let mut user_meta: Vec<(String, String)> = ctx
        .headers
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("x-oss-meta-")
                .map(|n| (n.to_string(), v.clone()))
        })
        .collect();
    user_meta.sort();
    let latin1_headers = ctx
        .latin1
        .iter()
        .filter(|h| h.starts_with("x-oss-meta-") || DESCRIBING_HEADERS.contains(&h.as_str()))
        .cloned()
        .collect();
    let total: usize = user_meta.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_USER_META {
        return Err(ApiError::invalid_argument(
            "Your metadata headers exceed the maximum allowed metadata size.",
        ));
    }
    let acl = parse_acl_header(ctx, "x-oss-object-acl", true)?.unwrap_or(Acl::Default);
    Ok(ObjectMeta {
        key: key.to_string(),
        content_type: ctx
            .header("content-type")
            .filter(|c| !c.is_empty())
            .unwrap_or("application/octet-stream")
            .to_string(),
        cache_control: ctx.header("cache-control").map(str::to_string),
        content_disposition: ctx.header("content-disposition").map(str::to_string),
        content_encoding: ctx.header("content-encoding").map(str::to_string),
        expires: ctx.header("expires").map(str::to_string),
        user_meta,
        latin1_headers,
        acl,
        object_type: ObjectType::Normal,
        storage_class: storage_class::from_header(ctx, bucket)?,
        tags: tagging::from_header(ctx)?,
        ..Default::default()
    })
}

pub fn forbid_overwrite(ctx: &Ctx, name: &str) -> bool {
    ctx.header(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub async fn put_object(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let existing = state.store.head_object(ctx.bucket(), ctx.key()).ok();
    object_write(ctx, &bucket, existing.as_ref())?;
    if ctx.header("content-length").is_none() && ctx.header("transfer-encoding").is_none() {
        return Err(ApiError::new(
            Kind::MissingContentLength,
            "You must provide the Content-Length HTTP header.",
        ));
    }
    let meta = meta_from_headers(ctx, ctx.key(), &bucket)?;
    let staged = stage(body, state).await?;
    check_md5(ctx.header("content-md5"), &staged.md5)?;
    let store = state.store.clone();
    let (b, forbid) = (
        ctx.bucket().to_string(),
        forbid_overwrite(ctx, "x-oss-forbid-overwrite"),
    );
    let meta = blocking(move || store.put_object(&b, meta, staged, forbid))
        .await?
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200)
        .header("etag", format!("\"{}\"", meta.etag))
        .header("content-md5", meta.content_md5.clone())
        .header("x-oss-hash-crc64ecma", meta.crc64.to_string())
        .empty())
}

/// The request headers an object keeps and answers with (besides Content-Type and x-oss-meta-*).
const DESCRIBING_HEADERS: [&str; 4] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "expires",
];

/// The headers that describe an object (GET, HEAD, GetObjectMeta use subsets).
pub fn describe(meta: &ObjectMeta, r: Resp) -> Resp {
    let mut r = r
        .header("etag", format!("\"{}\"", meta.etag))
        .header("last-modified", date::rfc1123(meta.last_modified))
        .header("x-oss-object-type", meta.object_type.as_str())
        .header("x-oss-storage-class", meta.class().to_string())
        .header_opt(
            "x-oss-restore",
            storage_class::restore_header(meta, date::now()),
        )
        .header_opt(
            "x-oss-tagging-count",
            (!meta.tags.is_empty()).then(|| meta.tags.len().to_string()),
        );
    let kept = [
        &meta.cache_control,
        &meta.content_disposition,
        &meta.content_encoding,
        &meta.expires,
    ];
    let named = DESCRIBING_HEADERS
        .iter()
        .zip(kept)
        .filter_map(|(name, v)| Some((name.to_string(), v.as_deref()?)));
    let user = meta
        .user_meta
        .iter()
        .map(|(k, v)| (format!("x-oss-meta-{k}"), v.as_str()));
    for (name, v) in named.chain(user) {
        r = if meta.latin1_headers.contains(&name) {
            // The bytes that came: each character is one (ISO-8859-1).
            let bytes = v.chars().map(|c| c as u32 as u8).collect();
            r.header_bytes(&name, bytes)
        } else {
            r.header(&name, v)
        };
    }
    r
}

fn etag_matches(header: &str, etag: &str) -> bool {
    header.split(',').any(|t| {
        let t = t.trim().trim_start_matches("W/").trim_matches('"');
        t == "*" || t.eq_ignore_ascii_case(etag)
    })
}

/// If-Match, If-Unmodified-Since (412) and If-None-Match, If-Modified-Since (304), in that order.
pub fn check_conditions(ctx: &Ctx, meta: &ObjectMeta, prefix: &str) -> Result<(), ApiError> {
    let h = |n: &str| ctx.header(&format!("{prefix}{n}"));
    let failed = || {
        ApiError::new(
            Kind::PreconditionFailed,
            "At least one of the pre-conditions you specified did not hold.",
        )
    };
    // RFC 7232 (and S3's copy rules): a date condition is not evaluated when its ETag condition is
    // present; `If-Match` true with `If-Unmodified-Since` false proceeds.
    if let Some(v) = h("if-match") {
        if !etag_matches(v, &meta.etag) {
            return Err(failed().with("Condition", "If-Match"));
        }
    } else if let Some(t) = h("if-unmodified-since").and_then(date::parse_rfc1123) {
        if meta.last_modified > t {
            return Err(failed().with("Condition", "If-Unmodified-Since"));
        }
    }
    let not_modified = || {
        if prefix.is_empty() {
            // RFC 7232: a 304 carries the ETag a 200 would have.
            ApiError::new(Kind::NotModified, "").with("ETag", format!("\"{}\"", meta.etag))
        } else {
            failed()
        }
    };
    if let Some(v) = h("if-none-match") {
        if etag_matches(v, &meta.etag) {
            return Err(not_modified());
        }
    } else if let Some(t) = h("if-modified-since").and_then(date::parse_rfc1123) {
        if meta.last_modified <= t {
            return Err(not_modified());
        }
    }
    Ok(())
}

/// A single byte range; anything OSS would not honour gives `None` (the whole object).
fn parse_range(header: &str, size: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            if n == 0 {
                return None;
            }
            (size.saturating_sub(n), size - 1)
        }
        (s, "") => (s.parse().ok()?, size - 1),
        (s, e) => {
            let (s, e): (u64, u64) = (s.parse().ok()?, e.parse().ok()?);
            (s, e.min(size - 1))
        }
    };
    (start <= end && start < size).then_some((start, end))
}

/// Response header overrides (`response-content-type` and friends): signed requests only, as OSS.
fn overrides(ctx: &Ctx, mut r: Resp) -> Result<Resp, ApiError> {
    const NAMES: [(&str, &str); 6] = [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ];
    for (q, h) in NAMES {
        if let Some(v) = ctx.query(q) {
            if !ctx.signed() {
                return Err(ApiError::access_denied(
                    "Anonymous access is forbidden for response-* overrides.",
                ));
            }
            r = r.header(h, v);
        }
    }
    Ok(r)
}

/// GET or HEAD of the stored bytes.
pub async fn get_plain(state: &Shared, ctx: &Ctx, head: bool) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let (meta, file) = state
        .store
        .open_object(ctx.bucket(), ctx.key())
        .map_err(|e| ctx.store_err(e))?;
    object_read(ctx, &bucket, &meta, ReadKind::Direct)?;
    let (meta, file) = symlink::follow(state, ctx, &bucket, meta, file, ReadKind::Direct)?;
    if !head {
        storage_class::check_readable(&meta, ctx.now)?;
    }
    check_conditions(ctx, &meta, "")?;
    let range = ctx.header("range").and_then(|r| parse_range(r, meta.size));
    let mut r = Resp::new(if range.is_some() { 206 } else { 200 }).header("accept-ranges", "bytes");
    if !ctx.has_query("response-content-type") {
        r = r.header("content-type", meta.content_type.clone());
    }
    r = overrides(ctx, describe(&meta, r))?;
    let (start, len) = match range {
        Some((s, e)) => {
            r = r.header("content-range", format!("bytes {s}-{e}/{}", meta.size));
            (s, e - s + 1)
        }
        None => {
            // The CRC describes the whole object; a ranged answer must not carry it.
            r = r.header("x-oss-hash-crc64ecma", meta.crc64.to_string());
            if !meta.content_md5.is_empty() {
                r = r.header("content-md5", meta.content_md5.clone());
            }
            (0, meta.size)
        }
    };
    r = r.header("content-length", len.to_string());
    if head {
        return Ok(r.body(Body::empty()));
    }
    let mut file = file;
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .map_err(|e| ctx.store_err(e.into()))?;
    }
    let reader = tokio::fs::File::from_std(file);
    let stream = tokio_util::io::ReaderStream::with_capacity(
        tokio::io::AsyncReadExt::take(reader, len),
        256 * 1024,
    );
    Ok(r.body(Body::from_stream(stream)))
}

pub fn get_object_meta(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let (bucket, meta) = load_object(state, ctx)?;
    object_read(ctx, &bucket, &meta, ReadKind::Direct)?;
    Ok(Resp::new(200)
        .header("etag", format!("\"{}\"", meta.etag))
        .header("last-modified", date::rfc1123(meta.last_modified))
        .header("x-oss-last-access-time", date::rfc1123(meta.last_modified))
        .header("content-length", meta.size.to_string())
        .header("x-oss-hash-crc64ecma", meta.crc64.to_string())
        .body(Body::empty()))
}

pub fn delete_object(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let existing = state.store.head_object(ctx.bucket(), ctx.key()).ok();
    object_write(ctx, &bucket, existing.as_ref())?;
    // OSS answers 204 whether or not the key existed.
    state
        .store
        .delete_object(ctx.bucket(), ctx.key())
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(204).empty())
}

pub async fn delete_multiple(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let body = read_small(body, state).await?;
    // Required, as OSS: a list of keys to delete damaged in transit must not delete other keys.
    let h = ctx.header("content-md5").ok_or_else(|| {
        ApiError::new(
            Kind::MissingArgument,
            "Missing Some Required Arguments: Content-MD5 (DeleteMultipleObjects checks its body).",
        )
        .ec("0016-00000606")
    })?;
    let md5: [u8; 16] = {
        use md5::{Digest, Md5};
        Md5::digest(&body).into()
    };
    check_md5(Some(h), &md5)?;
    let p = xml::parse(&body).ok_or_else(ApiError::malformed_xml)?;
    let quiet = match p.first("Delete/Quiet").map(str::trim) {
        None => false,
        Some(q) if q.eq_ignore_ascii_case("true") => true,
        Some(q) if q.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(ApiError::malformed_xml()),
    };
    let keys: Vec<String> = p.all("Delete/Object/Key").map(str::to_string).collect();
    // Every Object names one Key; none at all, or more than OSS's 1000, is malformed.
    let objects = p.all("Delete/Object").count();
    if objects != keys.len() {
        return Err(ApiError::malformed_xml().ec("0016-00000613"));
    }
    if keys.is_empty() {
        return Err(ApiError::malformed_xml().ec("0016-00000615"));
    }
    if keys.len() > 1000 {
        return Err(ApiError::malformed_xml());
    }
    let url = ctx.query("encoding-type") == Some("url");
    for k in &keys {
        check_key(k)?;
    }
    let mut x = Xml::new();
    x.open("DeleteResult");
    if url {
        x.elem("EncodingType", "url");
    }
    for key in keys {
        let existing = state.store.head_object(ctx.bucket(), &key).ok();
        object_write(ctx, &bucket, existing.as_ref())?;
        let store = state.store.clone();
        let (b, k) = (ctx.bucket().to_string(), key.clone());
        blocking(move || store.delete_object(&b, &k))
            .await?
            .map_err(|e| ctx.store_err(e))?;
        if !quiet {
            let shown = if url {
                cyanotype_auth::v4::uri_encode(&key)
            } else {
                key
            };
            x.open("Deleted").elem("Key", &shown).close("Deleted");
        }
    }
    x.close("DeleteResult");
    xml_ok(x.finish())
}

/// `x-oss-copy-source: /<bucket>/<url-encoded key>[?versionId=<id>]`.
fn copy_source(ctx: &Ctx) -> Result<(String, String), ApiError> {
    let raw = ctx.header("x-oss-copy-source").unwrap_or("");
    let invalid = || {
        ApiError::invalid_argument(format!(
            "The value: {raw} of header: x-oss-copy-source is invalid."
        ))
    };
    // The key is URL-encoded, so a literal `?` starts the source's query: a version, which this
    // server does not keep (GetObject's `?versionId` is NotImplemented too). Taken as part of the
    // key it would copy some other object, or none.
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    if !query.is_empty() {
        return Err(if query.split('&').any(|p| p.starts_with("versionId")) {
            ApiError::not_implemented("A versioned copy source (?versionId)")
        } else {
            invalid()
        });
    }
    let decoded = strict_percent_decode(path).ok_or_else(invalid)?;
    // The leading slash is required (OSS: EC 0042-00000301 for a source without it).
    let (b, k) = decoded
        .strip_prefix('/')
        .and_then(|rest| rest.split_once('/'))
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .ok_or_else(invalid)?;
    check_key(k)?;
    Ok((b.to_string(), k.to_string()))
}

/// The source of a CopyObject or UploadPartCopy, opened once its reader may read it. The caller
/// checks the `x-oss-copy-source-if-*` conditions after its own write permission.
pub fn open_copy_source(state: &Shared, ctx: &Ctx) -> Result<CopySource, ApiError> {
    let (bucket, key) = copy_source(ctx)?;
    let src_bucket = state
        .store
        .bucket(&bucket)
        .map_err(|_| ApiError::no_such_bucket(&bucket))?;
    let (meta, file) = state
        .store
        .open_object(&bucket, &key)
        .map_err(|e| match e {
            StoreError::NoSuchKey => ApiError::no_such_key(&key),
            other => ctx.store_err(other),
        })?;
    object_read(ctx, &src_bucket, &meta, ReadKind::Direct)?;
    storage_class::check_readable(&meta, ctx.now)?;
    Ok(CopySource {
        bucket,
        key,
        meta,
        file,
    })
}

pub struct CopySource {
    pub bucket: String,
    pub key: String,
    pub meta: ObjectMeta,
    /// Open on the blob: a concurrent overwrite of the source does not change what is copied.
    pub file: std::fs::File,
}

pub async fn copy_object(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let CopySource {
        bucket: src_bucket_name,
        key: src_key,
        meta: src_meta,
        file: src_file,
    } = open_copy_source(state, ctx)?;
    let existing = state.store.head_object(ctx.bucket(), ctx.key()).ok();
    object_write(ctx, &bucket, existing.as_ref())?;
    check_conditions(ctx, &src_meta, "x-oss-copy-source-")?;
    let same = src_bucket_name == ctx.bucket() && src_key == ctx.key();
    let replace = same
        || match ctx.header("x-oss-metadata-directive") {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("COPY") => false,
            Some(d) if d.eq_ignore_ascii_case("REPLACE") => true,
            // Taken as COPY, a misspelt REPLACE would silently keep the old metadata.
            Some(d) => {
                return Err(ApiError::invalid_argument(format!(
                    "The value: {d} of header: x-oss-metadata-directive is invalid; it must be COPY or REPLACE."
                )))
            }
        };
    let mut meta = if replace {
        meta_from_headers(ctx, ctx.key(), &bucket)?
    } else {
        ObjectMeta {
            key: ctx.key().to_string(),
            content_type: src_meta.content_type.clone(),
            cache_control: src_meta.cache_control.clone(),
            content_disposition: src_meta.content_disposition.clone(),
            content_encoding: src_meta.content_encoding.clone(),
            expires: src_meta.expires.clone(),
            user_meta: src_meta.user_meta.clone(),
            latin1_headers: src_meta.latin1_headers.clone(),
            storage_class: storage_class::from_header(ctx, &bucket)?,
            ..Default::default()
        }
    };
    meta.tags = tagging::for_copy(ctx, &src_meta)?;
    if src_meta.object_type == ObjectType::Symlink {
        // A copy of a link is a link to the same target (OSS copies the symlink, not its target).
        meta.object_type = ObjectType::Symlink;
        meta.symlink_target = src_meta.symlink_target.clone();
        meta.etag = src_meta.etag.clone();
    }
    meta.acl = parse_acl_header(ctx, "x-oss-object-acl", true)?.unwrap_or(Acl::Default);
    let staging = state.store.staging();
    let store = state.store.clone();
    let (b, forbid) = (
        ctx.bucket().to_string(),
        forbid_overwrite(ctx, "x-oss-forbid-overwrite"),
    );
    let committed = blocking(move || -> Result<ObjectMeta, StoreError> {
        let staged = staging.copy_from(src_file)?;
        store.put_object(&b, meta, staged, forbid)
    })
    .await?
    .map_err(|e| ctx.store_err(e))?;
    let mut x = Xml::new();
    x.open("CopyObjectResult")
        .elem("ETag", &format!("\"{}\"", committed.etag))
        .elem("LastModified", &date::iso8601(committed.last_modified))
        .close("CopyObjectResult");
    Ok(Resp::new(200)
        .header("content-type", "application/xml")
        .header("x-oss-hash-crc64ecma", committed.crc64.to_string())
        .body(x.finish()))
}

pub fn get_object_acl(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let (_, meta) = load_object(state, ctx)?;
    xml_ok(acl_policy(meta.acl))
}

pub fn put_object_acl(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let acl = parse_acl_header(ctx, "x-oss-object-acl", true)?.ok_or_else(|| {
        ApiError::new(
            Kind::MissingArgument,
            "Missing Some Required Arguments: x-oss-object-acl.",
        )
        .ec("0016-00000502")
    })?;
    state
        .store
        .update_object(ctx.bucket(), ctx.key(), &mut |m| m.acl = acl)
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200).empty())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=90-1000", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("bytes=0-1,3-4", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
