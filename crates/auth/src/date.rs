//! The three date forms OSS speaks: RFC 1123 (`Date`, `x-oss-date` for V1, `Last-Modified`), ISO 8601
//! with milliseconds (XML bodies: `2012-02-24T08:42:32.000Z`) and the compact V4 form
//! (`20231216T162057Z`). Times are Unix seconds throughout.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `Thu, 17 Nov 2005 18:49:58 GMT`.
pub fn rfc1123(secs: i64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64))
}

/// Parses an HTTP date (RFC 1123, and the obsolete forms HTTP allows).
pub fn parse_rfc1123(text: &str) -> Option<i64> {
    let t = httpdate::parse_http_date(text.trim()).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
}

/// `2012-02-24T08:42:32.000Z`.
pub fn iso8601(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000Z")
}

/// `20231216T162057Z`.
pub fn v4_datetime(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Parses `20231216T162057Z`.
pub fn parse_v4_datetime(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s)
}

/// Parses ISO 8601 as the XML bodies and copy conditions carry it: `2012-02-24T08:42:32[.000]Z`.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let t = text.trim();
    let date: String = t.get(0..10)?.chars().filter(|c| *c != '-').collect();
    let time: String = t.get(11..19)?.chars().filter(|c| *c != ':').collect();
    if !t.ends_with('Z') || t.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    parse_v4_datetime(&format!("{date}T{time}Z"))
}

fn civil(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_round_trip() {
        let t = 1_702_743_657; // 2023-12-16T16:20:57Z
        assert_eq!(v4_datetime(t), "20231216T162057Z");
        assert_eq!(parse_v4_datetime("20231216T162057Z"), Some(t));
        assert_eq!(iso8601(t), "2023-12-16T16:20:57.000Z");
        assert_eq!(parse_iso8601("2023-12-16T16:20:57.000Z"), Some(t));
        assert_eq!(rfc1123(t), "Sat, 16 Dec 2023 16:20:57 GMT");
        assert_eq!(parse_rfc1123("Sat, 16 Dec 2023 16:20:57 GMT"), Some(t));
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_v4_datetime("2023121xT162057Z"), None);
    }
}
