//! Object tags: PutObjectTagging, GetObjectTagging, DeleteObjectTagging (`?tagging`), the
//! `x-oss-tagging` header of the writes, `x-oss-tagging-directive` of CopyObject, and the
//! `x-oss-tagging-count` header of GET and HEAD.
//!
//! OSS's rules: at most 10 tags, keys unique and case-sensitive, a key of 1-128 characters and a
//! value of 0-256, made of letters, digits, spaces and `+ - = . _ : /`. A change of tags keeps the
//! object's bytes, ETag and Last-Modified.

use axum::body::Body;
use axum::response::Response;

use cyanotype_storage::ObjectMeta;

use crate::access::{object_read, object_write, ReadKind};
use crate::body::read_small;
use crate::bucket::load_object;
use crate::endpoint::strict_percent_decode;
use crate::error::ApiError;
use crate::response::Resp;
use crate::xml::{self, Xml};
use crate::{xml_ok, Ctx, Shared};

pub const MAX_TAGS: usize = 10;
pub const MAX_KEY_CHARS: usize = 128;
pub const MAX_VALUE_CHARS: usize = 256;

type Tags = Vec<(String, String)>;

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || " +-=._:/".contains(c)
}

/// Checks a whole tag set; the message names the tag at fault.
pub fn validate(tags: &[(String, String)]) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid_argument(format!(
            "Object tags cannot be greater than {MAX_TAGS}: {} were given.",
            tags.len()
        ))
        .ec("0010-00000218"));
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        if k.is_empty() || k.chars().count() > MAX_KEY_CHARS {
            return Err(ApiError::invalid_argument(format!(
                "The tag key: {k} is invalid; a key has 1 to {MAX_KEY_CHARS} characters."
            ))
            .ec("0010-00000209"));
        }
        if v.chars().count() > MAX_VALUE_CHARS {
            return Err(ApiError::invalid_argument(format!(
                "The value of tag: {k} is invalid; a value has at most {MAX_VALUE_CHARS} characters."
            ))
            .ec("0010-00000214"));
        }
        if let Some(c) = k.chars().chain(v.chars()).find(|c| !allowed(*c)) {
            return Err(ApiError::invalid_argument(format!(
                "The tag: {k}={v} is invalid: {c:?} is not allowed; use letters, digits, spaces and + - = . _ : /."
            ))
            .ec("0010-00000217"));
        }
        if tags[..i].iter().any(|(earlier, _)| earlier == k) {
            return Err(ApiError::invalid_argument(format!(
                "The tag key: {k} is given twice; tag keys must be unique."
            ))
            .ec("0010-00000217"));
        }
    }
    Ok(())
}

/// `x-oss-tagging: k1=v1&k2=v2` (URL-encoded; a key alone has an empty value). Absent: no tags.
pub fn from_header(ctx: &Ctx) -> Result<Tags, ApiError> {
    let Some(raw) = ctx.header("x-oss-tagging") else {
        return Ok(Vec::new());
    };
    let invalid = || {
        ApiError::invalid_argument(format!("The header 'x-oss-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates: {raw}"))
            .ec("0010-00000219")
    };
    let mut tags = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if v.contains('=') {
            return Err(invalid());
        }
        tags.push((
            decode(k).ok_or_else(invalid)?,
            decode(v).ok_or_else(invalid)?,
        ));
    }
    validate(&tags)?;
    Ok(tags)
}

/// A query component: `%XX` escapes, `+` a space (as form encoding; oss2 and ali-oss send `%2B`).
fn decode(component: &str) -> Option<String> {
    strict_percent_decode(&component.replace('+', " "))
}

/// The tags of a CopyObject's destination: the source's (`x-oss-tagging-directive` COPY, the
/// default) or the request's `x-oss-tagging` (REPLACE).
pub fn for_copy(ctx: &Ctx, source: &ObjectMeta) -> Result<Tags, ApiError> {
    match ctx.header("x-oss-tagging-directive") {
        None => Ok(source.tags.clone()),
        Some(d) if d.eq_ignore_ascii_case("copy") => Ok(source.tags.clone()),
        Some(d) if d.eq_ignore_ascii_case("replace") => from_header(ctx),
        Some(d) => Err(ApiError::invalid_argument(format!(
            "The value: {d} of header: x-oss-tagging-directive is invalid; it must be Copy or Replace."
        ))),
    }
}

/// `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>`, nothing else: a Tag without
/// a Key, a second Key or Value in a Tag, an element elsewhere or a missing TagSet is malformed (a
/// misplaced Tag must not clear the tags silently). A Tag without a Value has the empty value.
fn parse_body(body: &[u8]) -> Result<Tags, ApiError> {
    let p = xml::parse(body).ok_or_else(ApiError::malformed_xml)?;
    let mut tags = Vec::new();
    let (mut key, mut value) = (None, None);
    let mut tag_set = false;
    for (path, text) in &p.items {
        let slot = match path.as_str() {
            "Tagging/TagSet/Tag/Key" => &mut key,
            "Tagging/TagSet/Tag/Value" => &mut value,
            "Tagging/TagSet/Tag" => {
                let k = key.take().ok_or_else(ApiError::malformed_xml)?;
                tags.push((k, value.take().unwrap_or_default()));
                continue;
            }
            "Tagging/TagSet" => {
                tag_set = true;
                continue;
            }
            "Tagging" => continue,
            _ => return Err(ApiError::malformed_xml()),
        };
        if slot.replace(text.clone()).is_some() {
            return Err(ApiError::malformed_xml());
        }
    }
    if !tag_set {
        return Err(ApiError::malformed_xml());
    }
    validate(&tags)?;
    Ok(tags)
}

pub async fn put_tagging(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let (bucket, meta) = load_object(state, ctx)?;
    object_write(ctx, &bucket, Some(&meta))?;
    let tags = parse_body(&read_small(body, state).await?)?;
    state
        .store
        .update_object(ctx.bucket(), ctx.key(), &mut |m| m.tags = tags.clone())
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200).empty())
}

pub fn get_tagging(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let (bucket, meta) = load_object(state, ctx)?;
    object_read(ctx, &bucket, &meta, ReadKind::Direct)?;
    let mut x = Xml::new();
    // TagSet is always written: ali-oss reads `Tagging.TagSet` even when there are no tags.
    x.open("Tagging").open("TagSet");
    for (k, v) in &meta.tags {
        x.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    x.close("TagSet").close("Tagging");
    xml_ok(x.finish())
}

pub fn delete_tagging(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    let (bucket, meta) = load_object(state, ctx)?;
    object_write(ctx, &bucket, Some(&meta))?;
    state
        .store
        .update_object(ctx.bucket(), ctx.key(), &mut |m| m.tags.clear())
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(204).empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_limits_of_oss() {
        let long_key = "k".repeat(128);
        let long_value = "v".repeat(256);
        assert!(validate(&tags(&[
            (&long_key, &long_value),
            ("+-.:", "_/"),
            ("a", "")
        ]))
        .is_ok());
        assert!(validate(&tags(&[("\u{4e2d}\u{6587}", "test++/"), (" +/ ", "x")])).is_ok());
        for bad in [
            tags(&[(&"k".repeat(129), "v")]),
            tags(&[("k", &"v".repeat(257))]),
            tags(&[("", "v")]),
            tags(&[("a", "1"), ("a", "2")]),
            tags(&[("%@abc", "v")]),
            tags(&[("k", "%abc")]),
            tags(&[("a&b", "v")]),
            (0..11).map(|i| (format!("k{i}"), String::new())).collect(),
        ] {
            assert_eq!(
                validate(&bad).unwrap_err().kind,
                Kind::InvalidArgument,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bodies() {
        let b = b"<?xml version='1.0' encoding='utf-8'?>\n<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value /></Tag></TagSet></Tagging>";
        assert_eq!(parse_body(b).unwrap(), tags(&[("a", "1"), ("b", "")]));
        assert_eq!(
            parse_body(b"<Tagging><TagSet/></Tagging>").unwrap(),
            tags(&[])
        );
        assert_eq!(
            parse_body(b"<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>")
                .unwrap_err()
                .kind,
            Kind::MalformedXML
        );
        assert_eq!(
            parse_body(b"<Tagging>").unwrap_err().kind,
            Kind::MalformedXML
        );
        assert_eq!(
            parse_body(b"<Other/>").unwrap_err().kind,
            Kind::MalformedXML
        );
    }
}
