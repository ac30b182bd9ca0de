//! The `podium` command line: parses flags, calls the library, prints problems
//! and a summary, and picks the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use podium::diag::InputErrors;
use podium::{BuildOptions, Config};

/// A build allocates millions of small strings on two threads; mimalloc makes that
/// markedly cheaper than glibc's allocator (see benches/full_build.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A fast, safe static site generator for conference-talk archives.
#[derive(Parser, Debug)]
#[command(name = "podium", version, about, long_about = None)]
struct Cli {
    /// Site folder (where podium.toml, content/, templates/ and static/ live).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Validate a data folder (or, with --site, a built site's links) without writing anything.
    Check(CheckArgs),
    /// Download each talk's thumbnail once into .podium-cache/thumbnails/ (builds then use it).
    Thumbnails(ThumbnailsArgs),
    /// Create a new archive: podium.toml, an example event with two talks, templates/.
    Init(InitArgs),
    /// Preview the site at http://127.0.0.1:1111, rebuilding and reloading on every change.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Data folder to check [default: content/].
    #[arg(long, conflicts_with = "site")]
    data: Option<PathBuf>,
    /// Check the links of the built site in this folder instead of the data.
    #[arg(long, value_name = "DIR")]
    site: Option<PathBuf>,
    /// URL path the site is served under, e.g. `/talks` [default: the path of base_url].
    #[arg(long, requires = "site")]
    base_path: Option<String>,
    /// `human`: `path:line:column: error|warning: message` lines and a summary;
    /// `json`: `{"problems": [{path, line, column, severity, message}], "summary": {...}}`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Follow symbolic links inside the data folder.
    #[arg(long)]
    follow_links: bool,
    /// Do not print warnings (they are still counted).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(clap::Args, Debug)]
struct ThumbnailsArgs {
    /// Data folder with talk JSON files [default: content/].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Downloads at once.
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Revalidate cached thumbnails (If-None-Match / If-Modified-Since) and retry recent failures.
    #[arg(long)]
    refresh: bool,
    /// Follow symbolic links inside the data folder.
    #[arg(long)]
    follow_links: bool,
    /// Also fetch from private, loopback and link-local addresses (an archive on
    /// an intranet). Off by default: talk records come from strangers, and the
    /// command often runs unattended in CI, next to its private network.
    #[arg(long)]
    allow_private_addresses: bool,
    /// Do not print warnings.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
struct InitArgs {
    /// Folder to create the archive in (made if missing; existing files are never overwritten).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

#[cfg(feature = "serve")]
#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Data folder with talk JSON files [default: content/].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 1111)]
    port: u16,
    /// Address to listen on. Anything but a loopback address exposes the preview to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Publish archive-API drafts (records with `state` 2).
    #[arg(long)]
    drafts: bool,
    /// Follow symbolic links inside the data folder.
    #[arg(long)]
    follow_links: bool,
    /// Do not build the full-text search index (it is built in the background otherwise).
    #[arg(long)]
    no_search: bool,
    /// Print how long each step of every update took.
    #[arg(long)]
    timings: bool,
}

#[derive(clap::Args, Debug)]
struct BuildArgs {
    /// Data folder with talk JSON files [default: content/].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Output folder [default: public/]. Must be empty, new, or written by podium.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Absolute URL the site is published at (overrides podium.toml).
    #[arg(long)]
    base_url: Option<String>,
    /// Publish archive-API drafts (records with `state` 2).
    #[arg(long)]
    drafts: bool,
    /// Follow symbolic links inside the data folder.
    #[arg(long)]
    follow_links: bool,
    /// Publish the valid talks even if some files are invalid; the skipped files are named.
    #[arg(long)]
    skip_invalid: bool,
    /// Do not build the full-text search index.
    #[arg(long)]
    no_search: bool,
    /// Print how long each stage took and the files and KB per kind of output.
    #[arg(long)]
    timings: bool,
    /// Do not print warnings.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if let Some(input) = e.downcast_ref::<InputErrors>() {
                for p in &input.0 {
                    eprintln!("{p}");
                }
                let files: std::collections::BTreeSet<_> =
                    input.0.iter().filter(|p| p.is_error()).map(|p| &p.path).collect();
                let n = files.len();
                eprintln!("error: {n} invalid input file(s); nothing was written (the previous site is unchanged)");
            } else {
                eprintln!("error: {e}");
                for cause in e.chain().skip(1) {
                    eprintln!("  caused by: {cause}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        #[cfg(feature = "serve")]
        Command::Serve(args) => {
            podium::serve::serve(podium::serve::ServeOptions {
                root: cli.root,
                data: args.data,
                bind: args.bind,
                port: args.port,
                preview: podium::serve::PreviewOptions {
                    drafts: args.drafts,
                    follow_links: args.follow_links,
                    search: !args.no_search,
                },
                timings: args.timings,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Build(args) => {
            let started = Instant::now();
            let mut config = Config::load(&cli.root)?;
            if let Some(d) = args.data {
                config.data_dir = d;
            }
            if let Some(o) = args.output {
                config.output_dir = o;
            }
            if let Some(b) = args.base_url {
                config.base_url = b;
                config = Config::parse(&format!("base_url = {:?}", config.base_url)).map(|_| config)?;
            }
            let opts = BuildOptions {
                drafts: args.drafts,
                follow_links: args.follow_links,
                skip_invalid: args.skip_invalid,
                no_search: args.no_search,
                progress: std::io::stderr().is_terminal(),
            };
            let report = podium::build(&config, &opts)?;
            if !args.quiet {
                for p in &report.problems {
                    eprintln!("{p}");
                }
            }
            if args.timings {
                eprintln!("{:<10} {:>9}", "stage", "seconds");
                for (name, d) in &report.timings {
                    eprintln!("{name:<10} {:>9.3}", d.as_secs_f64());
                }
                eprintln!("\n{:<40} {:>7} {:>10}", "output kind", "files", "KB");
                let (mut files, mut bytes) = (0, 0);
                for (kind, n, b) in &report.kinds {
                    eprintln!("{kind:<40} {n:>7} {:>10}", b.div_ceil(1024));
                    files += n;
                    bytes += b;
                }
                eprintln!("{:<40} {files:>7} {:>10}", "total", bytes.div_ceil(1024));
            }
            println!("{}", report.summary(started.elapsed()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let config = Config::load(&cli.root)?;
            let report = match &args.site {
                Some(site) => {
                    let base = args.base_path.clone().unwrap_or_else(|| config.base_path());
                    podium::linkcheck::check_site(site, &base)?
                }
                None => podium::check::check(
                    args.data.as_deref().unwrap_or(&config.data_dir),
                    &podium::check::CheckOptions {
                        follow_links: args.follow_links,
                        // The site's pages too, unless a data folder is named.
                        pages_dir: args.data.is_none().then(|| config.pages_dir.clone()),
                        url_style: config.url_style,
                    },
                )?,
            };
            if let Err(e) = print_check(&report, args.format, args.quiet) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
            Ok(if report.errors() > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Thumbnails(args) => {
            let mut config = Config::load(&cli.root)?;
            if let Some(d) = args.data {
                config.data_dir = d;
            }
            let opts = podium::thumbs::fetch::FetchOptions {
                jobs: args.jobs.into(),
                refresh: args.refresh,
                allow_private_addresses: args.allow_private_addresses,
                progress: std::io::stderr().is_terminal(),
                ..Default::default()
            };
            let report = podium::thumbs::fetch::fetch_site(&config, args.follow_links, &opts)?;
            if !args.quiet {
                for p in &report.problems {
                    eprintln!("{p}");
                }
            }
            println!("{}", report.summary());
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => {
            let written = podium::init::init(&args.dir)?;
            for p in &written {
                println!("created {}", p.display());
            }
            println!(
                "New archive in `{}`: add talks under content/, then run `podium build` there.",
                args.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints a check report to stdout (a closed pipe, as with `| head`, is not an error).
fn print_check(report: &podium::check::CheckReport, format: OutputFormat, quiet: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        OutputFormat::Json => writeln!(out, "{}", report.to_json())?,
        OutputFormat::Human => {
            for p in report.problems.iter().filter(|p| p.is_error() || !quiet) {
                writeln!(out, "{p}")?;
            }
            writeln!(out, "{}", report.summary())?;
        }
    }
    out.flush()
}
