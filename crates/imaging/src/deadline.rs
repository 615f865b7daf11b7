//! When one request's processing stops early: past its time limit (the server's
//! `process_timeout_seconds`), or once nobody waits for its result (the client left).
//!
//! The pixel limits bound each action, but not a chain of them: 31 `blur,r_50,s_50` before a
//! `resize,w_100` on a legal 15000x15000 JPEG is a few hundred bytes of URL and three minutes of a
//! core. The clock starts when the image's memory is reserved (time spent waiting for other
//! images is not the request's own). Both are read before each action of each frame (a watermark
//! image's preprocessing included) and before encoding. A codec or a filter cannot be interrupted,
//! so a request stops at the first such point after its time ran out.
//!
//! The SDKs give up on a response after 20 s (alibabacloud-oss-v2's read timeout) to 60 s (oss2,
//! ali-oss), and alibabacloud-oss-v2 then retries: without the second signal a request it abandoned
//! would keep a worker busy while its retry waits behind it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cyanotype_process::{Code, Error, Format, Op, Result};

#[derive(Debug, Clone, Copy)]
pub struct Deadline<'a> {
    limit: Option<(Instant, Duration)>,
    abandoned: Option<&'a AtomicBool>,
}

/// Where the next check stands, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// The request's own chain of actions.
    Request,
    /// A watermark image's preprocessing (`watermark,image=...` with its own actions).
    WatermarkImage,
}

impl<'a> Deadline<'a> {
    /// A deadline `limit` from now (`None`: no limit), also reached once `abandoned` is set.
    pub fn start(limit: Option<Duration>, abandoned: Option<&'a AtomicBool>) -> Deadline<'a> {
        Deadline {
            limit: limit.map(|d| (Instant::now(), d)),
            abandoned,
        }
    }

    /// Before running `op`.
    pub fn before_action(&self, op: &Op, within: Within) -> Result<()> {
        self.check(|| {
            let text = op.to_string();
            let name = text.split(',').next().unwrap_or_default();
            match within {
                Within::Request => format!("the action {name}"),
                Within::WatermarkImage => format!("the watermark image's action {name}"),
            }
        })
    }

    /// Before encoding the result; `info` when it is encoded only to be described.
    pub fn before_encoding(&self, format: Format, info: bool) -> Result<()> {
        self.check(|| {
            if info {
                format!("describing the result (info, as {format})")
            } else {
                format!("encoding to {format}")
            }
        })
    }

    /// Before decoding, right after the wait for memory (which may be long): only whether the
    /// result is still wanted, the clock having just started.
    pub fn before_decoding(&self) -> Result<()> {
        self.check_wanted(|| "decoding the image".into())
    }

    /// Fails with `ServiceUnavailable` once the time is up or the result is no longer wanted;
    /// `next` names what would have run next.
    fn check(&self, next: impl FnOnce() -> String) -> Result<()> {
        let Some((start, limit)) = self.limit else {
            return self.check_wanted(next);
        };
        let spent = start.elapsed();
        if spent < limit {
            return self.check_wanted(next);
        }
        Err(Error::new(
            Code::ServiceUnavailable,
            format!(
                "Processing the image took {:.1} s, more than the limit of {} s (process_timeout_seconds); it was stopped before {}.",
                spent.as_secs_f64(),
                fmt_limit(limit),
                next()
            ),
        ))
    }

    fn check_wanted(&self, next: impl FnOnce() -> String) -> Result<()> {
        if self.abandoned.is_some_and(|a| a.load(Ordering::Relaxed)) {
            return Err(Error::new(
                Code::ServiceUnavailable,
                format!(
                    "Processing was stopped before {}: the request was abandoned (its client left).",
                    next()
                ),
            ));
        }
        Ok(())
    }
}

/// Whole seconds as such, anything shorter (tests) in milliseconds' precision.
fn fmt_limit(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.3}", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blur() -> Op {
        cyanotype_process::parse_image_ops("blur,r_3,s_2")
            .unwrap()
            .remove(0)
    }

    #[test]
    fn no_limit_never_fails_and_a_spent_one_always_does() {
        assert!(Deadline::start(None, None)
            .before_action(&blur(), Within::Request)
            .is_ok());
        assert!(Deadline::start(Some(Duration::from_secs(3600)), None)
            .before_encoding(Format::Png, false)
            .is_ok());
        let e = Deadline::start(Some(Duration::ZERO), None)
            .before_action(&blur(), Within::Request)
            .unwrap_err();
        assert_eq!(e.code, Code::ServiceUnavailable);
        assert_eq!(e.code.http_status(), 503);
        assert!(
            e.message.contains("limit of 0 s (process_timeout_seconds)")
                && e.message.ends_with("stopped before the action blur."),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_abandoned_request_stops_at_its_next_step_whatever_its_limit() {
        let gone = AtomicBool::new(false);
        let d = Deadline::start(None, Some(&gone));
        assert!(d.before_action(&blur(), Within::WatermarkImage).is_ok());
        gone.store(true, Ordering::Relaxed);
        let e = d
            .before_action(&blur(), Within::WatermarkImage)
            .unwrap_err();
        assert_eq!(e.code, Code::ServiceUnavailable);
        assert_eq!(
            e.message,
            "Processing was stopped before the watermark image's action blur: the request was abandoned (its client left)."
        );
        let e = d.before_encoding(Format::Jpg, true).unwrap_err();
        assert!(
            e.message
                .contains("before describing the result (info, as jpg)"),
            "{}",
            e.message
        );
        let e = d.before_decoding().unwrap_err();
        assert!(
            e.message.contains("before decoding the image:"),
            "{}",
            e.message
        );
        // A spent time limit alone does not stop a decode: its clock has only just started.
        assert!(Deadline::start(Some(Duration::ZERO), None)
            .before_decoding()
            .is_ok());
    }
}
