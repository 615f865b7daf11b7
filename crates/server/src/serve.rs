//! `cyanotype serve`: the OSS-compatible server on the local data directory.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args as ClapArgs;

use cyanotype_api::endpoint::Addressing;
use cyanotype_api::{app, workers::Workers, ApiConfig, AppState};
use cyanotype_storage::LocalStore;

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
    });
    // The line tests and scripts wait for.
    println!(
        "cyanotype listening on http://{local} (data: {}, region: {}, {workers} image workers, image memory {})",
        config.data_dir.display(),
        config.region,
        match image_memory {
            0 => "unlimited".to_string(),
            b => format!("{} MB", b >> 20),
        }
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // Without TCP_NODELAY a small answer sent as headers then body waits ~40 ms for a delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
