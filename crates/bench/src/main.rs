//! `pipeline-bench`: how fast pipeline trains and clusters on this machine's CPU.
//!
//! Prints, for `convnet` (1×28×28), `convnet-rgb` (3×32×32) and the reference network
//! `convnet-small` at batch 64 and 256: training images/s and forward / backward / optimiser
//! ms per step; Lloyd k-means iterations/s on 60,000 × 128 points with k = 100; the time of a
//! linear assignment of size 256 and 1,024; and the peak memory of each. Every configuration
//! runs in a child process of this binary, so each peak (VmHWM) is its own. Times are the best
//! of several repeats (the median is shown too), with CPU time and the load average, since the
//! machine may be shared. bench/reference.py measures the same in PyTorch / scikit-learn / SciPy
//! and prints the ratios.
//!
//! `cargo run --release -p pipeline-bench -- [--threads N] [--parts train,kmeans,assign]
//!  [--archs a,b] [--batches 64,256] [--json out.json] [--dump DIR]`

mod assign;
mod dump;
mod kmeans;
mod procfs;
mod record;
mod timing;
mod train;

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;
use record::Record;

#[derive(Parser, Debug, Clone)]
#[command(name = "pipeline-bench", about = "CPU speed of pipeline's training step, k-means and linear assignment")]
struct Args {
    /// Threads for rayon, candle and gemm (sets RAYON_NUM_THREADS before anything starts);
    /// default: the environment's RAYON_NUM_THREADS, else every core.
    #[arg(long)]
    threads: Option<usize>,
    /// Threads of candle's own element-wise pool (sets CANDLE_NUM_THREADS unless it is already
    /// set). 1 by default: the heavy work runs in pipeline-nn's kernels on rayon, and candle's
    /// pool spin-waits after each of its operations, taking a core from them (about a fifth of
    /// the CPU time of a training step with two threads). The pipeline binary should do the same.
    #[arg(long, default_value_t = 1)]
    candle_threads: usize,
    /// Parts to run: train, kmeans, assign (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "train,kmeans,assign")]
    parts: Vec<String>,
    /// Architectures for `train`: convnet, convnet-rgb, convnet-small.
    #[arg(long, value_delimiter = ',', default_value = "convnet,convnet-rgb,convnet-small")]
    archs: Vec<String>,
    /// Batch sizes for `train`.
    #[arg(long, value_delimiter = ',', default_value = "64,256")]
    batches: Vec<usize>,
    /// Untimed training steps before timing.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Training steps per timed repeat.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Timed repeats of every configuration; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Lloyd iterations per k-means repeat.
    #[arg(long, default_value_t = 20)]
    kmeans_iters: usize,
    /// Linear-assignment sizes.
    #[arg(long, value_delimiter = ',', default_value = "256,1024")]
    assign_sizes: Vec<usize>,
    /// Device for `train` (cpu, cuda, cuda:N).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Also write the records as JSON here (bench/reference.py reads it).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the k-means data and initial centroids and the assignment matrices here as raw
    /// little-endian arrays, so bench/reference.py times the reference on the same inputs.
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Internal: run one configuration (`train:ARCH:BATCH`, `kmeans`, `assign:N`) and print its
    /// record as one JSON line.
    #[arg(long, hide = true)]
    child: Option<String>,
}

fn main() {
    let args = Args::parse();
    if let Some(t) = args.threads {
        if t == 0 {
            eprintln!("pipeline-bench: --threads must be at least 1");
            std::process::exit(2);
        }
        // Before any thread pool exists: rayon, candle and gemm all size themselves from this.
        std::env::set_var("RAYON_NUM_THREADS", t.to_string());
    }
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", args.candle_threads.max(1).to_string());
    }
    // As the pipeline binary does (the candle thread count set above is kept).
    pipeline_nn::process::configure();
    let result = match &args.child {
        Some(spec) => child(&args, spec),
        None => parent(&args),
    };
    if let Err(e) = result {
        eprintln!("pipeline-bench: {e}");
        std::process::exit(1);
    }
}

type BoxError = Box<dyn std::error::Error>;

fn child(args: &Args, spec: &str) -> Result<(), BoxError> {
    let fields: Vec<&str> = spec.split(':').collect();
    let record = match fields.as_slice() {
        ["train", arch, batch] => train::run(&train::TrainRun {
            arch,
            batch: batch.parse()?,
            warmup: args.warmup,
            steps: args.steps,
            repeats: args.repeats,
            device: &args.device,
        })?,
        ["kmeans"] => kmeans::run(args.kmeans_iters, args.repeats, args.dump.as_deref())?,
        ["assign", n] => assign::run(n.parse()?, args.repeats.max(3), args.dump.as_deref())?,
        _ => return Err(format!("unknown configuration `{spec}`").into()),
    };
    println!("{}", serde_json::to_string(&record)?);
    Ok(())
}

/// Every configuration the arguments ask for, as child specs.
fn configurations(args: &Args) -> Result<Vec<String>, BoxError> {
    let mut specs = Vec::new();
    for part in &args.parts {
        match part.as_str() {
            "train" => {
                for arch in &args.archs {
                    if train::input_of(arch).is_none() {
                        let valid: Vec<&str> = train::ARCHS.iter().map(|a| a.0).collect();
                        return Err(format!("--archs: unknown architecture `{arch}`; valid: {}", valid.join(", ")).into());
                    }
                    specs.extend(args.batches.iter().map(|b| format!("train:{arch}:{b}")));
                }
            }
            "kmeans" => specs.push("kmeans".into()),
            "assign" => specs.extend(args.assign_sizes.iter().map(|n| format!("assign:{n}"))),
            other => return Err(format!("--parts: unknown part `{other}`; valid: train, kmeans, assign").into()),
        }
    }
    Ok(specs)
}

fn parent(args: &Args) -> Result<(), BoxError> {
    let specs = configurations(args)?;
    let exe = std::env::current_exe()?;
    let threads = candle_core::utils::get_num_threads();
    println!(
        "pipeline-bench: {threads} threads (candle's element-wise pool: {}), best of {} repeats ({} training steps each after {} warm-up), load average now {:.2}",
        std::env::var("CANDLE_NUM_THREADS").unwrap_or_default(),
        args.repeats,
        args.steps,
        args.warmup,
        procfs::load_average()
    );
    print_header();
    let mut records = Vec::new();
    for spec in &specs {
        let mut cmd = Command::new(&exe);
        cmd.args(["--child", spec])
            .args(["--warmup", &args.warmup.to_string(), "--steps", &args.steps.to_string()])
            .args(["--repeats", &args.repeats.to_string(), "--kmeans-iters", &args.kmeans_iters.to_string()])
            .args(["--device", &args.device]);
        if let Some(dir) = &args.dump {
            cmd.arg("--dump").arg(dir);
        }
        let out = cmd.output()?;
        if !out.status.success() {
            eprintln!("{spec} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
            continue;
        }
        let line = String::from_utf8_lossy(&out.stdout);
        let record: Record = serde_json::from_str(line.trim()).map_err(|e| format!("{spec}: unreadable child output ({e}): {line}"))?;
        print_row(&record);
        records.push(record);
    }
    if let Some(path) = &args.json {
        let candle_threads = std::env::var("CANDLE_NUM_THREADS").unwrap_or_default();
        let doc = serde_json::json!({ "tool": "pipeline", "threads": threads, "candle_threads": candle_threads, "records": records });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn print_header() {
    println!(
        "{:<7} {:<14} {:>10} {:>5} {:>10} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7} {:>8} {:>5}",
        "part", "what", "input", "batch", "per s", "ms", "median", "cpu ms", "fwd ms", "bwd ms", "opt ms", "peak MiB", "load"
    );
}

fn print_row(r: &Record) {
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    println!(
        "{:<7} {:<14} {:>10} {:>5} {:>10.1} {:>9.2} {:>9.2} {:>8.1} {:>8} {:>8} {:>7} {:>8.0} {:>5.2}",
        r.part,
        r.name,
        r.input,
        if r.batch > 0 { r.batch.to_string() } else { "-".into() },
        r.per_s,
        r.ms,
        r.median_ms,
        r.cpu_ms,
        opt(r.forward_ms),
        opt(r.backward_ms),
        opt(r.optim_ms),
        r.peak_mib,
        r.load
    );
}
