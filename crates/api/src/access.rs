//! Who may do what. Signed callers (any configured key) may do everything. Anonymous callers follow
//! the ACLs (OSS's table: the object's own ACL, or the bucket's when the object's is `default`), and
//! source-image protection narrows anonymous reads of protected objects to styles.

use cyanotype_storage::{Acl, Bucket, ObjectMeta};

use crate::error::ApiError;
use crate::Ctx;

fn denied() -> ApiError {
    ApiError::access_denied("You have no right to access this object because of bucket acl.")
        .ec("0003-00000001")
}

/// Operations only the owner (a signed caller) may do: listing buckets, ACLs, styles, settings,
/// multipart listings, bucket creation and deletion.
pub fn owner_only(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.signed() {
        Ok(())
    } else {
        Err(
            ApiError::access_denied("Anonymous user has no right to access this bucket.")
                .ec("0003-00000001"),
        )
    }
}

/// Bucket-level read (listing objects).
pub fn bucket_read(ctx: &Ctx, bucket: &Bucket) -> Result<(), ApiError> {
    if ctx.signed() || bucket.acl.allows_anonymous_read() {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Writing a key (put, copy target, delete, multipart): the object's ACL if it exists, else the bucket's.
pub fn object_write(
    ctx: &Ctx,
    bucket: &Bucket,
    existing: Option<&ObjectMeta>,
) -> Result<(), ApiError> {
    let acl = Acl::effective(existing.map_or(Acl::Default, |m| m.acl), bucket.acl);
    if ctx.signed() || acl.allows_anonymous_write() {
        Ok(())
    } else {
        Err(denied())
    }
}

/// What an anonymous read asks for, for source-image protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// The bytes as stored.
    Direct,
    /// `x-oss-process=image/...`.
    Image,
    /// A style, by `style/<name>` or by a separator.
    Style,
}

pub fn object_read(
    ctx: &Ctx,
    bucket: &Bucket,
    meta: &ObjectMeta,
    kind: ReadKind,
) -> Result<(), ApiError> {
    if ctx.signed() {
        return Ok(());
    }
    if !Acl::effective(meta.acl, bucket.acl).allows_anonymous_read() {
        return Err(denied());
    }
    if kind != ReadKind::Style && bucket.image.protects(&meta.key) {
        return Err(ApiError::access_denied(
            "You are forbidden to access the source image: this object is protected; use an image style.",
        )
        .ec("0040-00000031"));
    }
    Ok(())
}
