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

/// Parses a body; `None` when it is not well-formed XML.
pub fn parse(body: &[u8]) -> Option<Parsed> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut parsed = Parsed::default();
    let mut text_buf = String::new();
    let mut seen_root = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                if stack.is_empty() && seen_root {
                    return None;
                }
                seen_root = true;
                stack.push(String::from_utf8(e.name().as_ref().to_vec()).ok()?);
                text_buf.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).ok()?;
                let path = if stack.is_empty() {
                    name
                } else {
                    format!("{}/{}", stack.join("/"), name)
                };
                parsed.items.push((path, String::new()));
            }
            Event::Text(t) => text_buf.push_str(&t.decode().ok()?),
            Event::GeneralRef(r) => {
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
            Event::CData(t) => text_buf.push_str(std::str::from_utf8(&t).ok()?),
            Event::End(_) => {
                parsed
                    .items
                    .push((stack.join("/"), std::mem::take(&mut text_buf)));
                stack.pop()?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() || !seen_root {
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
