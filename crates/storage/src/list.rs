//! ListObjects semantics over a sorted key map: prefix, start after a marker, group by delimiter into
//! common prefixes, stop at max-keys with a marker to continue from.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::ObjectMeta;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub prefix: String,
    pub delimiter: String,
    /// List keys strictly after this one (v1 `marker`, v2 `start-after` or the continuation token).
    pub after: String,
    pub max_keys: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<ObjectMeta>,
    pub common_prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key or common prefix returned, to continue from when truncated.
    pub next_marker: String,
}

pub fn list(objects: &BTreeMap<String, ObjectMeta>, q: &ListQuery) -> ListPage {
    let mut page = ListPage::default();
    let start = if q.after.as_str() > q.prefix.as_str() {
        q.after.as_str()
    } else {
        q.prefix.as_str()
    };
    let mut count = 0usize;
    let mut last_prefix: Option<String> = None;
    for (key, meta) in objects.range::<str, _>((Bound::Included(start), Bound::Unbounded)) {
        if !key.starts_with(&q.prefix) {
            break;
        }
        if key.as_str() <= q.after.as_str() {
            continue;
        }
        let group = if q.delimiter.is_empty() {
            None
        } else {
            key[q.prefix.len()..]
                .find(&q.delimiter)
                .map(|i| key[..q.prefix.len() + i + q.delimiter.len()].to_string())
        };
        if let Some(p) = &group {
            // Keys under a prefix already returned (or under the marker itself) fold into it.
            if last_prefix.as_deref() == Some(p.as_str()) || p.as_str() <= q.after.as_str() {
                continue;
            }
        }
        if count == q.max_keys {
            page.truncated = true;
            break;
        }
        count += 1;
        match group {
            Some(p) => {
                page.next_marker = p.clone();
                page.common_prefixes.push(p.clone());
                last_prefix = Some(p);
            }
            None => {
                page.next_marker = key.clone();
                page.objects.push(meta.clone());
            }
        }
    }
    if !page.truncated {
        page.next_marker.clear();
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(keys: &[&str]) -> BTreeMap<String, ObjectMeta> {
        keys.iter()
            .map(|k| {
                (
                    k.to_string(),
                    ObjectMeta {
                        key: k.to_string(),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    fn keys(p: &ListPage) -> Vec<&str> {
        p.objects.iter().map(|o| o.key.as_str()).collect()
    }

    #[test]
    fn prefix_delimiter_and_paging() {
        let m = map(&[
            "a.jpg",
            "fun/a",
            "fun/movie/1",
            "fun/movie/2",
            "fun/test.jpg",
            "oss.jpg",
        ]);
        let q = ListQuery {
            prefix: "fun/".into(),
            delimiter: "/".into(),
            max_keys: 100,
            ..Default::default()
        };
        let p = list(&m, &q);
        assert_eq!(keys(&p), ["fun/a", "fun/test.jpg"]);
        assert_eq!(p.common_prefixes, ["fun/movie/"]);
        assert!(!p.truncated);

        // Page through everything with delimiter, two entries at a time.
        let mut q = ListQuery {
            delimiter: "/".into(),
            max_keys: 2,
            ..Default::default()
        };
        let mut seen = Vec::new();
        loop {
            let p = list(&m, &q);
            seen.extend(keys(&p).iter().map(|s| s.to_string()));
            seen.extend(p.common_prefixes.iter().cloned());
            if !p.truncated {
                break;
            }
            q.after = p.next_marker.clone();
        }
        assert_eq!(seen, ["a.jpg", "fun/", "oss.jpg"]);
    }

    #[test]
    fn zero_max_keys_and_marker() {
        let m = map(&["a", "b", "c"]);
        let p = list(
            &m,
            &ListQuery {
                max_keys: 0,
                ..Default::default()
            },
        );
        assert!(p.truncated && p.objects.is_empty());
        let p = list(
            &m,
            &ListQuery {
                after: "a".into(),
                max_keys: 1,
                ..Default::default()
            },
        );
        assert_eq!(keys(&p), ["b"]);
        assert_eq!(p.next_marker, "b");
        assert!(p.truncated);
    }
}
