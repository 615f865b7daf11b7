//! `cyanotype serve`: the OSS-compatible server on the local data directory.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args as ClapArgs;

use cyanotype_api::endpoint::Addressing;
use cyanotype_api::{app, sources::Sources, workers::Workers, ApiConfig, AppState};
use cyanotype_storage::LocalStore;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;

use crate::config::{generated_key, Config};

#[derive(ClapArgs)]
pub struct Args {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Data directory (default ./cyanotype-data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// TOML configuration file (see cyanotype.example.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the effective configuration (secrets masked) and exit.
    #[arg(long)]
    print_config: bool,
}

pub fn run(args: Args) -> ExitCode {
    let mut config = match Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cyanotype: config: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(d) = args.data_dir {
        config.data_dir = d;
    }
    if args.print_config {
        print!("{}", config.to_toml_masked());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(async_threads(config.async_threads))
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cyanotype: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cyanotype: {e}");
            ExitCode::from(2)
        }
    }
}

async fn serve(mut config: Config) -> Result<(), String> {
    if config.keys.is_empty() {
        let (key, created) = generated_key(&config.data_dir)
            .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
        let verb = if created { "created" } else { "loaded" };
        println!(
            "access key {verb} ({}/credentials.toml):",
            config.data_dir.display()
        );
        println!("  AccessKeyId:     {}", key.id);
        println!("  AccessKeySecret: {}", key.secret);
        config.keys.push(key);
    }
    let store = LocalStore::open(&config.data_dir)
        .map_err(|e| format!("{}: {e:?}", config.data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let workers = if config.workers == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        config.workers
    };
    let api = ApiConfig {
        keys: config
            .keys
            .iter()
            .map(|k| (k.id.clone(), k.secret.clone()))
            .collect(),
        region: config.region.clone(),
        addressing: Addressing {
            domains: config.domains.clone(),
            custom: config
                .custom_domains
                .iter()
                .map(|(h, b)| (h.clone(), b.clone()))
                .collect(),
        },
        public_endpoint: if config.public_endpoint.is_empty() {
            local.to_string()
        } else {
            config.public_endpoint.clone()
        },
        max_skew: config.max_skew_seconds,
        max_object_size: config.max_object_size,
        limits: config.limits.clone(),
        max_buckets: config.max_buckets,
        body_timeout: seconds(config.body_timeout_seconds),
        process_timeout: seconds(config.process_timeout_seconds),
        restore_seconds: i64::try_from(config.restore_seconds).unwrap_or(i64::MAX / 4),
    };
    let image_memory = match config.image_memory_mb {
        0 => cyanotype_imaging::memory::half_of_available().unwrap_or(0),
        mb => mb.saturating_mul(1024 * 1024),
    };
    cyanotype_imaging::memory::set_budget(image_memory);
    let fonts = cyanotype_imaging::Fonts::new(config.font_dirs.clone());
    for font in cyanotype_process::Font::ALL {
        // Say where each OSS font name comes from; the file is read on its first use.
        println!("font {}: {}", font.as_str(), fonts.describe(font));
    }
    let state = Arc::new(AppState {
        config: api,
        store: Arc::new(store),
        workers: Workers::new(workers, config.queue),
        fonts: Arc::new(fonts),
        sources: Arc::new(Sources::new(
            config.source_cache_mb.saturating_mul(1024 * 1024),
        )),
    });
    // Before the line tests and scripts wait for: a reader may close the pipe once it has that
    // line, and a print to a closed stdout panics.
    println!("web console: http://{local}/_console");
    // The line tests and scripts wait for.
    println!(
        "cyanotype listening on http://{local} (data: {}, region: {}, {workers} image workers, image memory {}, source cache {} MB)",
        config.data_dir.display(),
        config.region,
        match image_memory {
            0 => "unlimited".to_string(),
            b => format!("{} MB", b >> 20),
        },
        config.source_cache_mb
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let header_timeout = seconds(config.header_timeout_seconds);
    serve_connections(listener, app(state), header_timeout).await;
    Ok(())
}

/// The runtime's threads: the configured number, or half the cores (at least one). Images run on
/// their own workers, one per core, so these threads mostly wait on sockets; every idle one is also
/// one more that tokio wakes to look for work when a worker's answer comes back. On 2 cores, one
/// instead of two: 1.3% less CPU per small image (2.165-2.177 against 2.192-2.204 ms a request, 3
/// alternated pairs of 10 s at concurrency 4) and 1.0-1.7% more requests a second. Plain GETs, which
/// wrk and the server together hold to the two cores, lost about 2% (18 KB objects at concurrency
/// 32: 21.0, 25.9, 26.1k requests a second against 21.6, 26.6, 27.1k): an image server's CPU goes to
/// images.
fn async_threads(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / 2).max(1)
}

/// A timeout from the config, where 0 means none.
fn seconds(s: u64) -> Option<Duration> {
    (s > 0).then(|| Duration::from_secs(s))
}

/// Serves HTTP/1.1 until Ctrl-C, then lets the requests in progress finish. This is the loop
/// `axum::serve` runs, plus a timer: without one hyper applies no header read timeout, and a
/// client that sent part of a request head, or kept a connection open and silent, held its socket
/// and task for ever (a few thousand such clients exhaust the file descriptors).
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Option<Duration>,
) {
    let graceful = GracefulShutdown::new();
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file descriptors and the like: pass, and let connections close.
                    eprintln!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        // Without TCP_NODELAY a small answer sent as headers then body waits ~40 ms for a delayed ACK.
        let _ = tcp.set_nodelay(true);
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let conn = http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A connection's errors (a reset, a timeout) are the client's; nothing to report.
            let _ = conn.await;
        });
    }
    graceful.shutdown().await;
}
