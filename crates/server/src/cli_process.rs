//! `cyanotype process <input> "<process>" [-o <output>]` and the batch form
//! `cyanotype process --input-dir <dir> --output-dir <dir> "<process>"`.
//!
//! Image watermarks (`watermark,image_<base64 key>`) read their key from `--objects-dir`, the local
//! stand-in for the bucket (default: the input's directory). Text watermarks look for fonts in
//! `--font-dir` (repeatable; default: the system font directories), with the embedded font standing in.
//!
//! Errors print the OSS Code and Message (and EC) and exit with status 1 for request errors (4xx),
//! 2 for server-side errors, 3 for local I/O problems.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args as ClapArgs;
use cyanotype_imaging::{process_with, DirObjects, Env, Fonts, Limits, Output};
use cyanotype_process::{parse, Error, Op, Process};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

#[derive(ClapArgs)]
pub struct Args {
    /// The source image (format detected from its bytes).
    /// In batch mode the single positional argument is the process string.
    #[arg(value_name = "INPUT")]
    input: Option<PathBuf>,
    /// The process string, e.g. "image/resize,w_200/format,webp" (the "image/" prefix may be omitted).
    #[arg(value_name = "PROCESS")]
    process: Option<String>,
    /// Where to write the result; default: standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Process every file of this directory (not recursive).
    #[arg(long, value_name = "DIR")]
    input_dir: Option<PathBuf>,
    /// Where the batch writes its results, named after the inputs with the output format's extension.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Where image watermarks' object keys are read from; default: the input's directory.
    #[arg(long, value_name = "DIR")]
    objects_dir: Option<PathBuf>,
    /// A directory of font files for text watermarks (repeatable); default: /usr/share/fonts and
    /// /usr/local/share/fonts.
    #[arg(long = "font-dir", value_name = "DIR")]
    font_dirs: Vec<PathBuf>,
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("{}: {}", e.code.as_str(), e.message);
    if let Some(ec) = e.ec {
        eprintln!("EC: {ec}");
    }
    ExitCode::from(if e.code.http_status() < 500 { 1 } else { 2 })
}

fn io_fail(what: &str, path: &Path, e: std::io::Error) -> ExitCode {
    eprintln!("cannot {what} {}: {e}", path.display());
    ExitCode::from(3)
}

/// Parse the process text; a bare action list gets the `image/` prefix. Styles need a bucket.
fn ops_of(text: &str) -> Result<Vec<Op>, Error> {
    let text = if text.starts_with("image/") || text == "image" || text.starts_with("style/") {
        text.to_string()
    } else {
        format!("image/{text}")
    };
    match parse(&text)? {
        Process::Image(ops) => Ok(ops),
        Process::Style(name) => Err(Error::invalid(
            "process",
            "style",
            &name,
            "styles belong to a bucket: use them through `cyanotype serve`",
        )),
    }
}

pub fn run(args: Args) -> ExitCode {
    let (process_text, input) = match (&args.input_dir, &args.process, &args.input) {
        // In batch mode the one positional argument is the process string.
        (Some(_), None, Some(p)) => (p.to_string_lossy().into_owned(), None),
        (Some(_), Some(p), None) => (p.clone(), None),
        (None, Some(p), Some(i)) => (p.clone(), Some(i.clone())),
        _ => {
            eprintln!("usage: cyanotype process <INPUT> <PROCESS> [-o FILE] | --input-dir DIR --output-dir DIR <PROCESS>");
            return ExitCode::from(3);
        }
    };
    let ops = match ops_of(&process_text) {
        Ok(ops) => ops,
        Err(e) => return fail(&e),
    };
    let limits = Limits::default();
    let fonts = if args.font_dirs.is_empty() {
        Fonts::system()
    } else {
        Fonts::new(args.font_dirs.clone())
    };
    let objects_dir = args
        .objects_dir
        .clone()
        .unwrap_or_else(|| match (&input, &args.input_dir) {
            (Some(i), _) => i.parent().map(Path::to_path_buf).unwrap_or_default(),
            (None, Some(d)) => d.clone(),
            (None, None) => PathBuf::new(),
        });
    let objects = DirObjects(if objects_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        objects_dir
    });
    // Offline work on the user's own files: no time limit (Env::basic's).
    let env = Env {
        fonts: &fonts,
        objects: &objects,
        ..Env::basic(&limits)
    };
    match (input, &args.input_dir, &args.output_dir) {
        (Some(input), _, _) => single(&input, args.output.as_deref(), &ops, &env),
        (None, Some(dir), Some(out)) => batch(dir, out, &ops, &env),
        _ => {
            eprintln!("--input-dir needs --output-dir");
            ExitCode::from(3)
        }
    }
}

fn single(input: &Path, output: Option<&Path>, ops: &[Op], env: &Env) -> ExitCode {
    let data = match std::fs::read(input) {
        Ok(d) => d,
        Err(e) => return io_fail("read", input, e),
    };
    let out = match process_with(&data, ops, env) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    match output {
        Some(path) => match std::fs::write(path, &out.body) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => io_fail("write", path, e),
        },
        None => {
            let mut stdout = std::io::stdout().lock();
            let r = stdout.write_all(&out.body).and_then(|_| {
                if out.format.is_none() {
                    stdout.write_all(b"\n")?;
                }
                stdout.flush()
            });
            match r {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => io_fail("write", Path::new("standard output"), e),
            }
        }
    }
}

fn extension(out: &Output) -> &'static str {
    match out.format {
        Some(f) => f.as_str(),
        None => "json",
    }
}

fn batch(dir: &Path, out_dir: &Path, ops: &[Op], env: &Env) -> ExitCode {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(e) => return io_fail("read directory", dir, e),
    };
    files.sort();
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        return io_fail("create", out_dir, e);
    }
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta} {msg}")
            .expect("valid progress template"),
    );
    let failed = AtomicUsize::new(0);
    // One image per worker, as many workers as cores (rayon's default pool).
    files.par_iter().for_each(|path| {
        let result = std::fs::read(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|data| {
                process_with(&data, ops, env)
                    .map_err(|e| format!("{}: {}", e.code.as_str(), e.message))
            })
            .and_then(|out| {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                let target = out_dir.join(format!("{stem}.{}", extension(&out)));
                std::fs::write(&target, &out.body)
                    .map_err(|e| format!("cannot write {}: {e}", target.display()))
            });
        if let Err(msg) = result {
            failed.fetch_add(1, Ordering::Relaxed);
            bar.println(format!("{}: {msg}", path.display()));
        }
        bar.inc(1);
    });
    bar.finish();
    let failed = failed.into_inner();
    eprintln!("{} processed, {} failed", files.len() - failed, failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
