//! The local filesystem store.
//!
//! ```text
//! <data>/tmp/                                   staging (emptied at start)
//! <data>/buckets/<bucket>/bucket.json           settings, styles
//! <data>/buckets/<bucket>/meta/<h2>/<h>.json    one object's metadata; h = sha256(key) in hex
//! <data>/buckets/<bucket>/blobs/<id>            the bytes, under a random id
//! <data>/buckets/<bucket>/uploads/<id>/         upload.json, part-<n>, part-<n>.json
//! ```
//!
//! Keys never become paths: a key of any bytes (`..`, `/`, control characters, 1023 bytes) is stored
//! under its hash, so nothing escapes the data directory. A write stages and fsyncs the bytes, renames
//! them to a fresh blob, then writes the metadata aside and renames it over the old one: the rename of
//! the metadata is the commit, so a crash leaves either the old object or the new one. Blobs nobody
//! references (a crash between the two renames) are removed at start.
//!
//! Metadata is also held in memory (a sorted map per bucket) for listing; each bucket has one commit
//! lock so the file on disk and the map change in the same order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use md5::{Digest, Md5};
use sha2::Sha256;

use crate::list::{list, ListPage, ListQuery};
use crate::{
    Bucket, ObjectMeta, ObjectType, Part, Result, Staged, Staging, Store, StoreError, Upload,
    MIN_PART_SIZE,
};

pub(crate) fn random_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source works");
    hex::encode(b)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `data` to `path` atomically and durably.
fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().expect("paths here have a parent");
    let tmp = dir.join(format!(".tmp-{}", random_id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fsync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

struct BucketState {
    dir: PathBuf,
    info: RwLock<Bucket>,
    objects: RwLock<BTreeMap<String, ObjectMeta>>,
    /// Serialises commits so disk and memory change in the same order.
    commit: Mutex<()>,
}

impl BucketState {
    fn meta_path(&self, key: &str) -> PathBuf {
        let h = key_hash(key);
        self.dir
            .join("meta")
            .join(&h[..2])
            .join(format!("{h}.json"))
    }

    fn blob_path(&self, blob: &str) -> PathBuf {
        self.dir.join("blobs").join(blob)
    }

    fn upload_dir(&self, upload_id: &str) -> Result<PathBuf> {
        // Upload ids are ours (hex); anything else cannot name an upload.
        if upload_id.is_empty() || !upload_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NoSuchUpload);
        }
        let dir = self.dir.join("uploads").join(upload_id);
        if !dir.join("upload.json").exists() {
            return Err(StoreError::NoSuchUpload);
        }
        Ok(dir)
    }

    fn save_info(&self, info: &Bucket) -> Result<()> {
        let json = serde_json::to_vec_pretty(info).map_err(|e| StoreError::Io(e.to_string()))?;
        write_atomic(&self.dir.join("bucket.json"), &json)?;
        Ok(())
    }

    /// Makes `meta` (whose blob is already in place) the object at its key; removes the old blob.
    fn commit_object(&self, meta: ObjectMeta, forbid_overwrite: bool) -> Result<ObjectMeta> {
        let _guard = self.commit.lock().unwrap_or_else(|p| p.into_inner());
        let old = self
            .objects
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&meta.key)
            .cloned();
        if forbid_overwrite && old.is_some() {
            let _ = fs::remove_file(self.blob_path(&meta.blob));
            return Err(StoreError::FileAlreadyExists);
        }
        let path = self.meta_path(&meta.key);
        fs::create_dir_all(path.parent().expect("has parent"))?;
        let json = serde_json::to_vec(&meta).map_err(|e| StoreError::Io(e.to_string()))?;
        if let Err(e) = write_atomic(&path, &json) {
            let _ = fs::remove_file(self.blob_path(&meta.blob));
            return Err(e.into());
        }
        self.objects
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(meta.key.clone(), meta.clone());
        if let Some(old) = old {
            if old.blob != meta.blob {
                let _ = fs::remove_file(self.blob_path(&old.blob));
            }
        }
        Ok(meta)
    }

    /// Moves a staged body to a new blob; returns the blob id.
    fn adopt(&self, body: Staged) -> Result<String> {
        let blob = random_id();
        let path = body.take_path();
        let result = fs::rename(&path, self.blob_path(&blob));
        if result.is_err() {
            let _ = fs::remove_file(&path);
        }
        result?;
        fsync_dir(&self.dir.join("blobs"))?;
        Ok(blob)
    }
}

/// Everything under one data directory.
pub struct LocalStore {
    root: PathBuf,
    buckets: RwLock<HashMap<String, Arc<BucketState>>>,
    /// Serialises bucket creation and deletion.
    bucket_lock: Mutex<()>,
}

impl LocalStore {
    /// Opens (or creates) a data directory: loads every bucket and object index, removes staging
    /// leftovers and blobs no metadata references.
    pub fn open(root: &Path) -> Result<LocalStore> {
        fs::create_dir_all(root.join("buckets"))?;
        let tmp = root.join("tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        let mut buckets = HashMap::new();
        for entry in fs::read_dir(root.join("buckets"))? {
            let dir = entry?.path();
            let Ok(json) = fs::read(dir.join("bucket.json")) else {
                continue;
            };
            let info: Bucket = serde_json::from_slice(&json)
                .map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
            let name = info.name.clone();
            buckets.insert(name, Arc::new(load_bucket(dir, info)?));
        }
        Ok(LocalStore {
            root: root.to_path_buf(),
            buckets: RwLock::new(buckets),
            bucket_lock: Mutex::new(()),
        })
    }

    fn state(&self, name: &str) -> Result<Arc<BucketState>> {
        self.buckets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
            .ok_or(StoreError::NoSuchBucket)
    }
}

fn load_bucket(dir: PathBuf, info: Bucket) -> Result<BucketState> {
    for sub in ["meta", "blobs", "uploads"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    let mut objects = BTreeMap::new();
    for shard in fs::read_dir(dir.join("meta"))? {
        let shard = shard?.path();
        if !shard.is_dir() {
            continue;
        }
        for f in fs::read_dir(&shard)? {
            let f = f?.path();
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with(".tmp-") {
                let _ = fs::remove_file(&f);
                continue;
            }
            let meta: ObjectMeta = serde_json::from_slice(&fs::read(&f)?)
                .map_err(|e| StoreError::Io(format!("{}: {e}", f.display())))?;
            objects.insert(meta.key.clone(), meta);
        }
    }
    let referenced: HashSet<&str> = objects.values().map(|m| m.blob.as_str()).collect();
    for b in fs::read_dir(dir.join("blobs"))? {
        let b = b?;
        if !referenced.contains(b.file_name().to_str().unwrap_or("")) {
            let _ = fs::remove_file(b.path());
        }
    }
    Ok(BucketState {
        dir,
        info: RwLock::new(info),
        objects: RwLock::new(objects),
        commit: Mutex::new(()),
    })
}

impl Store for LocalStore {
    fn staging(&self) -> Staging {
        Staging::new(&self.root.join("tmp"))
    }

    fn list_buckets(&self) -> Vec<Bucket> {
        let map = self.buckets.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<Bucket> = map
            .values()
            .map(|s| s.info.read().unwrap().clone())
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    fn create_bucket(&self, bucket: Bucket) -> Result<()> {
        let _g = self.bucket_lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.state(&bucket.name).is_ok() {
            return Err(StoreError::BucketAlreadyExists);
        }
        // The caller validated the name (lower-case letters, digits, '-'), so it is a safe directory.
        let dir = self.root.join("buckets").join(&bucket.name);
        fs::create_dir_all(&dir)?;
        let state = load_bucket(dir, bucket.clone())?;
        state.save_info(&bucket)?;
        fsync_dir(&self.root.join("buckets"))?;
        self.buckets
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bucket.name, Arc::new(state));
        Ok(())
    }

    fn bucket(&self, name: &str) -> Result<Bucket> {
        Ok(self
            .state(name)?
            .info
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone())
    }

    fn update_bucket(
        &self,
        name: &str,
        change: &mut dyn FnMut(&mut Bucket) -> Result<()>,
    ) -> Result<Bucket> {
        let s = self.state(name)?;
        let _g = s.commit.lock().unwrap_or_else(|p| p.into_inner());
        let mut info = s.info.read().unwrap_or_else(|p| p.into_inner()).clone();
        change(&mut info)?;
        s.save_info(&info)?;
        *s.info.write().unwrap_or_else(|p| p.into_inner()) = info.clone();
        Ok(info)
    }

    fn delete_bucket(&self, name: &str) -> Result<()> {
        let _g = self.bucket_lock.lock().unwrap_or_else(|p| p.into_inner());
        let s = self.state(name)?;
        {
            let _c = s.commit.lock().unwrap_or_else(|p| p.into_inner());
            let has_uploads = fs::read_dir(s.dir.join("uploads"))?.next().is_some();
            if !s
                .objects
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
                || has_uploads
            {
                return Err(StoreError::BucketNotEmpty);
            }
            // Remove bucket.json first: a crash part-way leaves a directory that is no longer a bucket.
            fs::remove_file(s.dir.join("bucket.json"))?;
            self.buckets
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .remove(name);
        }
        fs::remove_dir_all(&s.dir)?;
        Ok(())
    }

    fn put_object(
        &self,
        bucket: &str,
        mut meta: ObjectMeta,
        body: Staged,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta> {
        let s = self.state(bucket)?;
        if forbid_overwrite
            && s.objects
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(&meta.key)
        {
            return Err(StoreError::FileAlreadyExists);
        }
        meta.size = body.size;
        meta.crc64 = body.crc64;
        if meta.object_type == ObjectType::Normal {
            meta.etag = body.etag();
            meta.content_md5 = body.content_md5();
        }
        meta.last_modified = now();
        meta.blob = s.adopt(body)?;
        s.commit_object(meta, forbid_overwrite)
    }

    fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta> {
        let s = self.state(bucket)?;
        let objects = s.objects.read().unwrap_or_else(|p| p.into_inner());
        objects.get(key).cloned().ok_or(StoreError::NoSuchKey)
    }

    fn open_object(&self, bucket: &str, key: &str) -> Result<(ObjectMeta, File)> {
        let s = self.state(bucket)?;
        // Open under the read lock: a commit that replaces this object removes the old blob only
        // after taking the write lock, so the handle we open here stays valid.
        let objects = s.objects.read().unwrap_or_else(|p| p.into_inner());
        let meta = objects.get(key).cloned().ok_or(StoreError::NoSuchKey)?;
        let file = File::open(s.blob_path(&meta.blob))?;
        Ok((meta, file))
    }

    fn update_object(
        &self,
        bucket: &str,
        key: &str,
        change: &mut dyn FnMut(&mut ObjectMeta),
    ) -> Result<ObjectMeta> {
        let s = self.state(bucket)?;
        let _g = s.commit.lock().unwrap_or_else(|p| p.into_inner());
        let mut meta = s
            .objects
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
            .ok_or(StoreError::NoSuchKey)?;
        change(&mut meta);
        let json = serde_json::to_vec(&meta).map_err(|e| StoreError::Io(e.to_string()))?;
        write_atomic(&s.meta_path(key), &json)?;
        s.objects
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), meta.clone());
        Ok(meta)
    }

    fn delete_object(&self, bucket: &str, key: &str) -> Result<bool> {
        let s = self.state(bucket)?;
        let _g = s.commit.lock().unwrap_or_else(|p| p.into_inner());
        let Some(meta) = s
            .objects
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
        else {
            return Ok(false);
        };
        let path = s.meta_path(key);
        fs::remove_file(&path)?;
        fsync_dir(path.parent().expect("has parent"))?;
        s.objects
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        let _ = fs::remove_file(s.blob_path(&meta.blob));
        Ok(true)
    }

    fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<ListPage> {
        let s = self.state(bucket)?;
        let objects = s.objects.read().unwrap_or_else(|p| p.into_inner());
        Ok(list(&objects, query))
    }

    fn create_upload(&self, bucket: &str, meta: ObjectMeta) -> Result<Upload> {
        let s = self.state(bucket)?;
        let upload = Upload {
            upload_id: random_id().to_uppercase(),
            initiated: now(),
            meta,
        };
        let dir = s.dir.join("uploads").join(&upload.upload_id);
        fs::create_dir_all(&dir)?;
        let json = serde_json::to_vec(&upload).map_err(|e| StoreError::Io(e.to_string()))?;
        write_atomic(&dir.join("upload.json"), &json)?;
        Ok(upload)
    }

    fn upload(&self, bucket: &str, upload_id: &str) -> Result<Upload> {
        let s = self.state(bucket)?;
        let dir = s.upload_dir(upload_id)?;
        serde_json::from_slice(&fs::read(dir.join("upload.json"))?)
            .map_err(|e| StoreError::Io(e.to_string()))
    }

    fn put_part(&self, bucket: &str, upload_id: &str, number: u32, body: Staged) -> Result<Part> {
        let s = self.state(bucket)?;
        let dir = s.upload_dir(upload_id)?;
        let part = Part {
            number,
            etag: body.etag(),
            size: body.size,
            crc64: body.crc64,
            last_modified: now(),
        };
        let path = body.take_path();
        // Data first, then its description: a part without a .json is ignored and overwritten later.
        let renamed = fs::rename(&path, dir.join(format!("part-{number:05}")));
        if renamed.is_err() {
            let _ = fs::remove_file(&path);
        }
        renamed?;
        let json = serde_json::to_vec(&part).map_err(|e| StoreError::Io(e.to_string()))?;
        write_atomic(&dir.join(format!("part-{number:05}.json")), &json)?;
        Ok(part)
    }

    fn list_parts(&self, bucket: &str, upload_id: &str) -> Result<Vec<Part>> {
        let s = self.state(bucket)?;
        let dir = s.upload_dir(upload_id)?;
        let mut parts = Vec::new();
        for e in fs::read_dir(&dir)? {
            let p = e?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with("part-") && name.ends_with(".json") {
                let part: Part = serde_json::from_slice(&fs::read(&p)?)
                    .map_err(|e| StoreError::Io(e.to_string()))?;
                parts.push(part);
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    fn complete_upload(
        &self,
        bucket: &str,
        upload_id: &str,
        wanted: &[(u32, String)],
    ) -> Result<ObjectMeta> {
        let s = self.state(bucket)?;
        let upload = self.upload(bucket, upload_id)?;
        let dir = s.upload_dir(upload_id)?;
        let have = self.list_parts(bucket, upload_id)?;
        if wanted.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(StoreError::InvalidPartOrder);
        }
        // Every part is checked before any is copied.
        let mut parts = Vec::with_capacity(wanted.len());
        for (i, (number, etag)) in wanted.iter().enumerate() {
            let part = have
                .iter()
                .find(|p| p.number == *number)
                .ok_or(StoreError::InvalidPart)?;
            if !etag.trim_matches('"').eq_ignore_ascii_case(&part.etag) {
                return Err(StoreError::InvalidPart);
            }
            if i + 1 < wanted.len() && part.size < MIN_PART_SIZE {
                return Err(StoreError::EntityTooSmall);
            }
            parts.push(part);
        }
        let mut md5s = Md5::new();
        let mut staged = self.staging().create()?;
        let mut buf = vec![0u8; 1 << 20];
        for part in parts {
            let number = part.number;
            md5s.update(hex::decode(&part.etag).map_err(|e| StoreError::Io(e.to_string()))?);
            let mut f = File::open(dir.join(format!("part-{number:05}")))?;
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                staged.write(&buf[..n])?;
            }
        }
        let body = staged.finish()?;
        let mut meta = upload.meta.clone();
        meta.object_type = ObjectType::Multipart;
        // OSS's multipart ETag: MD5 of the parts' binary MD5s, then "-<count>".
        meta.etag = format!("{}-{}", hex::encode_upper(md5s.finalize()), wanted.len());
        meta.content_md5 = String::new();
        let meta = self.put_object(bucket, meta, body, false)?;
        let _ = fs::remove_dir_all(&dir);
        Ok(meta)
    }

    fn abort_upload(&self, bucket: &str, upload_id: &str) -> Result<()> {
        let s = self.state(bucket)?;
        let dir = s.upload_dir(upload_id)?;
        // Remove upload.json first so a half-removed upload is no longer listed.
        fs::remove_file(dir.join("upload.json"))?;
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    fn list_uploads(&self, bucket: &str) -> Result<Vec<Upload>> {
        let s = self.state(bucket)?;
        let mut out = Vec::new();
        for e in fs::read_dir(s.dir.join("uploads"))? {
            let p = e?.path().join("upload.json");
            if let Ok(data) = fs::read(&p) {
                if let Ok(u) = serde_json::from_slice::<Upload>(&data) {
                    out.push(u);
                }
            }
        }
        out.sort_by(|a, b| {
            (a.meta.key.as_str(), a.initiated, &a.upload_id).cmp(&(
                b.meta.key.as_str(),
                b.initiated,
                &b.upload_id,
            ))
        });
        Ok(out)
    }
}
