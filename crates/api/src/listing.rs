//! ListObjects (v1) and ListObjectsV2, and the empty live-channel listing oss2's test harness walks.

use axum::response::Response;
use base64::Engine;

use cyanotype_auth::date;
use cyanotype_storage::ListQuery;

use crate::access::{bucket_read, owner_only};
use crate::bucket::{load, OWNER_ID};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{xml_ok, Ctx, Shared};

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// Continuation tokens are the last key returned, base64: opaque to clients, checkable by us.
fn decode_token(token: &str) -> Result<String, ApiError> {
    b64()
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            ApiError::invalid_argument(format!("The continuation-token: {token} is invalid."))
        })
}

pub fn list_objects(state: &Shared, ctx: &Ctx, v2: bool) -> Result<Response, ApiError> {
    let bucket = load(state, ctx)?;
    bucket_read(ctx, &bucket)?;
    let url = match ctx.query("encoding-type") {
        None | Some("") => false,
        Some("url") => true,
        Some(other) => {
            return Err(ApiError::invalid_argument(format!(
                "The value: {other} of parameter: encoding-type is invalid; only url is supported."
            )))
        }
    };
    let enc = |s: &str| {
        if url {
            cyanotype_auth::v4::uri_encode(s)
        } else {
            s.to_string()
        }
    };
    let max_keys = ctx.count_param("max-keys", 100, 0..=1000)?;
    let prefix = ctx.query("prefix").unwrap_or("").to_string();
    let delimiter = ctx.query("delimiter").unwrap_or("").to_string();
    let token = ctx.query("continuation-token").filter(|t| !t.is_empty());
    let after = if v2 {
        match token {
            Some(t) => decode_token(t)?,
            None => ctx.query("start-after").unwrap_or("").to_string(),
        }
    } else {
        ctx.query("marker").unwrap_or("").to_string()
    };
    let q = ListQuery {
        prefix: prefix.clone(),
        delimiter: delimiter.clone(),
        after,
        max_keys,
    };
    let page = state
        .store
        .list_objects(ctx.bucket(), &q)
        .map_err(|e| ctx.store_err(e))?;
    let fetch_owner = !v2 || ctx.query("fetch-owner") == Some("true");

    let mut x = Xml::new();
    x.open("ListBucketResult");
    x.elem("Name", ctx.bucket()).elem("Prefix", &enc(&prefix));
    if v2 {
        if let Some(sa) = ctx.query("start-after") {
            x.elem("StartAfter", &enc(sa));
        }
        if let Some(t) = token {
            x.elem("ContinuationToken", t);
        }
    } else {
        x.elem("Marker", &enc(ctx.query("marker").unwrap_or("")));
    }
    x.elem("MaxKeys", &max_keys.to_string())
        .elem("Delimiter", &enc(&delimiter));
    if url {
        x.elem("EncodingType", "url");
    }
    // max-keys=0 returns nothing and so can give no marker to go on from: "true" there sent paging
    // clients (oss2's ObjectIterator) round the same empty page for ever.
    let truncated = page.truncated && max_keys > 0;
    x.elem("IsTruncated", if truncated { "true" } else { "false" });
    if truncated {
        if v2 {
            x.elem(
                "NextContinuationToken",
                &b64().encode(page.next_marker.as_bytes()),
            );
        } else {
            x.elem("NextMarker", &enc(&page.next_marker));
        }
    }
    if v2 {
        x.elem(
            "KeyCount",
            &(page.objects.len() + page.common_prefixes.len()).to_string(),
        );
    }
    for o in &page.objects {
        x.open("Contents");
        x.elem("Key", &enc(&o.key));
        x.elem("LastModified", &date::iso8601(o.last_modified));
        x.elem("ETag", &format!("\"{}\"", o.etag));
        x.elem("Type", o.object_type.as_str());
        x.elem("Size", &o.size.to_string());
        x.elem("StorageClass", o.class());
        if fetch_owner {
            x.open("Owner")
                .elem("ID", OWNER_ID)
                .elem("DisplayName", OWNER_ID)
                .close("Owner");
        }
        x.close("Contents");
    }
    for p in &page.common_prefixes {
        x.open("CommonPrefixes")
            .elem("Prefix", &enc(p))
            .close("CommonPrefixes");
    }
    x.close("ListBucketResult");
    xml_ok(x.finish())
}

/// `GET /?live`: live channels (RTMP ingest) are not part of this server; the listing is empty but
/// well-formed, because oss2's test harness walks it on every teardown.
pub fn list_live_channels(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let mut x = Xml::new();
    x.open("ListLiveChannelResult");
    x.elem("Prefix", ctx.query("prefix").unwrap_or(""));
    x.elem("Marker", ctx.query("marker").unwrap_or(""));
    x.elem("MaxKeys", ctx.query("max-keys").unwrap_or("100"));
    x.elem("IsTruncated", "false");
    x.elem("NextMarker", "");
    x.close("ListLiveChannelResult");
    xml_ok(x.finish())
}
