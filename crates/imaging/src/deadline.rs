//! The time limit of one request's processing (the server's `process_timeout_seconds`).
//!
//! The pixel limits bound each action, but not a chain of them: 31 `blur,r_50,s_50` before a
//! `resize,w_100` on a legal 15000x15000 JPEG is a few hundred bytes of URL and two minutes of a
//! core. The clock starts when the image's memory is reserved (time spent waiting for other
//! images is not the request's own), and is read before each action of each frame and before
//! encoding. The codecs and the filters cannot be interrupted, so a request stops at the first such
//! point after its time ran out: at most one action (or the encode) late.

use std::time::{Duration, Instant};

use cyanotype_process::{Code, Error, Result};

#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    limit: Option<(Instant, Duration)>,
}

impl Deadline {
    /// A deadline `limit` from now; `None`: no limit.
    pub fn start(limit: Option<Duration>) -> Deadline {
        Deadline {
            limit: limit.map(|d| (Instant::now(), d)),
        }
    }

    /// Fails with `ServiceUnavailable` once the time is up; `next` names what would have run next
    /// ("the action blur", "encoding to jpg") for the message.
    pub fn check(&self, next: impl FnOnce() -> String) -> Result<()> {
        let Some((start, limit)) = self.limit else {
            return Ok(());
        };
        let spent = start.elapsed();
        if spent < limit {
            return Ok(());
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

    #[test]
    fn no_limit_never_fails_and_a_spent_one_always_does() {
        assert!(Deadline::start(None).check(|| unreachable!()).is_ok());
        assert!(Deadline::start(Some(Duration::from_secs(3600)))
            .check(|| unreachable!())
            .is_ok());
        let e = Deadline::start(Some(Duration::ZERO))
            .check(|| "the action blur".into())
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
}
