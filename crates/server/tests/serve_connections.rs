//! `cyanotype serve`'s connection handling, on the real binary: a client that does not finish a
//! request head in `header_timeout_seconds` is disconnected, on a new connection and on a
//! kept-alive one, while whole requests are answered; a client that leaves while its image is
//! processed frees the worker.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

/// The server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(header_timeout_seconds: u64) -> Server {
    start_with(
        &format!("header_timeout_seconds = {header_timeout_seconds}\n"),
        |_| {},
    )
}

/// The server on `config`, its data directory first given to `prepare`; its stderr goes to
/// `stderr.log` in the server's directory.
fn start_with(config: &str, prepare: impl FnOnce(&std::path::Path)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("cyanotype.toml");
    std::fs::write(&config_path, config).unwrap();
    let data = dir.path().join("data");
    prepare(&data);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cyanotype"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config_path)
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("cyanotype listening on http://") {
            let addr = rest.split_whitespace().next().unwrap().to_string();
            return Server { child, addr, dir };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server exited before it listened");
}

/// Reads until the server closes the connection; how long that took, and what came.
fn until_closed(s: &mut TcpStream) -> (Duration, Vec<u8>) {
    // Far longer than the 1 s limit: a server that never closes fails the test, it does not hang.
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the connection stayed open ({e}) after {:?}",
                start.elapsed()
            ),
        }
    }
    (start.elapsed(), got)
}

const WHOLE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[test]
fn a_client_that_does_not_finish_its_request_head_is_disconnected() {
    let server = start(1);
    // Part of a head, then silence.
    let mut partial = TcpStream::connect(&server.addr).unwrap();
    partial.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let (waited, _) = until_closed(&mut partial);
    assert!(waited < Duration::from_secs(10), "closed after {waited:?}");

    // A whole request is answered (an anonymous ListBuckets: OSS's AccessDenied XML), and the
    // kept-alive connection is closed once it stays silent.
    let mut kept = TcpStream::connect(&server.addr).unwrap();
    kept.write_all(WHOLE).unwrap();
    let (waited, answer) = until_closed(&mut kept);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(answer.contains("<Code>"), "{answer}");
    assert!(waited < Duration::from_secs(10), "closed after {waited:?}");
}

#[test]
fn without_the_limit_a_silent_connection_stays_open() {
    let server = start(0);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut buf = [0u8; 16];
    let e = s.read(&mut buf).expect_err("the server closed or answered");
    assert!(
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{e}"
    );
    // The head, finished late, is answered.
    s.write_all(b"Host: localhost\r\n\r\n").unwrap();
    let n = s.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 "));
}

/// One image worker, busy with a chain of 31 heavy blurs on a 12 MP photo (seconds of work) whose
/// client hangs up: the worker stops at its next blur, says so in the log, and serves the next
/// request. Without the stop no such line comes and the test fails after 60 s.
#[test]
fn a_client_that_leaves_frees_its_image_worker() {
    let server = start_with("workers = 1\n", with_photos);
    let heavy = heavy_request(&server);
    std::thread::sleep(Duration::from_millis(300));
    drop(heavy);

    let line = until_logged(&server, "client left");
    // Stopped between two blurs, as it almost always is; or, on a machine slow enough that the
    // request had not reached the worker in 300 ms, skipped or stopped before its decode.
    assert!(
        [
            "stopped before the action blur",
            "was skipped",
            "before decoding the image"
        ]
        .iter()
        .any(|s| line.contains(s)),
        "{line}"
    );

    answered_ok(&server, "/pub/photo.jpg?x-oss-process=image/resize,w_100");
}

/// A public bucket `pub` with the 12 MP `photo.jpg` and the OSS guide's 400x267 `small.jpg`.
fn with_photos(data: &std::path::Path) {
    use cyanotype_storage::{Acl, Bucket, LocalStore, ObjectMeta, Store};
    let store = LocalStore::open(data).unwrap();
    store
        .create_bucket(Bucket::new("pub", 0, Acl::PublicRead))
        .unwrap();
    let files = [
        ("photo.jpg", "extreme/gen_large_4000x3000.jpg"),
        ("small.jpg", "oss/example.jpg"),
    ];
    for (key, file) in files {
        let bytes = std::fs::read(common::testdata().join(file)).unwrap();
        let body = store.staging().from_bytes(&bytes).unwrap();
        let meta = ObjectMeta {
            key: key.into(),
            content_type: "image/jpeg".into(),
            ..Default::default()
        };
        store.put_object("pub", meta, body, false).unwrap();
    }
}

/// Sends 31 heavy blurs of the 12 MP photo (seconds of work), without reading the answer.
fn heavy_request(server: &Server) -> TcpStream {
    let chain = vec!["blur,r_50,s_50"; 31].join("/");
    let mut heavy = TcpStream::connect(&server.addr).unwrap();
    write!(
        heavy,
        "GET /pub/photo.jpg?x-oss-process=image/{chain} HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    heavy
}

/// GETs `path` on a connection of its own and asserts a 200.
fn answered_ok(server: &Server, path: &str) {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let (_, answer) = until_closed(&mut s);
    assert!(
        answer.starts_with(b"HTTP/1.1 200 "),
        "{path}: {}",
        String::from_utf8_lossy(&answer[..answer.len().min(300)])
    );
}

/// The first line of the server's log that contains `what`, waiting up to 60 s for it.
fn until_logged(server: &Server, what: &str) -> String {
    let log = server.dir.path().join("stderr.log");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains(what)) {
            return l.to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {what:?} in the log: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Two workers and a memory budget of 160 MiB. The heavy chain reserves 144 MB (the photo decoded,
/// 96 MB, and a blur's second image, 48 MB); a resize of the photo (96 MB) then waits for memory on
/// the second worker, and its client hangs up. It must leave the queue at once: the small image
/// (under 1 MB, which fits beside the heavy chain, but was queued behind the resize) is then served
/// on the freed worker while the heavy chain still runs. Were the resize to keep its place, the
/// small image would wait for a worker until the heavy chain ended.
#[test]
fn a_client_that_leaves_while_its_image_waits_for_memory_frees_its_worker() {
    let server = start_with("workers = 2\nimage_memory_mb = 160\n", with_photos);
    let mut heavy = heavy_request(&server);
    std::thread::sleep(Duration::from_millis(300));
    let mut waiting = TcpStream::connect(&server.addr).unwrap();
    waiting
        .write_all(b"GET /pub/photo.jpg?x-oss-process=image/resize,w_100 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(waiting);
    let line = until_logged(&server, "client left");
    assert!(line.contains("before decoding the image"), "{line}");

    answered_ok(&server, "/pub/small.jpg?x-oss-process=image/resize,w_50");
    // The heavy chain has not answered yet: the small image did not wait for it.
    heavy.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1];
    let e = heavy
        .read(&mut buf)
        .expect_err("the heavy chain answered first");
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");
}
