//! XML in and out. Out: a tiny writer (OSS bodies are flat and small). In: the request bodies the SDKs
//! send (CreateBucketConfiguration, Delete, CompleteMultipartUpload, Style, ImageSettings), read with
//! quick-xml into a flat list of (path, text) pairs that each handler picks from.

use quick_xml::events::Event;
use quick_xml::Reader;

pub struct Xml {
    out: String,
    /// Control characters XML 1.0 cannot carry are written as `\xNN` text instead of character
    /// references (see `escape_into`).
    controls_as_text: bool,
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

impl Xml {
    pub fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            controls_as_text: false,
        }
    }

    /// For an error document, which every client must be able to parse to learn what went wrong:
    /// a control character in a Message or Key that echoes the request (`resize,w_%01`, a key
    /// with NUL) is written `\x01`, readable by a person, where a listing writes the character
    /// reference `&#1;` as OSS does, which strict parsers refuse (Python's ElementTree, oss2's:
    /// `tests/compat/test_oss2.py::test_bad_process_string`).
    pub fn for_error() -> Xml {
        Xml {
            controls_as_text: true,
            ..Xml::new()
        }
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        escape_into(&mut self.out, text, self.controls_as_text);
        self.close(name)
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes text for XML. Control characters that XML 1.0 cannot carry are written as character
/// references, which is what OSS does too (clients that want them safe ask for `encoding-type=url`).
fn escape_into(out: &mut String, text: &str, controls_as_text: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                if controls_as_text {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push_str(&format!("&#{};", c as u32));
                }
            }
            c => out.push(c),
        }
    }
}

/// A parsed request body: every text node with the path of element names leading to it
/// (`Delete/Object/Key`), in document order, and the names of empty elements with empty text.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<(String, String)>,
}

impl Parsed {
    pub fn first(&self, path: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.items
            .iter()
            .filter(move |(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }
}

/// Deepest nesting a body may have: every document OSS defines is under six levels deep.
const MAX_DEPTH: usize = 16;
/// Longest path of element names (`Delete/Object/Key`): OSS's are under a hundred bytes.
const MAX_PATH: usize = 1024;

/// Parses a body; `None` when it is not well-formed XML, or nests deeper than [`MAX_DEPTH`], or
/// names a path longer than [`MAX_PATH`]. Those bounds keep the work linear in the body: each item
/// copies its path, so an unbounded path would make a small deep body cost its size squared.
pub fn parse(body: &[u8]) -> Option<Parsed> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    // The open elements as one path, and where each one's name starts in it.
    let mut path = String::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut parsed = Parsed::default();
    let mut text_buf = String::new();
    let mut seen_root = false;
    let push = |path: &mut String, starts: &mut Vec<usize>, name: &[u8]| -> Option<()> {
        let name = std::str::from_utf8(name).ok()?;
        if starts.len() >= MAX_DEPTH || path.len() + 1 + name.len() > MAX_PATH {
            return None;
        }
        starts.push(path.len());
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(name);
        Some(())
    };
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                if starts.is_empty() && seen_root {
                    return None;
                }
                seen_root = true;
                push(&mut path, &mut starts, e.name().as_ref())?;
                text_buf.clear();
            }
            Event::Empty(e) => {
                if starts.is_empty() && seen_root {
                    return None;
                }
                seen_root = true;
                push(&mut path, &mut starts, e.name().as_ref())?;
                parsed.items.push((path.clone(), String::new()));
                path.truncate(starts.pop()?);
            }
            Event::Text(t) => {
                let t = t.decode().ok()?;
                // Text outside the root element is not XML.
                if starts.is_empty() && !t.trim().is_empty() {
                    return None;
                }
                text_buf.push_str(&t);
            }
            Event::GeneralRef(r) => {
                if starts.is_empty() {
                    return None;
                }
                if let Some(c) = r.resolve_char_ref().ok()? {
                    text_buf.push(c);
                } else {
                    text_buf.push(match r.decode().ok()?.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return None,
                    });
                }
            }
            Event::CData(t) => {
                if starts.is_empty() {
                    return None;
                }
                text_buf.push_str(std::str::from_utf8(&t).ok()?)
            }
            Event::End(_) => {
                parsed
                    .items
                    .push((path.clone(), std::mem::take(&mut text_buf)));
                path.truncate(starts.pop()?);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !starts.is_empty() || !seen_root {
        return None;
    }
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_delete_body() {
        let p = parse(b"<?xml version=\"1.0\"?><Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object></Delete>").unwrap();
        assert_eq!(p.first("Delete/Quiet"), Some("true"));
        assert_eq!(p.all("Delete/Object/Key").collect::<Vec<_>>(), ["a&b", "c"]);
        assert!(parse(b"<Delete><Object></Delete>").is_none());
        assert!(parse(b"not xml").is_none());
        // One root, nothing but white space and declarations around it.
        assert!(parse(b"<A/><B/>").is_none());
        assert!(parse(b"<A></A>junk").is_none());
        assert!(parse(b"<?xml version='1.0'?>\n<A><B/></A>\n").is_some());
        assert_eq!(
            parse(b"<A><B/><C>x</C></A>").unwrap().items,
            [
                ("A/B".to_string(), String::new()),
                ("A/C".to_string(), "x".to_string()),
                ("A".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn deep_or_long_paths_are_refused() {
        let deep = |n: usize| "<a>".repeat(n) + &"</a>".repeat(n);
        assert!(parse(deep(16).as_bytes()).is_some());
        assert!(parse(deep(17).as_bytes()).is_none());
        // 290,000 levels (2 MB) once took the server's memory whole; now refused at the 17th.
        assert!(parse(deep(290_000).as_bytes()).is_none());
        let long = format!("<{0}></{0}>", "n".repeat(1025));
        assert!(parse(long.as_bytes()).is_none());
    }

    #[test]
    fn writer_escapes() {
        let mut x = Xml::new();
        x.elem("Key", "a<b>\u{1}");
        assert!(x.finish().ends_with("<Key>a&lt;b&gt;&#1;</Key>"));
        let mut x = Xml::for_error();
        x.elem("Message", "w_\u{1} \u{0}\t<");
        let doc = x.finish();
        assert!(
            doc.ends_with("<Message>w_\\x01 \\x00\t&lt;</Message>"),
            "{doc}"
        );
        // It reads back as the text written.
        let p = parse(doc.as_bytes()).expect("well-formed");
        assert_eq!(p.first("Message"), Some("w_\\x01 \\x00\t<"));
    }
}
