//! The local store's promises: keys of any shape stay inside the data directory, overwrites are
//! all-or-nothing, the index survives a restart, crash leftovers are cleaned, multipart joins parts.

use std::io::Read;

use cyanotype_storage::*;

fn put(store: &LocalStore, bucket: &str, key: &str, data: &[u8]) -> ObjectMeta {
    let body = store.staging().from_bytes(data).unwrap();
    let meta = ObjectMeta {
        key: key.into(),
        content_type: "application/octet-stream".into(),
        ..Default::default()
    };
    store.put_object(bucket, meta, body, false).unwrap()
}

fn read(store: &LocalStore, bucket: &str, key: &str) -> Vec<u8> {
    let (_, mut f) = store.open_object(bucket, key).unwrap();
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    v
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn hostile_keys_round_trip_inside_the_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let store = LocalStore::open(&data).unwrap();
    store
        .create_bucket(Bucket::new("b", 0, Acl::Private))
        .unwrap();
    let deep = "d/".repeat(500) + "x";
    let long = "é".repeat(511) + "z"; // 1023 bytes
    let keys = [
        "../../escape",
        "..",
        "a b%20c",
        "ctl\u{1}\u{7}key",
        "/abs",
        "\\win\\path",
        deep.as_str(),
        long.as_str(),
    ];
    for (i, k) in keys.iter().enumerate() {
        put(&store, "b", k, format!("v{i}").as_bytes());
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(read(&store, "b", k), format!("v{i}").as_bytes(), "{k:?}");
    }
    // Nothing was written outside <data>.
    let outside: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, vec![std::ffi::OsString::from("data")]);
    // Reopen: the index comes back from disk.
    drop(store);
    let store = LocalStore::open(&data).unwrap();
    let page = store
        .list_objects(
            "b",
            &ListQuery {
                max_keys: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.objects.len(), keys.len());
    assert_eq!(read(&store, "b", "../../escape"), b"v0");
}

#[test]
fn overwrite_replaces_and_frees_the_old_blob_and_crash_leftovers_go() {
    let root = tempfile::tempdir().unwrap();
    let store = LocalStore::open(root.path()).unwrap();
    store
        .create_bucket(Bucket::new("b", 0, Acl::Private))
        .unwrap();
    let a = put(&store, "b", "k", b"first");
    let (_, mut held) = store.open_object("b", "k").unwrap();
    let b = put(&store, "b", "k", b"second version");
    assert_ne!(a.etag, b.etag);
    assert_eq!(b.size, 14);
    let mut old = Vec::new();
    held.read_to_end(&mut old).unwrap();
    assert_eq!(
        old, b"first",
        "a reader that opened the old version still reads it whole"
    );
    assert_eq!(read(&store, "b", "k"), b"second version");
    let blobs = root.path().join("buckets/b/blobs");
    assert_eq!(files_under(&blobs).len(), 1, "the old blob is freed");

    // A crash after the blob rename but before the metadata commit leaves an orphan blob.
    std::fs::write(blobs.join("orphan"), b"half").unwrap();
    std::fs::write(root.path().join("tmp/in-x"), b"staging").unwrap();
    drop(store);
    let store = LocalStore::open(root.path()).unwrap();
    assert_eq!(files_under(&blobs).len(), 1);
    assert!(files_under(&root.path().join("tmp")).is_empty());
    assert_eq!(read(&store, "b", "k"), b"second version");
}

#[test]
fn forbid_overwrite_delete_and_bucket_rules() {
    let root = tempfile::tempdir().unwrap();
    let store = LocalStore::open(root.path()).unwrap();
    store
        .create_bucket(Bucket::new("b", 0, Acl::Private))
        .unwrap();
    assert_eq!(
        store.create_bucket(Bucket::new("b", 0, Acl::Private)),
        Err(StoreError::BucketAlreadyExists)
    );
    put(&store, "b", "k", b"1");
    let body = store.staging().from_bytes(b"2").unwrap();
    let meta = ObjectMeta {
        key: "k".into(),
        ..Default::default()
    };
    assert_eq!(
        store.put_object("b", meta, body, true),
        Err(StoreError::FileAlreadyExists)
    );
    assert_eq!(read(&store, "b", "k"), b"1");
    assert_eq!(store.delete_bucket("b"), Err(StoreError::BucketNotEmpty));
    assert!(store.delete_object("b", "k").unwrap());
    assert!(!store.delete_object("b", "k").unwrap());
    store.delete_bucket("b").unwrap();
    assert_eq!(store.bucket("b"), Err(StoreError::NoSuchBucket));
    assert!(LocalStore::open(root.path())
        .unwrap()
        .list_buckets()
        .is_empty());
}

#[test]
fn multipart_joins_parts_in_order() {
    let root = tempfile::tempdir().unwrap();
    let store = LocalStore::open(root.path()).unwrap();
    store
        .create_bucket(Bucket::new("b", 0, Acl::Private))
        .unwrap();
    let up = store
        .create_upload(
            "b",
            ObjectMeta {
                key: "big".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let p2 = store
        .put_part(
            "b",
            &up.upload_id,
            2,
            store.staging().from_bytes(b"world").unwrap(),
        )
        .unwrap();
    // OSS: every part but the last at least 100 KB.
    let small = store
        .put_part(
            "b",
            &up.upload_id,
            1,
            store.staging().from_bytes(b"hello ").unwrap(),
        )
        .unwrap();
    let too_small = store.complete_upload(
        "b",
        &up.upload_id,
        &[(1, small.etag.clone()), (2, p2.etag.clone())],
    );
    assert_eq!(too_small, Err(StoreError::EntityTooSmall));
    let first = [
        b"hello ".as_slice(),
        &vec![b'.'; MIN_PART_SIZE as usize - 6],
    ]
    .concat();
    let p1 = store
        .put_part(
            "b",
            &up.upload_id,
            1,
            store.staging().from_bytes(&first).unwrap(),
        )
        .unwrap();
    assert_eq!(store.list_parts("b", &up.upload_id).unwrap().len(), 2);
    assert_eq!(store.list_uploads("b").unwrap().len(), 1);
    let bad = store.complete_upload(
        "b",
        &up.upload_id,
        &[(2, p2.etag.clone()), (1, p1.etag.clone())],
    );
    assert_eq!(bad, Err(StoreError::InvalidPartOrder));
    let meta = store
        .complete_upload(
            "b",
            &up.upload_id,
            &[(1, format!("\"{}\"", p1.etag)), (2, p2.etag.clone())],
        )
        .unwrap();
    let whole = [first.as_slice(), b"world"].concat();
    assert_eq!(read(&store, "b", "big"), whole);
    assert!(meta.etag.ends_with("-2"));
    assert_eq!(meta.crc64, crc64(&whole));
    assert_eq!(
        store.upload("b", &up.upload_id),
        Err(StoreError::NoSuchUpload)
    );
    assert_eq!(store.upload("b", "../../x"), Err(StoreError::NoSuchUpload));
}
