//! Running a plan: forcing, the dry run, execution on the store, and writing the result tables.

mod execute;
mod history;

pub use history::explain;

use std::path::{Path, PathBuf};

use crate::diag::{did_you_mean, Diagnostic};
use crate::graph::{run_dag, Outcome, Plan};
use crate::recipe::Recipe;
use crate::registry::Kind;
use crate::results::{new_run_id, publish_latest, write_metrics_csv, MetricRow, Table};
use crate::store::Store;

/// What `--force` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Force {
    None,
    All,
    /// These stages (or fragment instances) and everything downstream of them.
    Stages(Vec<String>),
}

pub struct RunOptions {
    pub jobs: usize,
    pub force: Force,
    pub device: candle_core::Device,
    pub results: PathBuf,
    pub quiet: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Cached,
    Ran,
    Failed(String),
    Skipped(String),
}

impl Status {
    pub fn word(&self) -> &'static str {
        match self {
            Status::Cached => "cached",
            Status::Ran => "ran",
            Status::Failed(_) => "failed",
            Status::Skipped(_) => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NodeRecord {
    pub status: Status,
    /// Unix seconds; equal for stages that did not run.
    pub started_at: f64,
    pub finished_at: f64,
}

pub struct RunReport {
    pub run_dir: PathBuf,
    pub records: Vec<NodeRecord>,
    pub table: Table,
}

impl RunReport {
    pub fn failures(&self) -> usize {
        self.records.iter().filter(|r| matches!(r.status, Status::Failed(_))).count()
    }
}

/// Which nodes `--force` re-runs: the named stages and all their descendants.
pub fn forced_nodes(plan: &Plan, force: &Force) -> Result<Vec<bool>, Diagnostic> {
    let n = plan.nodes.len();
    let names = match force {
        Force::None => return Ok(vec![false; n]),
        Force::All => return Ok(vec![true; n]),
        Force::Stages(names) => names,
    };
    let mut forced = vec![false; n];
    for name in names {
        let prefix = format!("{name}.");
        let mut hit = false;
        for (i, node) in plan.nodes.iter().enumerate() {
            if node.names.iter().any(|s| s == name || s.starts_with(&prefix)) {
                forced[i] = true;
                hit = true;
            }
        }
        if !hit {
            let all: Vec<&str> = plan.nodes.iter().flat_map(|n| n.names.iter().map(String::as_str)).collect();
            let mut d = Diagnostic::new("--force", format!("no stage named `{name}`"));
            d.help = did_you_mean(name, all.iter().copied());
            return Err(d);
        }
    }
    let dependents = plan.dependents();
    let mut stack: Vec<usize> = (0..n).filter(|&i| forced[i]).collect();
    while let Some(i) = stack.pop() {
        for &d in &dependents[i] {
            if !forced[d] {
                forced[d] = true;
                stack.push(d);
            }
        }
    }
    Ok(forced)
}

/// Runs the plan and writes `results/<recipe>/<run-id>/`.
pub fn run(recipe: &Recipe, plan: &Plan, store: &Store, opts: &RunOptions) -> anyhow::Result<RunReport> {
    let forced = forced_nodes(plan, &opts.force).map_err(|d| anyhow::anyhow!("{d}"))?;
    let exec = execute::Executor::new(recipe, plan, store, opts, forced);
    let deps: Vec<Vec<usize>> = plan.nodes.iter().map(|n| n.deps.clone()).collect();
    let outcomes = run_dag(&deps, opts.jobs, |i| exec.work(i));
    let mut records = exec.into_records();
    for (i, o) in outcomes.iter().enumerate() {
        match o {
            Outcome::Done => {}
            Outcome::Failed(e) => records[i].status = Status::Failed(e.clone()),
            Outcome::Skipped { because } => {
                records[i].status = Status::Skipped(format!("`{}` failed", plan.nodes[*because].stage));
            }
        }
    }
    history::remember(store, recipe, plan, &records);
    let recipe_dir = opts.results.join(&recipe.name);
    let run_id = new_run_id(&recipe_dir);
    let run_dir = recipe_dir.join(&run_id);
    let table = write_results(recipe, plan, store, &records, &run_dir, &run_id)?;
    publish_latest(&run_dir)?;
    Ok(RunReport { run_dir, records, table })
}

fn write_results(recipe: &Recipe, plan: &Plan, store: &Store, records: &[NodeRecord], run_dir: &Path, run_id: &str) -> anyhow::Result<Table> {
    std::fs::create_dir_all(run_dir)?;
    let mut rows = Vec::new();
    let mut stages = csv::Writer::from_path(run_dir.join("stages.csv"))?;
    stages.write_record(["point", "stage", "kind", "method", "key", "status", "started_at", "finished_at", "seconds", "detail"])?;
    let many_points = plan.points.len() > 1;
    for point in &plan.points {
        let swept: Vec<(String, String)> = point
            .values
            .iter()
            .filter(|(k, _)| *k != "seed")
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect();
        for (stage, node_idx) in &point.stages {
            let node = &plan.nodes[*node_idx];
            let rec = &records[*node_idx];
            let detail = match &rec.status {
                Status::Failed(e) | Status::Skipped(e) => e.clone(),
                _ => String::new(),
            };
            stages.write_record([
                point.index.to_string(),
                stage.clone(),
                node.kind.name().to_string(),
                node.method.info().name.to_string(),
                node.key.clone(),
                rec.status.word().to_string(),
                format!("{:.6}", rec.started_at),
                format!("{:.6}", rec.finished_at),
                format!("{:.3}", rec.finished_at - rec.started_at),
                detail,
            ])?;
            if matches!(rec.status, Status::Failed(_) | Status::Skipped(_)) {
                continue;
            }
            let manifest = store.manifest(&node.key)?;
            // Published files (loss curves, confusion matrices, pictures) go next to the tables.
            if !manifest.files.is_empty() {
                let mut dir = run_dir.to_path_buf();
                if many_points {
                    dir.push(format!("point-{}", point.index));
                }
                dir.push(stage);
                std::fs::create_dir_all(&dir)?;
                for f in &manifest.files {
                    let to = dir.join(f);
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::copy(store.entry_dir(&node.key).join(f), to)?;
                }
            }
            if node.kind != Kind::Evaluate {
                continue;
            }
            for m in &manifest.metrics {
                rows.push(MetricRow {
                    run: run_id.to_string(),
                    point: point.index,
                    seed: point.seed,
                    swept: swept.clone(),
                    stage: stage.clone(),
                    method: node.method.info().name.to_string(),
                    metric: m.metric.clone(),
                    step: m.step,
                    value: m.value,
                });
            }
        }
    }
    stages.flush()?;
    write_metrics_csv(&run_dir.join("metrics.csv"), &rows, &recipe.swept)?;
    let table = Table::build(&rows, &recipe.swept);
    table.write_csv(&run_dir.join("table.csv"))?;
    Ok(table)
}
