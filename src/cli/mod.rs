//! The command line: every subcommand declared once here; `main` maps errors to exit codes
//! (1: a stage failed or a command could not do its work; 2: the recipe or the arguments are wrong).

mod clean;
mod graph_cmd;
mod list;
mod run_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::results::Format;

#[derive(Parser)]
#[command(name = "pipeline", version, about = "Run declarative YAML recipes of unsupervised and self-supervised learning experiments")]
pub struct Cli {
    /// More logging (-v: debug, -vv: trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// Options shared by the commands that read a recipe.
#[derive(clap::Args, Clone)]
pub struct RecipeArgs {
    /// The recipe (a YAML file).
    pub recipe: PathBuf,
    /// Override a recipe parameter: `--set k=20` (the value is read as YAML); `seed` too.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a recipe: every stage not already in the store, then the result tables.
    Run {
        /// The recipe (a YAML file).
        recipe: Option<PathBuf>,
        /// Override a recipe parameter: `--set k=20` (the value is read as YAML); `seed` too.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        sets: Vec<String>,
        /// Stages run at once (default: the number of cores).
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        /// Re-run everything (`--force`) or a stage and what depends on it (`--force STAGE`, repeatable).
        #[arg(long, num_args = 0..=1, default_missing_value = "", value_name = "STAGE")]
        force: Vec<String>,
        /// Print, per stage, whether it would run or hit the cache, and why; run nothing.
        #[arg(long)]
        dry_run: bool,
        /// The store of stage outputs.
        #[arg(long, default_value = ".pipeline/store", value_name = "DIR")]
        store: PathBuf,
        /// Where result tables go (`DIR/<recipe>/<run-id>/`).
        #[arg(long, default_value = "results", value_name = "DIR")]
        results: PathBuf,
        /// `auto` (CUDA when built with it and present), `cpu`, or `cuda:N`.
        #[arg(long, default_value = "auto")]
        device: String,
        /// No progress bars or per-stage lines: only the table and the summary.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a recipe (schema, references, parameters, artifact types, cycles) without running it.
    Validate {
        #[command(flatten)]
        recipe: RecipeArgs,
    },
    /// Print the stage graph of a recipe (first sweep point).
    Graph {
        #[command(flatten)]
        recipe: RecipeArgs,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
    /// List stage kinds and methods with their parameters (optionally one kind or method).
    List {
        /// A kind (`pretrain`) or a method (`kmeans`) to show alone.
        name: Option<String>,
        /// `md` prints the README's reference tables.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Set two result tables (table.csv files or run folders) side by side with the differences.
    Compare {
        a: PathBuf,
        b: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Remove store entries that no recipe under a folder references (or all with `--all`).
    Clean {
        /// Folder of recipes whose stages to keep.
        #[arg(long, default_value = "recipes", value_name = "DIR")]
        recipes: PathBuf,
        #[arg(long, default_value = ".pipeline/store", value_name = "DIR")]
        store: PathBuf,
        /// Remove every entry.
        #[arg(long)]
        all: bool,
        /// Say what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Md,
}

/// Why a command failed, mapped to the exit code.
pub enum Failure {
    /// The recipe or the arguments are wrong (exit 2).
    Usage(String),
    /// Work failed (exit 1).
    Work(String),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Work(format!("error: {e:#}"))
    }
}

impl From<crate::diag::Diagnostics> for Failure {
    fn from(d: crate::diag::Diagnostics) -> Self {
        Failure::Usage(d.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::Run { recipe, sets, jobs, force, dry_run, store, results, device, quiet } => {
            run_cmd::run(run_cmd::RunArgs { recipe, sets, jobs, force, dry_run, store, results, device, quiet })
        }
        Command::Validate { recipe } => run_cmd::validate(&recipe),
        Command::Graph { recipe, format } => graph_cmd::graph(&recipe, format),
        Command::List { name, format } => list::list(name.as_deref(), format),
        Command::Compare { a, b, format } => {
            crate::results::compare(&a, &b, format).map(|s| print!("{s}")).map_err(|e| Failure::Usage(format!("error: {e:#}")))
        }
        Command::Clean { recipes, store, all, dry_run } => clean::clean(&recipes, &store, all, dry_run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("{m}");
            ExitCode::from(2)
        }
        Err(Failure::Work(m)) => {
            eprintln!("{m}");
            ExitCode::from(1)
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).without_time().with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).try_init();
}

/// Reads, expands and plans a recipe: every check that comes before any work.
pub fn load_and_plan(args: &RecipeArgs) -> Result<(crate::recipe::Recipe, crate::graph::Plan), Failure> {
    let overrides = args
        .sets
        .iter()
        .map(|s| crate::recipe::Override::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|d| Failure::Usage(format!("error: {d}")))?;
    let recipe = crate::recipe::load(&args.recipe, &overrides)?;
    let plan = crate::graph::plan(&recipe)?;
    Ok((recipe, plan))
}
