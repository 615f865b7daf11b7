//! `cyanotype serve`'s connection handling, on the real binary: a client that does not finish a
//! request head in `header_timeout_seconds` is disconnected, on a new connection and on a
//! kept-alive one, while whole requests are answered.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(header_timeout_seconds: u64) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cyanotype.toml");
    std::fs::write(
        &config,
        format!("header_timeout_seconds = {header_timeout_seconds}\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cyanotype"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("cyanotype listening on http://") {
            let addr = rest.split_whitespace().next().unwrap().to_string();
            return Server {
                child,
                addr,
                _dir: dir,
            };
        }
    }
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
