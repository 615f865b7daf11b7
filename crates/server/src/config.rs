//! The server's configuration: defaults, then the TOML file (`--config`), then environment variables,
//! then flags. `cyanotype serve --print-config` shows the result (secrets masked).
//!
//! Every key, with its environment variable and default, is in `cyanotype.example.toml`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Env CYANOTYPE_LISTEN.
    pub listen: String,
    /// Where buckets, objects and the generated key pair live. Env CYANOTYPE_DATA_DIR.
    pub data_dir: PathBuf,
    /// Region that V4 signatures name and buckets report. Env CYANOTYPE_REGION.
    pub region: String,
    /// Host:port reported as ExtranetEndpoint/IntranetEndpoint; empty means the listen address.
    pub public_endpoint: String,
    /// Domains under which `<bucket>.<domain>` names a bucket (virtual-hosted addressing).
    pub domains: Vec<String>,
    /// Hosts mapped to one bucket each: `"img.example.com" = "photos"`.
    pub custom_domains: std::collections::BTreeMap<String, String>,
    /// Access key pairs; each has full access. CYANOTYPE_ACCESS_KEY_ID / _SECRET add one.
    pub keys: Vec<KeyPair>,
    /// Image workers; 0 means one per CPU core.
    pub workers: usize,
    /// Processing requests that may wait for a worker before the server answers 503.
    pub queue: usize,
    /// Threads for connections and requests (tokio's workers; images run on `workers`); 0 means half
    /// the CPU cores, at least one.
    pub async_threads: usize,
    /// Memory the images being processed may reserve together, MB (each reserves an estimate of
    /// its peak from its header; see cyanotype_imaging::memory); 0 means half the memory of the
    /// machine, or half the server's cgroup limit (v2 or v1) when that is less.
    pub image_memory_mb: u64,
    /// Memory for the bytes of recently processed sources, MB (crates/api/src/sources.rs); 0 keeps
    /// none. Sources over a quarter of it are not kept.
    pub source_cache_mb: u64,
    /// Seconds a connection may take to send a request's head, the first or the next on a kept-alive
    /// connection, before it is closed (an idle or trickling client would otherwise hold its socket
    /// for ever). 0 turns the limit off.
    pub header_timeout_seconds: u64,
    /// Seconds a request body may send nothing before the request fails with RequestTimeout (a
    /// stalled upload would otherwise hold its connection and staging file for ever). 0: no limit.
    pub body_timeout_seconds: u64,
    /// Seconds an image's processing may take (from the reservation of its memory) before it is
    /// stopped at its next action or its encode, with 503 ServiceUnavailable: the pixel limits bound
    /// each action, not a long chain of them. 0: no limit.
    pub process_timeout_seconds: u64,
    /// Seconds a RestoreObject of an Archive, ColdArchive or DeepColdArchive object takes before
    /// the object is readable (OSS: a minute to hours); 0: at once.
    pub restore_seconds: u64,
    /// Largest PutObject/UploadPart body, bytes (OSS: 5 GiB).
    pub max_object_size: u64,
    /// Most buckets (OSS: 100).
    pub max_buckets: usize,
    /// Allowed clock skew of signed requests, seconds (OSS: 900).
    pub max_skew_seconds: i64,
    /// Directories searched for the fonts of text watermarks (by file name, recursively). Env
    /// CYANOTYPE_FONT_DIRS (colon-separated). The embedded WenQuanYi Micro Hei stands in for any font
    /// not found.
    pub font_dirs: Vec<PathBuf>,
    /// Image processing limits (OSS's values by default).
    pub limits: cyanotype_imaging::Limits,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeyPair {
    pub id: String,
    pub secret: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("cyanotype-data"),
            region: "cn-hangzhou".into(),
            public_endpoint: String::new(),
            domains: vec!["localhost".into()],
            custom_domains: Default::default(),
            keys: Vec::new(),
            workers: 0,
            queue: 64,
            async_threads: 0,
            image_memory_mb: 0,
            source_cache_mb: 64,
            header_timeout_seconds: 30,
            body_timeout_seconds: 60,
            process_timeout_seconds: 30,
            restore_seconds: 1,
            max_object_size: 5 * 1024 * 1024 * 1024,
            max_buckets: 100,
            max_skew_seconds: 900,
            font_dirs: cyanotype_imaging::text::fonts::DEFAULT_DIRS
                .iter()
                .map(PathBuf::from)
                .collect(),
            limits: cyanotype_imaging::Limits::default(),
        }
    }
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let mut c = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("CYANOTYPE_FONT_DIRS") {
            c.font_dirs = std::env::split_paths(&v).collect();
        }
        if let Some(v) = env("CYANOTYPE_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("CYANOTYPE_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Some(v) = env("CYANOTYPE_REGION") {
            c.region = v;
        }
        match (
            env("CYANOTYPE_ACCESS_KEY_ID"),
            env("CYANOTYPE_ACCESS_KEY_SECRET"),
        ) {
            (Some(id), Some(secret)) => {
                c.keys.retain(|k| k.id != id);
                c.keys.insert(0, KeyPair { id, secret });
            }
            (None, None) => {}
            _ => {
                return Err(
                    "set both CYANOTYPE_ACCESS_KEY_ID and CYANOTYPE_ACCESS_KEY_SECRET, or neither"
                        .into(),
                )
            }
        }
        Ok(c)
    }

    /// The configuration as TOML with secrets masked.
    pub fn to_toml_masked(&self) -> String {
        let mut c = self.clone();
        for k in &mut c.keys {
            k.secret = "********".into();
        }
        toml::to_string_pretty(&c).unwrap_or_default()
    }
}

/// When no key is configured: the pair kept in `<data>/credentials.toml`, created on first start.
/// Returns the pair and whether it was just created.
pub fn generated_key(data_dir: &Path) -> std::io::Result<(KeyPair, bool)> {
    let path = data_dir.join("credentials.toml");
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(k) = toml::from_str::<KeyPair>(&text) {
            return Ok((k, false));
        }
    }
    let mut bytes = [0u8; 42];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let pick = |b: &[u8]| {
        b.iter()
            .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
            .collect::<String>()
    };
    let key = KeyPair {
        id: format!("LTAI{}", pick(&bytes[..12])),
        secret: pick(&bytes[12..]),
    };
    std::fs::create_dir_all(data_dir)?;
    let text = toml::to_string(&key).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = data_dir.join(".credentials.tmp");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok((key, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_matches_defaults() {
        let text = include_str!("../../../cyanotype.example.toml");
        let c: Config = toml::from_str(text).expect("the example config parses");
        let d = Config::default();
        assert_eq!(c.listen, d.listen);
        assert_eq!(c.limits, d.limits);
        assert_eq!(c.queue, d.queue);
        assert_eq!(c.async_threads, d.async_threads);
        assert_eq!(c.workers, d.workers);
        assert_eq!(c.image_memory_mb, d.image_memory_mb);
        assert_eq!(c.source_cache_mb, d.source_cache_mb);
        assert_eq!(c.max_object_size, d.max_object_size);
        assert_eq!(c.header_timeout_seconds, d.header_timeout_seconds);
        assert_eq!(c.body_timeout_seconds, d.body_timeout_seconds);
        assert_eq!(c.process_timeout_seconds, d.process_timeout_seconds);
        assert_eq!(c.restore_seconds, d.restore_seconds);
    }

    #[test]
    fn key_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let (a, created) = generated_key(dir.path()).unwrap();
        assert!(created);
        let (b, created) = generated_key(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(a, b);
        assert!(a.secret.len() >= 30);
    }
}
