//! Symlinks: PutSymlink and GetSymlink (`?symlink`), and the reads that go through a link.
//!
//! A symlink is an object with no bytes whose metadata names another key of its bucket. OSS does
//! not check the target when the link is made; a read of the link (GET, HEAD, processing, a
//! style) checks the link's ACL and the target's, then answers with the target's bytes: the
//! target's Content-Length, ETag and Content-MD5, the later of the two Last-Modified, and the
//! link's own other headers (Content-Type, user metadata, `x-oss-object-type: Symlink`). A link to
//! a missing key is 404 SymlinkTargetNotExist; a link to a link is 400 InvalidTargetType. A
//! CopyObject of a link copies the link (OSS's rule); an UploadPartCopy from one is refused. The
//! link's ETag is the MD5 of its target's name (OSS does not document how it makes its own).

use std::fs::File;

use axum::response::Response;

use cyanotype_auth::date;
use cyanotype_storage::{Bucket, ObjectMeta, ObjectType, StoreError};

use crate::access::{object_read, object_write, ReadKind};
use crate::bucket::{load, load_object};
use crate::endpoint::{check_key, strict_percent_decode};
use crate::error::{ApiError, Kind};
use crate::object::{forbid_overwrite, meta_from_headers};
use crate::response::Resp;
use crate::workers::blocking;
use crate::{Ctx, Shared};

pub async fn put_symlink(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let existing = state.store.head_object(ctx.bucket(), ctx.key()).ok();
    object_write(ctx, &bucket, existing.as_ref())?;
    let raw = ctx.header("x-oss-symlink-target").ok_or_else(|| {
        ApiError::new(
            Kind::MissingArgument,
            "Missing Some Required Arguments: x-oss-symlink-target.",
        )
    })?;
    // The SDKs send the target URL-encoded (oss2, ali-oss, the v2 SDK).
    let target = strict_percent_decode(raw).ok_or_else(|| {
        ApiError::invalid_argument(format!(
            "The value: {raw} of header: x-oss-symlink-target is invalid."
        ))
    })?;
    check_key(&target)?;
    let mut meta = meta_from_headers(ctx, ctx.key(), &bucket)?;
    meta.object_type = ObjectType::Symlink;
    meta.etag = {
        use md5::{Digest, Md5};
        Md5::digest(target.as_bytes())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    };
    meta.symlink_target = Some(target);
    let staging = state.store.staging();
    let store = state.store.clone();
    let (b, forbid) = (
        ctx.bucket().to_string(),
        forbid_overwrite(ctx, "x-oss-forbid-overwrite"),
    );
    let meta = blocking(move || -> Result<ObjectMeta, StoreError> {
        store.put_object(&b, meta, staging.from_bytes(b"")?, forbid)
    })
    .await?
    .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200)
        .header("etag", format!("\"{}\"", meta.etag))
        .header("x-oss-hash-crc64ecma", meta.crc64.to_string())
        .empty())
}

pub fn get_symlink(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let (bucket, meta) = load_object(state, ctx)?;
    object_read(ctx, &bucket, &meta, ReadKind::Direct)?;
    let Some(target) = meta.symlink_target.as_deref() else {
        return Err(
            ApiError::new(Kind::NotSymlink, "The specified object is not a symlink.")
                .with("Key", meta.key.clone()),
        );
    };
    Ok(Resp::new(200)
        .header(
            "x-oss-symlink-target",
            cyanotype_auth::v4::uri_encode(target),
        )
        .header("etag", format!("\"{}\"", meta.etag))
        .header("last-modified", date::rfc1123(meta.last_modified))
        .header("content-length", "0")
        .empty())
}

/// The target of a link, checked: it exists, is not itself a link, and the caller may read it.
fn target_of(
    state: &Shared,
    ctx: &Ctx,
    bucket: &Bucket,
    link: &ObjectMeta,
    kind: ReadKind,
) -> Result<(ObjectMeta, File), ApiError> {
    let target = link.symlink_target.as_deref().unwrap_or_default();
    let (meta, file) = state
        .store
        .open_object(&bucket.name, target)
        .map_err(|e| match e {
            StoreError::NoSuchKey => ApiError::new(
                Kind::SymlinkTargetNotExist,
                "The symlink target object does not exist.",
            )
            .with("Key", link.key.clone())
            .with("TargetKey", target.to_string()),
            other => ctx.store_err(other),
        })?;
    if meta.object_type == ObjectType::Symlink {
        return Err(ApiError::new(
            Kind::InvalidTargetType,
            "The symlink target object type is not supported: a symlink may not point to a symlink.",
        )
        .with("Key", link.key.clone())
        .with("TargetKey", target.to_string()));
    }
    object_read(ctx, bucket, &meta, kind)?;
    Ok((meta, file))
}

/// What a read of `meta` serves: the object itself, or, for a link, the target's bytes described
/// as OSS describes them (see the module comment; the class and restore state are the target's,
/// whose bytes they govern). The link's own access was checked by the caller.
pub fn follow(
    state: &Shared,
    ctx: &Ctx,
    bucket: &Bucket,
    meta: ObjectMeta,
    file: File,
    kind: ReadKind,
) -> Result<(ObjectMeta, File), ApiError> {
    if meta.object_type != ObjectType::Symlink {
        return Ok((meta, file));
    }
    let (target, file) = target_of(state, ctx, bucket, &meta, kind)?;
    let merged = ObjectMeta {
        size: target.size,
        etag: target.etag.clone(),
        crc64: target.crc64,
        content_md5: target.content_md5.clone(),
        last_modified: target.last_modified.max(meta.last_modified),
        storage_class: target.storage_class.clone(),
        restore: target.restore,
        blob: target.blob.clone(),
        ..meta
    };
    Ok((merged, file))
}

/// For processing: the target's own metadata (its key and stored version are what is read, and
/// what the source cache knows), after the same checks as [`follow`].
pub fn resolve_source(
    state: &Shared,
    ctx: &Ctx,
    bucket: &Bucket,
    meta: ObjectMeta,
    kind: ReadKind,
) -> Result<ObjectMeta, ApiError> {
    if meta.object_type != ObjectType::Symlink {
        return Ok(meta);
    }
    Ok(target_of(state, ctx, bucket, &meta, kind)?.0)
}
