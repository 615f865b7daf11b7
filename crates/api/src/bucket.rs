//! Bucket operations: ListBuckets, PutBucket, DeleteBucket, GetBucketInfo, GetBucketLocation and the
//! bucket ACL.

use axum::body::Body;
use axum::response::Response;

use cyanotype_auth::date;
use cyanotype_storage::{Acl, Bucket, ObjectMeta};

use crate::access::{bucket_read, owner_only};
use crate::body::read_small;
use crate::error::{ApiError, Kind};
use crate::response::Resp;
use crate::workers::blocking;
use crate::xml::{self, Xml};
use crate::{xml_ok, Ctx, Shared};

/// The owner every bucket and object reports (one account per server).
pub const OWNER_ID: &str = "cyanotype";

fn owner(x: &mut Xml) {
    x.open("Owner")
        .elem("ID", OWNER_ID)
        .elem("DisplayName", OWNER_ID)
        .close("Owner");
}

fn location(state: &Shared) -> String {
    format!("oss-{}", state.config.region)
}

fn bucket_summary(state: &Shared, x: &mut Xml, b: &Bucket) {
    x.elem("CreationDate", &date::iso8601(b.created));
    x.elem("ExtranetEndpoint", &state.config.public_endpoint);
    x.elem("IntranetEndpoint", &state.config.public_endpoint);
    x.elem("Location", &location(state));
    x.elem("Name", &b.name);
    x.elem("Region", &state.config.region);
    x.elem("StorageClass", &b.storage_class);
}

pub fn load(state: &Shared, ctx: &Ctx) -> Result<Bucket, ApiError> {
    state
        .store
        .bucket(ctx.bucket())
        .map_err(|e| ctx.store_err(e))
}

/// The request's bucket and the metadata of its key (NoSuchBucket, NoSuchKey as OSS words them).
pub fn load_object(state: &Shared, ctx: &Ctx) -> Result<(Bucket, ObjectMeta), ApiError> {
    let bucket = load(state, ctx)?;
    let meta = state
        .store
        .head_object(ctx.bucket(), ctx.key())
        .map_err(|e| ctx.store_err(e))?;
    Ok((bucket, meta))
}

pub fn list_buckets(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let prefix = ctx.query("prefix").unwrap_or("");
    let marker = ctx.query("marker").unwrap_or("");
    let max_keys = match ctx.query("max-keys") {
        None => 100,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ApiError::invalid_argument(format!(
                    "The value: {v} of parameter: max-keys is invalid."
                ))
            })?,
    };
    let all: Vec<Bucket> = state
        .store
        .list_buckets()
        .into_iter()
        .filter(|b| b.name.starts_with(prefix) && b.name.as_str() > marker)
        .collect();
    let truncated = all.len() > max_keys;
    let page = &all[..all.len().min(max_keys)];
    let mut x = Xml::new();
    x.open("ListAllMyBucketsResult");
    if ctx.query("prefix").is_some()
        || ctx.query("marker").is_some()
        || ctx.query("max-keys").is_some()
    {
        x.elem("Prefix", prefix)
            .elem("Marker", marker)
            .elem("MaxKeys", &max_keys.to_string());
        x.elem("IsTruncated", if truncated { "true" } else { "false" });
        if truncated {
            x.elem(
                "NextMarker",
                &page.last().map(|b| b.name.clone()).unwrap_or_default(),
            );
        }
    }
    owner(&mut x);
    x.open("Buckets");
    for b in page {
        x.open("Bucket");
        bucket_summary(state, &mut x, b);
        x.close("Bucket");
    }
    x.close("Buckets").close("ListAllMyBucketsResult");
    xml_ok(x.finish())
}

pub(crate) fn acl_header(
    ctx: &Ctx,
    name: &str,
    allow_default: bool,
) -> Result<Option<Acl>, ApiError> {
    match ctx.header(name) {
        None => Ok(None),
        Some(v) => match Acl::parse(v) {
            Some(Acl::Default) if !allow_default => Err(ApiError::invalid_argument(format!("no such bucket access control exists: {v}"))),
            Some(a) => Ok(Some(a)),
            None => Err(ApiError::invalid_argument(format!("The value: {v} of header: {name} is invalid; use private, public-read or public-read-write."))),
        },
    }
}

pub async fn put_bucket(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let acl = acl_header(ctx, "x-oss-acl", false)?.unwrap_or(Acl::Private);
    let body = read_small(body, state).await?;
    let mut bucket = Bucket::new(ctx.bucket(), ctx.now, acl);
    if !body.iter().all(u8::is_ascii_whitespace) {
        let p = xml::parse(&body).ok_or_else(ApiError::malformed_xml)?;
        if let Some(class) = p.first("CreateBucketConfiguration/StorageClass") {
            if !crate::storage_class::CLASSES.contains(&class) {
                return Err(ApiError::invalid_argument(format!(
                    "The value: {class} of StorageClass is invalid."
                )));
            }
            bucket.storage_class = class.to_string();
        }
        if let Some(r) = p.first("CreateBucketConfiguration/DataRedundancyType") {
            bucket.data_redundancy = r.to_string();
        }
    }
    if state.store.list_buckets().len() >= state.config.max_buckets {
        return Err(ApiError::new(
            Kind::TooManyBuckets,
            "You have attempted to create more buckets than allowed.",
        ));
    }
    let store = state.store.clone();
    match blocking(move || store.create_bucket(bucket)).await? {
        Ok(()) => {}
        Err(cyanotype_storage::StoreError::BucketAlreadyExists) => {
            // OSS: creating a bucket you already own succeeds (the ACL is updated when given).
            if let Some(a) = acl_header(ctx, "x-oss-acl", false)? {
                state
                    .store
                    .update_bucket(ctx.bucket(), &mut |b| {
                        b.acl = a;
                        Ok(())
                    })
                    .map_err(|e| ctx.store_err(e))?;
            }
        }
        Err(e) => return Err(ctx.store_err(e)),
    }
    Ok(Resp::new(200)
        .header("location", format!("/{}", ctx.bucket()))
        .empty())
}

pub fn delete_bucket(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    match state.store.delete_bucket(ctx.bucket()) {
        Ok(()) => Ok(Resp::new(204).empty()),
        Err(cyanotype_storage::StoreError::BucketNotEmpty) => Err(ApiError::new(
            Kind::BucketNotEmpty,
            "The bucket you tried to delete is not empty.",
        )
        .ec("0015-00000301")
        .with("BucketName", ctx.bucket())),
        Err(e) => Err(ctx.store_err(e)),
    }
}

pub fn get_bucket_info(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let b = load(state, ctx)?;
    let mut x = Xml::new();
    x.open("BucketInfo").open("Bucket");
    bucket_summary(state, &mut x, &b);
    x.elem("DataRedundancyType", &b.data_redundancy);
    owner(&mut x);
    x.open("AccessControlList")
        .elem("Grant", b.acl.as_str())
        .close("AccessControlList");
    x.elem("Comment", "");
    x.open("ServerSideEncryptionRule")
        .elem("SSEAlgorithm", "None")
        .close("ServerSideEncryptionRule");
    x.close("Bucket").close("BucketInfo");
    xml_ok(x.finish())
}

pub fn get_bucket_location(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let b = load(state, ctx)?;
    bucket_read(ctx, &b)?;
    let mut x = Xml::new();
    x.elem("LocationConstraint", &location(state));
    xml_ok(x.finish())
}

pub fn acl_policy(grant: Acl) -> String {
    let mut x = Xml::new();
    x.open("AccessControlPolicy");
    owner(&mut x);
    x.open("AccessControlList")
        .elem("Grant", grant.as_str())
        .close("AccessControlList");
    x.close("AccessControlPolicy");
    x.finish()
}

pub fn get_bucket_acl(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let b = load(state, ctx)?;
    xml_ok(acl_policy(b.acl))
}

pub fn put_bucket_acl(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let acl = acl_header(ctx, "x-oss-acl", false)?.ok_or_else(|| {
        ApiError::new(
            Kind::MissingArgument,
            "Missing Some Required Arguments: x-oss-acl.",
        )
        .ec("0016-00000502")
    })?;
    state
        .store
        .update_bucket(ctx.bucket(), &mut |b| {
            b.acl = acl;
            Ok(())
        })
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200).empty())
}

pub(crate) use acl_header as parse_acl_header;
