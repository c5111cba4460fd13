//! One maximum-weight linear assignment (`pipeline_metrics::assign_max`) of an n × n matrix of
//! uniform [0, 1) weights, as Noise As Targets solves every batch.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::procfs::{load_average, peak_mib};
use crate::record::Record;
use crate::timing::{best_and_median, repeats};

pub fn run(n: usize, reps: usize, dump: Option<&Path>) -> Result<Record, Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    let w: Vec<f64> = (0..n * n).map(|_| rng.random::<f64>()).collect();
    if let Some(dir) = dump {
        crate::dump::write(&dir.join(format!("assign_{n}.f64")), &w)?;
    }
    pipeline_metrics::assign_max(&w, n, n)?;
    let runs = repeats(reps, || pipeline_metrics::assign_max(&w, n, n).map(|_| Vec::new()))?;
    let (best, median) = best_and_median(&runs);
    Ok(Record {
        part: "assign".into(),
        name: format!("n={n}"),
        input: format!("{n}x{n}"),
        batch: 0,
        per_s: 1.0 / best.wall,
        ms: 1e3 * best.wall,
        median_ms: 1e3 * median,
        cpu_ms: 1e3 * best.cpu,
        forward_ms: None,
        backward_ms: None,
        optim_ms: None,
        peak_mib: peak_mib(),
        load: load_average(),
        threads: 1,
    })
}
