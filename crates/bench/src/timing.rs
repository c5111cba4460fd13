//! Best-of-N timing: every repeat is measured; the fastest is least disturbed by other work on
//! a shared machine, the median says how steady that was.

use std::time::Instant;

use crate::procfs::cpu_seconds;

/// One repeat: wall seconds, CPU seconds, and any sub-timings the body reports.
#[derive(Debug, Clone, Default)]
pub struct Repeat {
    pub wall: f64,
    pub cpu: f64,
    pub parts: Vec<f64>,
}

/// Runs `body` once per repeat (it returns its sub-timings) and times each run.
pub fn repeats<E>(n: usize, mut body: impl FnMut() -> Result<Vec<f64>, E>) -> Result<Vec<Repeat>, E> {
    (0..n)
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_seconds());
            let parts = body()?;
            Ok(Repeat { wall: t.elapsed().as_secs_f64(), cpu: cpu_seconds() - c, parts })
        })
        .collect()
}

/// The fastest repeat and the median wall time.
pub fn best_and_median(runs: &[Repeat]) -> (Repeat, f64) {
    let mut walls: Vec<f64> = runs.iter().map(|r| r.wall).collect();
    walls.sort_by(f64::total_cmp);
    let best = runs.iter().min_by(|a, b| a.wall.total_cmp(&b.wall)).cloned().unwrap_or_default();
    (best, walls.get(walls.len() / 2).copied().unwrap_or(0.0))
}
