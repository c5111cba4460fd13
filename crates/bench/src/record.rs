//! One measured configuration, as a child process prints it (one JSON line) and as the table
//! and `--json` file show it. bench/reference.py writes the same records for PyTorch,
//! scikit-learn and SciPy, so the two can be put side by side.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// `train`, `kmeans` or `assign`.
    pub part: String,
    /// What was measured: an architecture, `lloyd`, or `n=256`.
    pub name: String,
    /// Input shape (training), data shape (k-means) or matrix size (assignment).
    pub input: String,
    /// Training batch size; 0 elsewhere.
    pub batch: usize,
    /// The headline rate: training images/s, Lloyd iterations/s, or solves/s.
    pub per_s: f64,
    /// Wall ms of one step / iteration / solve (the best repeat).
    pub ms: f64,
    /// Median over the repeats of the same.
    pub median_ms: f64,
    /// CPU ms (all threads) of one step / iteration / solve in the best repeat.
    pub cpu_ms: f64,
    /// Training only: forward, backward and optimiser ms per step in the best repeat.
    pub forward_ms: Option<f64>,
    pub backward_ms: Option<f64>,
    pub optim_ms: Option<f64>,
    /// Peak resident memory of the process that measured this (VmHWM).
    pub peak_mib: f64,
    /// One-minute load average when the measurement ended.
    pub load: f64,
    pub threads: usize,
}
