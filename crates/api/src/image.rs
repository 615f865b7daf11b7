//! GET/HEAD with processing (`x-oss-process=image/...`, `style/<name>`, the separator forms) and
//! ProcessObject (POST `?x-oss-process` with `|sys/saveas`).
//!
//! The answer keeps the source's ETag and Last-Modified (OSS: the ETag names the source object), takes
//! the output's Content-Type and length, and carries `x-oss-hash-crc64ecma` of the bytes sent, because
//! oss2 checks that header against what it receives.

use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Method;
use axum::response::Response;

use cyanotype_imaging::{Env, ObjectError, Objects, Output};
use cyanotype_process::{saveas, Op, Process};
use cyanotype_storage::{crc64, Bucket, ObjectMeta, ObjectType, Store, StoreError};

use crate::access::{object_read, object_write, ReadKind};
use crate::body::read_small;
use crate::bucket::load;
use crate::endpoint::{check_key, valid_bucket_name};
use crate::error::{ApiError, Kind};
use crate::object::{check_conditions, get_plain};
use crate::response::Resp;
use crate::sources::SourceBytes;
use crate::style::no_such_style;
use crate::workers::blocking;
use crate::{Ctx, Shared};

/// Separators that are always on: the old API's `@!`, the console's `!`.
const DEFAULT_SEPARATORS: [&str; 2] = ["@!", "!"];

/// Splits `key` at a style separator whose right-hand part names an existing style.
pub fn split_style(bucket: &Bucket, key: &str) -> Option<(String, String)> {
    let optional: Vec<String> = bucket
        .image
        .separators
        .iter()
        .map(|c| c.to_string())
        .collect();
    let seps = DEFAULT_SEPARATORS
        .iter()
        .copied()
        .chain(optional.iter().map(String::as_str));
    for sep in seps {
        for (i, _) in key.rmatch_indices(sep) {
            let (object, style) = (&key[..i], &key[i + sep.len()..]);
            if !object.is_empty() && bucket.style(style).is_some() {
                return Some((object.to_string(), style.to_string()));
            }
        }
    }
    None
}

/// A process string (after any saveas was split off) as ops; styles are looked up in the bucket.
fn resolve(bucket: &Bucket, text: &str) -> Result<Vec<Op>, ApiError> {
    match cyanotype_process::parse(text)? {
        Process::Image(ops) => Ok(ops),
        Process::Style(name) => {
            let style = bucket.style(&name).ok_or_else(|| no_such_style(&name))?;
            let (inner, save) = saveas::split(&style.content)?;
            if save.is_some() {
                return Err(ApiError::invalid_argument(
                    "A style may not hold sys/saveas.",
                ));
            }
            match cyanotype_process::parse(inner)? {
                Process::Image(ops) => Ok(ops),
                Process::Style(_) => Err(ApiError::invalid_argument(format!(
                    "The value: {} of style: {name} is invalid: a style may not name another style.",
                    style.content
                ))),
            }
        }
    }
}

fn read_kind(text: &str) -> ReadKind {
    if text.starts_with("style/") {
        ReadKind::Style
    } else {
        ReadKind::Image
    }
}

/// Image watermarks read other objects of the source's bucket, from the worker thread (the store is
/// synchronous). The caller could read the source; the watermark object is read on its behalf, as OSS
/// does, whatever its ACL.
struct BucketObjects {
    store: Arc<dyn Store>,
    bucket: String,
}

impl BucketObjects {
    fn open(&self, key: &str) -> Result<(ObjectMeta, std::fs::File), ObjectError> {
        self.store
            .open_object(&self.bucket, key)
            .map_err(|e| match e {
                StoreError::NoSuchKey | StoreError::NoSuchBucket => ObjectError::NotFound,
                other => ObjectError::Io(format!("{other:?}")),
            })
    }
}

impl Objects for BucketObjects {
    fn get(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        let (meta, file) = self.open(key)?;
        // A watermark named by a symlink draws its target, as a GET of the link serves the target's
        // bytes; a link to a missing object or to another link has nothing to draw (a GET answers
        // SymlinkTargetNotExist and InvalidTargetType).
        let (meta, mut file) = match meta.symlink_target.as_deref() {
            Some(target) if meta.object_type == ObjectType::Symlink => {
                let (t, f) = self.open(target)?;
                if t.object_type == ObjectType::Symlink {
                    return Err(ObjectError::NotFound);
                }
                (t, f)
            }
            _ => (meta, file),
        };
        if meta.size > max_bytes {
            return Err(ObjectError::TooLarge(meta.size));
        }
        let mut v = Vec::with_capacity(meta.size as usize);
        file.read_to_end(&mut v)
            .map_err(|e| ObjectError::Io(e.to_string()))?;
        Ok(v)
    }
}

/// The objects a chain draws as watermarks are read with the caller's rights, as the source is: an
/// anonymous `image/watermark,image_<key>` could otherwise draw a private object into a public
/// image, or a protected one at full size outside any style. A style's watermarks are the owner's
/// choice and are not checked. A missing one is left to the engine (its WatermarkError names it).
fn check_watermark_access(
    state: &Shared,
    ctx: &Ctx,
    bucket: &Bucket,
    ops: &[Op],
    kind: ReadKind,
) -> Result<(), ApiError> {
    if ctx.signed() || kind == ReadKind::Style {
        return Ok(());
    }
    for op in ops {
        let Op::Watermark(w) = op else { continue };
        let Some(image) = &w.image else { continue };
        let Ok(meta) = state.store.head_object(&bucket.name, &image.key) else {
            continue;
        };
        // Through a symlink, the target is what is drawn: both must be readable, as for a GET.
        let target = match (&meta.object_type, meta.symlink_target.as_deref()) {
            (ObjectType::Symlink, Some(t)) => state.store.head_object(&bucket.name, t).ok(),
            _ => None,
        };
        for m in std::iter::once(&meta).chain(target.as_ref()) {
            object_read(ctx, bucket, m, kind).map_err(|e| {
                ApiError::access_denied(format!(
                    "You have no right to read the watermark image object: {} ({})",
                    image.key, e.message
                ))
            })?;
        }
    }
    Ok(())
}

/// A source to process: its bytes from the cache, or its file, read on the worker.
enum Source {
    Kept(SourceBytes),
    File(std::fs::File),
}

/// Reads the source and runs the ops on a worker. `meta` is the source's metadata the caller
/// checked access on; the answer's is the version actually processed.
async fn run(
    state: &Shared,
    ctx: &Ctx,
    bucket: &str,
    meta: ObjectMeta,
    ops: Vec<Op>,
) -> Result<(ObjectMeta, Output), ApiError> {
    // A kept source needs no file; otherwise the file is opened here, where a missing key is
    // answered, and read on the worker: a queued request holds an open file or a share of bytes
    // the cache holds anyway, so memory stays bounded by the workers and the cache, not the queue.
    let (meta, source) = match state.sources.get(&meta) {
        Some(bytes) => (meta, Source::Kept(bytes)),
        None => {
            let (meta, file) = state
                .store
                .open_object(bucket, &meta.key)
                .map_err(|e| match e {
                    StoreError::NoSuchKey => ApiError::no_such_key(&meta.key),
                    other => ctx.store_err(other),
                })?;
            (meta, Source::File(file))
        }
    };
    let limits = state.config.limits.clone();
    if meta.size > limits.max_source_bytes {
        return Err(ApiError::new(
            Kind::ImageTooLarge,
            format!(
                "The source image is {} bytes; the limit for processing is {} bytes.",
                meta.size, limits.max_source_bytes
            ),
        )
        .ec("0040-00000009"));
    }
    let objects = BucketObjects {
        store: state.store.clone(),
        bucket: bucket.to_string(),
    };
    let fonts = state.fonts.clone();
    let sources = state.sources.clone();
    let time_limit = state.config.process_timeout;
    let read_meta = meta.clone();
    let output = state
        .workers
        .run(move |abandoned| {
            let data = match source {
                Source::Kept(bytes) => bytes,
                Source::File(mut file) => {
                    let mut data = Vec::with_capacity(read_meta.size as usize);
                    file.read_to_end(&mut data).map_err(|e| {
                        eprintln!("reading a source for processing: {e}");
                        cyanotype_process::Error::internal()
                    })?;
                    sources.keep(&read_meta, data)
                }
            };
            let env = Env {
                limits: &limits,
                fonts: &fonts,
                objects: &objects,
                time_limit,
                // A client that leaves stops the work at its next step.
                abandoned: Some(abandoned),
            };
            let result = cyanotype_imaging::process_with(&data, &ops, &env);
            if abandoned.load(std::sync::atomic::Ordering::Relaxed) {
                if let Err(e) = &result {
                    // Nobody reads this answer: the log is its only trace.
                    eprintln!(
                        "image processing ended after its client left: {}",
                        e.message
                    );
                }
            }
            result
        })
        .await??;
    Ok((meta, output))
}

pub async fn get_object(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let head = ctx.method == Method::HEAD;
    let bucket = load(state, ctx)?;
    let mut key = ctx.key().to_string();
    let process: Option<String> = if let Some(p) = ctx.query("x-oss-process") {
        Some(p.to_string())
    } else if let Some((k, _)) = ctx
        .query
        .iter()
        .find(|(k, _)| k.starts_with('!') && k.len() > 1)
    {
        // The guide's `?!name` form.
        Some(format!("style/{}", &k[1..]))
    } else if state.store.head_object(ctx.bucket(), &key).is_ok() {
        None
    } else if let Some((object, style)) = split_style(&bucket, &key) {
        key = object;
        Some(format!("style/{style}"))
    } else {
        None
    };
    let Some(text) = process else {
        return get_plain(state, ctx, head).await;
    };
    if text.contains('|') {
        return Err(ApiError::invalid_argument(
            "The value of parameter: x-oss-process is invalid.reason:sys/saveas is only allowed in a POST (ProcessObject).",
        ));
    }
    // Access before work: the ACL and protection are decided on the source's metadata.
    let meta = state
        .store
        .head_object(ctx.bucket(), &key)
        .map_err(|_| ApiError::no_such_key(&key))?;
    object_read(ctx, &bucket, &meta, read_kind(&text))?;
    let meta = crate::symlink::resolve_source(state, ctx, &bucket, meta, read_kind(&text))?;
    crate::storage_class::check_readable(&meta, ctx.now)?;
    let ops = resolve(&bucket, &text)?;
    check_watermark_access(state, ctx, &bucket, &ops, read_kind(&text))?;
    check_conditions(ctx, &meta, "")?;
    let (meta, out) = run(state, ctx, ctx.bucket(), meta, ops).await?;
    let r = Resp::new(200)
        .header("content-type", out.content_type)
        .header("content-length", out.body.len().to_string())
        .header("etag", format!("\"{}\"", meta.etag))
        .header(
            "last-modified",
            cyanotype_auth::date::rfc1123(meta.last_modified),
        )
        .header("x-oss-hash-crc64ecma", crc64(&out.body).to_string());
    Ok(if head {
        r.body(Body::empty())
    } else {
        r.body(out.body)
    })
}

/// The body of ProcessObject: `x-oss-process=<process>`, raw (oss2, go) or form-URL-encoded (ali-oss).
fn process_from_body(body: &[u8]) -> Result<String, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::invalid_argument("The request body is not UTF-8."))?;
    let value = text.trim().strip_prefix("x-oss-process=").ok_or_else(|| {
        ApiError::new(
            Kind::MissingArgument,
            "Missing argument: the body must be x-oss-process=<process>.",
        )
    })?;
    // `%XX` is decoded; `+` stays `+`: a process string never holds a space, and standard-alphabet
    // base64 (which has `+`) is sent raw by oss2.
    Ok(percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned())
}

pub async fn process_object(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    let text = process_from_body(&read_small(body, state).await?)?;
    let (process, save) = saveas::split(&text)?;
    let meta = state
        .store
        .head_object(ctx.bucket(), ctx.key())
        .map_err(|e| ctx.store_err(e))?;
    object_read(ctx, &bucket, &meta, read_kind(process))?;
    let meta = crate::symlink::resolve_source(state, ctx, &bucket, meta, read_kind(process))?;
    crate::storage_class::check_readable(&meta, ctx.now)?;
    let ops = resolve(&bucket, process)?;
    check_watermark_access(state, ctx, &bucket, &ops, read_kind(process))?;
    let Some(save) = save else {
        // Without saveas OSS answers with the processed bytes, like a GET.
        let (_, out) = run(state, ctx, ctx.bucket(), meta, ops).await?;
        return Ok(Resp::new(200)
            .header("content-type", out.content_type)
            .header("x-oss-hash-crc64ecma", crc64(&out.body).to_string())
            .body(out.body));
    };
    let target_bucket = save
        .bucket
        .clone()
        .unwrap_or_else(|| ctx.bucket().to_string());
    if !valid_bucket_name(&target_bucket) {
        return Err(ApiError::new(
            Kind::InvalidBucketName,
            "The specified bucket is not valid.",
        )
        .with("BucketName", target_bucket));
    }
    check_key(&save.object)?;
    let target = state
        .store
        .bucket(&target_bucket)
        .map_err(|_| ApiError::no_such_bucket(&target_bucket))?;
    let existing = state.store.head_object(&target_bucket, &save.object).ok();
    object_write(ctx, &target, existing.as_ref())?;
    // The request is whole and allowed: the save is carried out even if the client leaves now
    // (hyper then drops this future, and with it anything it awaits), in a task of its own, which
    // a dropped handle does not cancel. A client that gave up and retries saves the same result
    // again; one that gave up for good still finds its object saved.
    let (state, ctx) = (state.clone(), ctx.clone());
    tokio::spawn(async move { save_processed(&state, &ctx, meta, ops, save, target_bucket).await })
        .await
        .map_err(|e| {
            eprintln!("a ProcessObject task failed: {e}");
            ApiError::internal()
        })?
}

/// ProcessObject's work once its checks passed: process, then write the result as `save.object`.
async fn save_processed(
    state: &Shared,
    ctx: &Ctx,
    source: ObjectMeta,
    ops: Vec<Op>,
    save: saveas::SaveAs,
    target_bucket: String,
) -> Result<Response, ApiError> {
    let (_, out) = run(state, ctx, ctx.bucket(), source, ops).await?;
    let staging = state.store.staging();
    let store = state.store.clone();
    // The saved object takes its bucket's class, as any write without x-oss-storage-class.
    let storage_class = state
        .store
        .bucket(&target_bucket)
        .map(|b| b.storage_class)
        .unwrap_or_default();
    let meta = ObjectMeta {
        key: save.object.clone(),
        content_type: out.content_type.to_string(),
        storage_class,
        ..Default::default()
    };
    let saved = blocking(
        move || -> Result<ObjectMeta, cyanotype_storage::StoreError> {
            let staged = staging.from_bytes(&out.body)?;
            store.put_object(&target_bucket, meta, staged, false)
        },
    )
    .await?
    .map_err(|e| ctx.store_err(e))?;
    let json = serde_json::json!({
        "bucket": save.bucket.unwrap_or_default(),
        "fileSize": saved.size,
        "object": saved.key,
        "status": "OK",
    });
    Ok(Resp::new(200)
        .header("content-type", "application/json")
        .body(json.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cyanotype_storage::{Acl, Style};

    #[test]
    fn separators_split_only_at_existing_styles() {
        let mut b = Bucket::new("b", 0, Acl::Private);
        b.styles.push(Style {
            name: "thumb".into(),
            content: "image/resize,w_10".into(),
            category: "image".into(),
            created: 0,
            modified: 0,
        });
        assert_eq!(
            split_style(&b, "a/photo.jpg!thumb"),
            Some(("a/photo.jpg".into(), "thumb".into()))
        );
        assert_eq!(
            split_style(&b, "photo.jpg@!thumb"),
            Some(("photo.jpg".into(), "thumb".into()))
        );
        assert_eq!(split_style(&b, "photo.jpg!nope"), None);
        assert_eq!(
            split_style(&b, "photo.jpg-thumb"),
            None,
            "'-' is off until enabled"
        );
        b.image.separators.push('-');
        assert_eq!(
            split_style(&b, "my-photo.jpg-thumb"),
            Some(("my-photo.jpg".into(), "thumb".into()))
        );
        assert_eq!(split_style(&b, "!thumb"), None);
    }

    #[test]
    fn body_forms() {
        assert_eq!(
            process_from_body(b"x-oss-process=image/resize,w_100|sys/saveas,o_YQ").unwrap(),
            "image/resize,w_100|sys/saveas,o_YQ"
        );
        assert_eq!(
            process_from_body(b"x-oss-process=image%2Fresize%2Cw_100%7Csys%2Fsaveas%2Co_YQ")
                .unwrap(),
            "image/resize,w_100|sys/saveas,o_YQ"
        );
        assert_eq!(process_from_body(b"x-oss-process=a+b").unwrap(), "a+b");
    }
}
