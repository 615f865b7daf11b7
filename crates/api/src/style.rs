//! Image styles (PutStyle, GetStyle, ListStyle, DeleteStyle, exactly as OSS), and the bucket image
//! settings, which OSS keeps in its console only, so their API is ours:
//!
//! ```text
//! PUT /?imageSettings   (GET to read)
//! <ImageSettings>
//!   <SourceImageProtection>true</SourceImageProtection>
//!   <ProtectedSuffixes><Suffix>.jpg</Suffix><Suffix>.png</Suffix></ProtectedSuffixes>
//!   <SuffixCaseInsensitive>true</SuffixCaseInsensitive>
//!   <StyleSeparators><Separator>-</Separator><Separator>_</Separator></StyleSeparators>
//! </ImageSettings>
//! ```

use axum::body::Body;
use axum::response::Response;

use cyanotype_auth::date;
use cyanotype_storage::{ImageSettings, StoreError, Style, MAX_STYLES};

use crate::access::owner_only;
use crate::body::read_small;
use crate::bucket::load;
use crate::error::{ApiError, Kind};
use crate::response::Resp;
use crate::xml::{self, Xml};
use crate::{xml_ok, Ctx, Shared};

/// OSS style names: 1-63 characters of letters, digits, `_`, `-` and `.`.
pub fn valid_style_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

fn style_name(ctx: &Ctx) -> Result<String, ApiError> {
    let name = ctx.query("styleName").unwrap_or("");
    if !valid_style_name(name) {
        return Err(ApiError::invalid_argument(format!(
            "The style name: {name} is invalid: use 1-63 letters, digits, '_', '-' or '.'."
        )));
    }
    Ok(name.to_string())
}

fn write_style(x: &mut Xml, s: &Style) {
    x.open("Style")
        .elem("Name", &s.name)
        .elem("Content", &s.content)
        .elem("Category", &s.category)
        .elem("CreateTime", &date::rfc1123(s.created))
        .elem("LastModifyTime", &date::rfc1123(s.modified))
        .close("Style");
}

pub async fn put_style(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let name = style_name(ctx)?;
    let body = read_small(body, state).await?;
    let p = xml::parse(&body).ok_or_else(ApiError::malformed_xml)?;
    let content = p.first("Style/Content").unwrap_or("").trim().to_string();
    if content.is_empty() {
        return Err(ApiError::invalid_argument("Style content is invalid."));
    }
    let category = ctx.query("category").unwrap_or("image").to_string();
    let now = ctx.now;
    state
        .store
        .update_bucket(ctx.bucket(), &mut |b| {
            if let Some(s) = b.styles.iter_mut().find(|s| s.name == name) {
                s.content = content.clone();
                s.category = category.clone();
                s.modified = now;
                return Ok(());
            }
            if b.styles.len() >= MAX_STYLES {
                return Err(StoreError::TooManyStyles);
            }
            b.styles.push(Style {
                name: name.clone(),
                content: content.clone(),
                category: category.clone(),
                created: now,
                modified: now,
            });
            Ok(())
        })
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200).empty())
}

pub fn no_such_style(name: &str) -> ApiError {
    ApiError::new(Kind::NoSuchStyle, "The specified style does not exist.").with("StyleName", name)
}

pub fn get_style(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let b = load(state, ctx)?;
    let name = ctx.query("styleName").unwrap_or("");
    let s = b.style(name).ok_or_else(|| no_such_style(name))?;
    let mut x = Xml::new();
    write_style(&mut x, s);
    xml_ok(x.finish())
}

pub fn list_style(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let b = load(state, ctx)?;
    let mut x = Xml::new();
    x.open("StyleList");
    for s in &b.styles {
        write_style(&mut x, s);
    }
    x.close("StyleList");
    xml_ok(x.finish())
}

pub fn delete_style(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let name = ctx.query("styleName").unwrap_or("").to_string();
    // OSS: deleting a style that does not exist succeeds too.
    state
        .store
        .update_bucket(ctx.bucket(), &mut |b| {
            b.styles.retain(|s| s.name != name);
            Ok(())
        })
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(204).empty())
}

pub fn settings_xml(s: &ImageSettings) -> String {
    let mut x = Xml::new();
    x.open("ImageSettings");
    x.elem(
        "SourceImageProtection",
        if s.source_protection { "true" } else { "false" },
    );
    x.open("ProtectedSuffixes");
    for suffix in &s.protected_suffixes {
        x.elem("Suffix", suffix);
    }
    x.close("ProtectedSuffixes");
    x.elem(
        "SuffixCaseInsensitive",
        if s.suffix_case_insensitive {
            "true"
        } else {
            "false"
        },
    );
    x.open("StyleSeparators");
    for sep in &s.separators {
        x.elem("Separator", &sep.to_string());
    }
    x.close("StyleSeparators");
    x.close("ImageSettings");
    x.finish()
}

pub fn get_image_settings(state: &Shared, ctx: &Ctx) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    let b = load(state, ctx)?;
    xml_ok(settings_xml(&b.image))
}

/// Separators that may be enabled besides the always-on `@!` and `!` (OSS's console offers these).
const OPTIONAL_SEPARATORS: [char; 3] = ['-', '_', '/'];

pub fn parse_settings(body: &[u8]) -> Result<ImageSettings, ApiError> {
    let p = xml::parse(body).ok_or_else(ApiError::malformed_xml)?;
    let flag = |path: &str| -> Result<bool, ApiError> {
        match p.first(path).map(str::trim) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(v) => Err(ApiError::invalid_argument(format!(
                "The value: {v} of {path} is invalid; use true or false."
            ))),
        }
    };
    let mut separators = Vec::new();
    for s in p.all("ImageSettings/StyleSeparators/Separator") {
        let c = s.trim();
        match c.chars().next() {
            Some(ch) if c.len() == 1 && OPTIONAL_SEPARATORS.contains(&ch) => {
                if !separators.contains(&ch) {
                    separators.push(ch)
                }
            }
            Some('!') if c.len() == 1 => {} // always on
            _ => {
                return Err(ApiError::invalid_argument(format!(
                    "The value: {c} of Separator is invalid; use -, _, / or !."
                )))
            }
        }
    }
    let mut suffixes = Vec::new();
    for s in p.all("ImageSettings/ProtectedSuffixes/Suffix") {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 {
            return Err(ApiError::invalid_argument(format!(
                "The value: {s} of Suffix is invalid."
            )));
        }
        suffixes.push(s.to_string());
    }
    Ok(ImageSettings {
        source_protection: flag("ImageSettings/SourceImageProtection")?,
        protected_suffixes: suffixes,
        suffix_case_insensitive: flag("ImageSettings/SuffixCaseInsensitive")?,
        separators,
    })
}

pub async fn put_image_settings(
    state: &Shared,
    ctx: &Ctx,
    body: Body,
) -> Result<Response, ApiError> {
    owner_only(ctx)?;
    load(state, ctx)?;
    let settings = parse_settings(&read_small(body, state).await?)?;
    state
        .store
        .update_bucket(ctx.bucket(), &mut |b| {
            b.image = settings.clone();
            Ok(())
        })
        .map_err(|e| ctx.store_err(e))?;
    Ok(Resp::new(200).empty())
}
