//! Benchmark of the IDX loader and the synth-digits generator:
//! `cargo run --release -p pipeline-data --example bench_idx`.
//!
//! Writes an MNIST-sized IDX set (60,000 + 10,000 images of 28×28, raw and gzip) to a temp dir,
//! loads it through the `mnist` loader, and prints load times and the process's peak resident
//! memory (VmHWM). Targets: a raw load under 2 s, peak under 150 MB.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use pipeline_data::idx::write_header;
use pipeline_data::{mnist, synth_digits, IdxParams, SynthDigitsParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = std::env::temp_dir().join(format!("pipeline-bench-idx-{}", std::process::id()));
    let (raw, gz) = (tmp.join("raw-set"), tmp.join("gz-set"));
    for (dir, compress) in [(&raw, false), (&gz, true)] {
        std::fs::create_dir_all(dir)?;
        write_set(dir, "train", 60_000, compress)?;
        write_set(dir, "t10k", 10_000, compress)?;
    }
    println!("wrote 60,000 + 10,000 28×28 images (raw and gzip); peak memory so far {:.1} MB", peak_mb());

    for (name, dir) in [("raw", &raw), ("gzip", &gz)] {
        let t = Instant::now();
        let d = mnist(&IdxParams { path: Some(dir.display().to_string()), ..Default::default() }, false, 0)?;
        let secs = t.elapsed().as_secs_f64();
        assert_eq!((d.train.len, d.test.len), (60_000, 10_000));
        println!("load {name:4}: {secs:.3} s   peak memory (VmHWM) {:.1} MB", peak_mb());
    }
    std::fs::remove_dir_all(&tmp)?;

    let n = 20_000;
    let t = Instant::now();
    let d = synth_digits(&SynthDigitsParams { train: n, test: 1, ..Default::default() }, 0)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "synth-digits: {} images in {secs:.3} s = {:.0} images/s on {} threads",
        d.train.len + d.test.len,
        (d.train.len + d.test.len) as f64 / secs,
        rayon::current_num_threads()
    );
    Ok(())
}

/// Writes one split in chunks, so the benchmark's own writing does not raise the peak memory.
fn write_set(dir: &Path, prefix: &str, n: usize, compress: bool) -> std::io::Result<()> {
    let suffix = if compress { ".gz" } else { "" };
    let open = |name: String| -> std::io::Result<Box<dyn Write>> {
        let f = std::io::BufWriter::new(std::fs::File::create(dir.join(name + suffix))?);
        Ok(if compress { Box::new(flate2::write::GzEncoder::new(f, flate2::Compression::fast())) } else { Box::new(f) })
    };
    let mut images = open(format!("{prefix}-images-idx3-ubyte"))?;
    write_header(&mut images, &[n, 28, 28])?;
    let mut item = vec![0u8; 784];
    for i in 0..n {
        // A cheap MNIST-like pattern: a blob whose position depends on i, on a black background.
        for (k, v) in item.iter_mut().enumerate() {
            let (x, y) = ((k % 28) as i64, (k / 28) as i64);
            let (cx, cy) = (8 + (i * 7 % 12) as i64, 8 + (i * 13 % 12) as i64);
            *v = if (x - cx).pow(2) + (y - cy).pow(2) < 30 { (i % 200 + 55) as u8 } else { 0 };
        }
        images.write_all(&item)?;
    }
    images.flush()?;
    drop(images);
    let mut labels = open(format!("{prefix}-labels-idx1-ubyte"))?;
    write_header(&mut labels, &[n])?;
    labels.write_all(&(0..n).map(|i| (i % 10) as u8).collect::<Vec<_>>())?;
    labels.flush()
}

/// The process's peak resident set size in MB, from /proc/self/status (Linux).
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
