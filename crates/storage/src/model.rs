//! What is stored: buckets with their settings, objects with their metadata, multipart uploads.
//! All serialised as JSON beside the data.

use serde::{Deserialize, Serialize};

/// An ACL. Buckets use the last three; objects also use `Default` (inherit the bucket's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Acl {
    #[default]
    #[serde(rename = "default")]
    Default,
    #[serde(rename = "private")]
    Private,
    #[serde(rename = "public-read")]
    PublicRead,
    #[serde(rename = "public-read-write")]
    PublicReadWrite,
}

impl Acl {
    pub fn as_str(self) -> &'static str {
        match self {
            Acl::Default => "default",
            Acl::Private => "private",
            Acl::PublicRead => "public-read",
            Acl::PublicReadWrite => "public-read-write",
        }
    }

    pub fn parse(text: &str) -> Option<Acl> {
        Some(match text {
            "default" => Acl::Default,
            "private" => Acl::Private,
            "public-read" => Acl::PublicRead,
            "public-read-write" => Acl::PublicReadWrite,
            _ => return None,
        })
    }

    /// The ACL that decides for an object: its own, or the bucket's when it is `default`.
    pub fn effective(object: Acl, bucket: Acl) -> Acl {
        if object == Acl::Default {
            bucket
        } else {
            object
        }
    }

    pub fn allows_anonymous_read(self) -> bool {
        matches!(self, Acl::PublicRead | Acl::PublicReadWrite)
    }

    pub fn allows_anonymous_write(self) -> bool {
        self == Acl::PublicReadWrite
    }
}

/// A named process string (OSS image style).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Style {
    pub name: String,
    pub content: String,
    pub category: String,
    pub created: i64,
    pub modified: i64,
}

/// A bucket's image settings (all off and empty by default). OSS keeps these in its console only;
/// here they have an API of ours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageSettings {
    /// Source-image protection: anonymous requests for protected objects may only use styles.
    pub source_protection: bool,
    /// Suffixes that protection covers (with the dot, e.g. `.jpg`).
    pub protected_suffixes: Vec<String>,
    /// Match suffixes regardless of case.
    pub suffix_case_insensitive: bool,
    /// Style separators enabled besides the defaults (`@!`, `!`): any of `-`, `_`, `/`.
    pub separators: Vec<char>,
}

impl ImageSettings {
    /// True when protection is on and `key` ends with a protected suffix.
    pub fn protects(&self, key: &str) -> bool {
        self.source_protection
            && self.protected_suffixes.iter().any(|s| {
                if self.suffix_case_insensitive {
                    key.to_lowercase().ends_with(&s.to_lowercase())
                } else {
                    key.ends_with(s.as_str())
                }
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    pub created: i64,
    pub acl: Acl,
    pub storage_class: String,
    pub data_redundancy: String,
    /// In creation order, as ListStyle returns them.
    pub styles: Vec<Style>,
    #[serde(default)]
    pub image: ImageSettings,
}

impl Bucket {
    pub fn new(name: &str, created: i64, acl: Acl) -> Bucket {
        Bucket {
            name: name.to_string(),
            created,
            acl,
            storage_class: "Standard".into(),
            data_redundancy: "LRS".into(),
            styles: Vec::new(),
            image: ImageSettings::default(),
        }
    }

    pub fn style(&self, name: &str) -> Option<&Style> {
        self.styles.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ObjectType {
    #[default]
    Normal,
    Multipart,
    /// A link to another key of its bucket (PutSymlink); its body is empty.
    Symlink,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Normal => "Normal",
            ObjectType::Multipart => "Multipart",
            ObjectType::Symlink => "Symlink",
        }
    }
}

/// An object's metadata. `etag` is the upper-case hex without quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub crc64: u64,
    /// base64 MD5 of the bytes; empty for multipart objects (OSS sends no Content-MD5 for them).
    pub content_md5: String,
    pub last_modified: i64,
    pub content_type: String,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub expires: Option<String>,
    /// `x-oss-meta-*` names (lower case, without the prefix) and values, sorted by name.
    pub user_meta: Vec<(String, String)>,
    /// The stored headers (lower-case names: `x-oss-meta-name`, `content-disposition`, ...) whose
    /// values came as bytes that are not UTF-8 (Python's and Node's HTTP clients send ISO-8859-1),
    /// kept as those characters and sent back as the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latin1_headers: Vec<String>,
    pub acl: Acl,
    pub object_type: ObjectType,
    /// `Standard`, `IA`, `Archive`, `ColdArchive` or `DeepColdArchive`; use [`ObjectMeta::class`]
    /// (metadata written before classes were kept has none: Standard).
    #[serde(default)]
    pub storage_class: String,
    /// The last RestoreObject of an object of a cold class.
    #[serde(default)]
    pub restore: Option<Restore>,
    /// The key a Symlink object points to.
    #[serde(default)]
    pub symlink_target: Option<String>,
    /// Object tags (PutObjectTagging, `x-oss-tagging`), keys unique, in the order given.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// The file holding the bytes (backend-private). A blob names one version of the bytes, which
    /// never changes: every write of bytes (put, copy, multipart) makes a new one, unique across the
    /// store; a change of metadata only keeps it. The API's source cache relies on it.
    #[serde(default)]
    pub blob: String,
}

impl ObjectMeta {
    pub fn class(&self) -> &str {
        if self.storage_class.is_empty() {
            "Standard"
        } else {
            &self.storage_class
        }
    }
}

/// A restore of a cold object: readable from `ready` until `expiry` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    pub ready: i64,
    pub expiry: i64,
}

/// An unfinished multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub upload_id: String,
    pub initiated: i64,
    /// The metadata the object will get (key, Content-Type, user metadata, ACL).
    pub meta: ObjectMeta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub number: u32,
    /// Upper-case hex MD5 of the part, without quotes.
    pub etag: String,
    pub size: u64,
    pub crc64: u64,
    pub last_modified: i64,
}
