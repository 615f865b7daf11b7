//! Storage classes of objects and RestoreObject (`POST /<key>?restore`).
//!
//! Every byte here sits on the same disk, so a class changes no cost; it changes what OSS lets a
//! client do, and SDK code written against OSS depends on that: an object of a cold class (Archive,
//! ColdArchive, DeepColdArchive) cannot be read, processed or copied until a RestoreObject has
//! finished, and is readable only for the days the restore asked for. A restore takes
//! `ApiConfig::restore_seconds` (OSS: about a minute for Archive, hours for the colder classes), so
//! the poll on `x-oss-restore` that OSS code does works unchanged.

use axum::body::Body;
use axum::response::Response;

use cyanotype_auth::date;
use cyanotype_storage::{Bucket, ObjectMeta, Restore};

use crate::access::object_write;
use crate::body::read_small;
use crate::bucket::load_object;
use crate::error::{ApiError, Kind};
use crate::response::Resp;
use crate::xml;
use crate::{Ctx, Shared};

/// OSS's classes, as written on the wire.
pub const CLASSES: [&str; 5] = [
    "Standard",
    "IA",
    "Archive",
    "ColdArchive",
    "DeepColdArchive",
];

/// Classes whose objects must be restored before they are read.
pub fn is_cold(class: &str) -> bool {
    matches!(class, "Archive" | "ColdArchive" | "DeepColdArchive")
}

/// The class a write gives its object: `x-oss-storage-class`, else the bucket's.
pub fn from_header(ctx: &Ctx, bucket: &Bucket) -> Result<String, ApiError> {
    match ctx.header("x-oss-storage-class") {
        None => Ok(bucket.storage_class.clone()),
        Some("") => Err(ApiError::invalid_argument(
            "The value of header: x-oss-storage-class cannot be empty.",
        )
        .ec("0017-00000131")),
        Some(c) if CLASSES.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::invalid_argument(format!(
            "The value: {c} of header: x-oss-storage-class is invalid; it must be Standard, IA, Archive, ColdArchive or DeepColdArchive."
        ))
        .ec("0017-00000132")),
    }
}

/// Refuses to read the bytes of a cold object that is not restored (HEAD stays allowed, as OSS).
pub fn check_readable(meta: &ObjectMeta, now: i64) -> Result<(), ApiError> {
    if !is_cold(meta.class())
        || meta
            .restore
            .is_some_and(|r| r.ready <= now && now < r.expiry)
    {
        return Ok(());
    }
    Err(ApiError::new(
        Kind::InvalidObjectState,
        format!(
            "The operation is not valid for the object's state: the object is {} and must be restored (RestoreObject) first.",
            meta.class()
        ),
    )
    .ec("0016-00000404")
    .with("Key", meta.key.clone()))
}

/// `x-oss-restore` for GET and HEAD: absent until a restore was asked for, and after it expired.
pub fn restore_header(meta: &ObjectMeta, now: i64) -> Option<String> {
    let r = meta.restore?;
    if now < r.ready {
        Some("ongoing-request=\"true\"".into())
    } else if now < r.expiry {
        Some(format!(
            "ongoing-request=\"false\", expiry-date=\"{}\"",
            date::rfc1123(r.expiry)
        ))
    } else {
        None
    }
}

/// `<RestoreRequest><Days>n</Days>[<JobParameters><Tier>...</Tier></JobParameters>]</RestoreRequest>`,
/// optional: the days asked for (one by default), checked against the class by [`check_days`].
fn requested_days(body: &[u8]) -> Result<i64, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(1);
    }
    let p = xml::parse(body).ok_or_else(ApiError::malformed_xml)?;
    if let Some(tier) = p.first("RestoreRequest/JobParameters/Tier") {
        if !["Expedited", "Standard", "Bulk"].contains(&tier) {
            return Err(ApiError::invalid_argument(format!(
                "The value: {tier} of RestoreRequest/JobParameters/Tier is invalid; it must be Expedited, Standard or Bulk."
            ))
            .ec("0016-00000703"));
        }
    }
    let Some(days) = p.first("RestoreRequest/Days") else {
        return Ok(1);
    };
    match days.trim().parse::<i64>() {
        Ok(d) if (1..=365).contains(&d) => Ok(d),
        _ => Err(ApiError::invalid_argument(format!(
            "The value: {days} of RestoreRequest/Days is invalid; an object is restored for 1 to 365 days (Archive: 1 to 7)."
        ))
        .ec("0016-00000704")),
    }
}

/// Archive allows 1-7 days, the colder classes 1-365 (checked under the store's lock, against the
/// class the object has then).
fn check_days(days: i64, class: &str) -> Result<(), ApiError> {
    if class == "Archive" && days > 7 {
        return Err(ApiError::invalid_argument(format!(
            "The value: {days} of RestoreRequest/Days is invalid; an Archive object is restored for 1 to 7 days."
        ))
        .ec("0016-00000708"));
    }
    Ok(())
}

/// What a RestoreObject found and did.
enum Outcome {
    Started,
    InProgress,
    Extended,
    NotCold(String),
    Refused(ApiError),
}

pub async fn restore_object(state: &Shared, ctx: &Ctx, body: Body) -> Result<Response, ApiError> {
    let (bucket, existing) = load_object(state, ctx)?;
    object_write(ctx, &bucket, Some(&existing))?;
    let days = requested_days(&read_small(body, state).await?)?;
    let (now, delay) = (ctx.now, state.config.restore_seconds);
    let mut outcome = Outcome::Started;
    // Decided under the store's lock, so two restores at once start one.
    state
        .store
        .update_object(ctx.bucket(), ctx.key(), &mut |m| {
            outcome = if !is_cold(m.class()) {
                Outcome::NotCold(m.class().to_string())
            } else if let Err(e) = check_days(days, m.class()) {
                Outcome::Refused(e)
            } else {
                match m.restore {
                    Some(r) if now < r.ready => Outcome::InProgress,
                    Some(r) if now < r.expiry => {
                        m.restore = Some(Restore {
                            ready: r.ready,
                            expiry: now + days * 86_400,
                        });
                        Outcome::Extended
                    }
                    _ => {
                        let ready = now + delay;
                        m.restore = Some(Restore {
                            ready,
                            expiry: ready + days * 86_400,
                        });
                        Outcome::Started
                    }
                }
            };
        })
        .map_err(|e| ctx.store_err(e))?;
    match outcome {
        Outcome::Started => Ok(Resp::new(202).empty()),
        Outcome::Extended => Ok(Resp::new(200).empty()),
        Outcome::InProgress => Err(ApiError::new(
            Kind::RestoreAlreadyInProgress,
            "The restore operation is in progress.",
        )
        .ec("0016-00000701")),
        Outcome::Refused(e) => Err(e),
        Outcome::NotCold(class) => Err(ApiError::new(
            Kind::OperationNotSupported,
            format!("The operation is not supported for this resource: RestoreObject of a {class} object (only Archive, ColdArchive and DeepColdArchive objects are restored)."),
        )
        .ec("0016-00000702")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cold(restore: Option<Restore>) -> ObjectMeta {
        ObjectMeta {
            key: "k".into(),
            storage_class: "Archive".into(),
            restore,
            ..Default::default()
        }
    }

    #[test]
    fn a_cold_object_is_readable_only_while_restored() {
        let r = Some(Restore {
            ready: 100,
            expiry: 200,
        });
        assert!(check_readable(&ObjectMeta::default(), 0).is_ok());
        assert_eq!(
            check_readable(&cold(None), 0).unwrap_err().kind,
            Kind::InvalidObjectState
        );
        assert!(check_readable(&cold(r), 99).is_err());
        assert!(check_readable(&cold(r), 100).is_ok());
        assert!(check_readable(&cold(r), 200).is_err());
        assert_eq!(restore_header(&cold(None), 0), None);
        assert_eq!(
            restore_header(&cold(r), 50).as_deref(),
            Some("ongoing-request=\"true\"")
        );
        assert_eq!(
            restore_header(&cold(r), 150).as_deref(),
            Some("ongoing-request=\"false\", expiry-date=\"Thu, 01 Jan 1970 00:03:20 GMT\"")
        );
        assert_eq!(restore_header(&cold(r), 250), None);
    }

    #[test]
    fn restore_days() {
        assert_eq!(requested_days(b"").unwrap(), 1);
        let body = |d: &str| format!("<RestoreRequest><Days>{d}</Days></RestoreRequest>");
        assert_eq!(requested_days(body("7").as_bytes()).unwrap(), 7);
        assert!(check_days(7, "Archive").is_ok());
        assert!(check_days(8, "Archive").is_err());
        assert_eq!(requested_days(body("365").as_bytes()).unwrap(), 365);
        assert!(check_days(365, "ColdArchive").is_ok());
        assert!(requested_days(body("366").as_bytes()).is_err());
        assert!(requested_days(body("0").as_bytes()).is_err());
        assert!(requested_days(body("x").as_bytes()).is_err());
        let tier = b"<RestoreRequest><Days>2</Days><JobParameters><Tier>Fast</Tier></JobParameters></RestoreRequest>";
        assert!(requested_days(tier).is_err());
        assert_eq!(
            requested_days(b"<RestoreRequest>").unwrap_err().kind,
            Kind::MalformedXML
        );
    }
}
