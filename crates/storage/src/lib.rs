//! Buckets, objects and their metadata, styles and bucket image settings.
//!
//! [`Store`] is the seam: the api crate talks only to it, so an S3-compatible backend can sit behind
//! it later. [`LocalStore`] keeps everything under one data directory with atomic, durable writes
//! (write aside, fsync, rename, fsync the directory). Bodies come in as [`Staged`] files that the
//! caller wrote (and hashed) through [`Staging`], so no object is ever held whole in memory here.
//!
//! The trait is synchronous; the server calls it from blocking threads.

mod list;
mod local;
mod model;
mod staging;

pub use list::{ListPage, ListQuery};
pub use local::LocalStore;
pub use model::*;
pub use staging::{crc64, Staged, Staging};

use std::fs::File;

/// OSS: every part of a completed multipart upload but the last is at least 100 KB.
pub const MIN_PART_SIZE: u64 = 100 * 1024;

/// Storage failures, named after the OSS error each one becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    NoSuchBucket,
    BucketAlreadyExists,
    BucketNotEmpty,
    NoSuchKey,
    /// `x-oss-forbid-overwrite: true` and the key exists (OSS: 409 FileAlreadyExists).
    FileAlreadyExists,
    NoSuchUpload,
    /// A part named in CompleteMultipartUpload is missing or its ETag differs.
    InvalidPart,
    /// A part of CompleteMultipartUpload other than the last is under [`MIN_PART_SIZE`].
    EntityTooSmall,
    /// Parts in CompleteMultipartUpload are not in ascending order.
    InvalidPartOrder,
    /// The style limit per bucket (50) is reached.
    TooManyStyles,
    /// Local I/O failed; the text is for the log only.
    Io(String),
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The most styles a bucket holds, as OSS.
pub const MAX_STYLES: usize = 50;

/// Everything the api needs from a storage backend.
pub trait Store: Send + Sync + 'static {
    /// Where incoming bodies are staged before they are committed (same filesystem as the objects).
    fn staging(&self) -> Staging;

    fn list_buckets(&self) -> Vec<Bucket>;
    fn create_bucket(&self, bucket: Bucket) -> Result<()>;
    fn bucket(&self, name: &str) -> Result<Bucket>;
    /// Changes a bucket's settings (ACL, styles, image settings) atomically.
    fn update_bucket(
        &self,
        name: &str,
        change: &mut dyn FnMut(&mut Bucket) -> Result<()>,
    ) -> Result<Bucket>;
    /// Deletes an empty bucket (objects and unfinished uploads both count).
    fn delete_bucket(&self, name: &str) -> Result<()>;

    /// Commits a staged body as `meta.key`. `meta`'s size and hashes are taken from `body`.
    fn put_object(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        body: Staged,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta>;
    fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta>;
    /// The metadata and an open handle on the bytes; the handle stays valid if the object is replaced.
    fn open_object(&self, bucket: &str, key: &str) -> Result<(ObjectMeta, File)>;
    /// Changes an object's metadata (ACL, headers) without touching its bytes.
    fn update_object(
        &self,
        bucket: &str,
        key: &str,
        change: &mut dyn FnMut(&mut ObjectMeta),
    ) -> Result<ObjectMeta>;
    /// True when the key existed.
    fn delete_object(&self, bucket: &str, key: &str) -> Result<bool>;
    fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<ListPage>;

    fn create_upload(&self, bucket: &str, meta: ObjectMeta) -> Result<Upload>;
    fn upload(&self, bucket: &str, upload_id: &str) -> Result<Upload>;
    fn put_part(&self, bucket: &str, upload_id: &str, number: u32, body: Staged) -> Result<Part>;
    fn list_parts(&self, bucket: &str, upload_id: &str) -> Result<Vec<Part>>;
    /// Joins the named parts (number, ETag as the client sent it) into the object.
    fn complete_upload(
        &self,
        bucket: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<ObjectMeta>;
    fn abort_upload(&self, bucket: &str, upload_id: &str) -> Result<()>;
    /// Unfinished uploads, ordered by key then initiation.
    fn list_uploads(&self, bucket: &str) -> Result<Vec<Upload>>;
}
