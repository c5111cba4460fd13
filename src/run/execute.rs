//! One node's work: a cache hit costs a file check; a miss loads the inputs (from memory when
//! this run made them, else from the store), runs the method into a temp folder, and commits it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{NodeRecord, RunOptions, Status};
use crate::artifact::Artifact;
use crate::graph::Plan;
use crate::progress::ProgressBoard;
use crate::recipe::Recipe;
use crate::stage_ctx::{Input, StageCtx};
use crate::store::{InputRef, Manifest, Store, STORE_FORMAT};

pub(super) struct Executor<'a> {
    recipe: &'a Recipe,
    plan: &'a Plan,
    store: &'a Store,
    device: candle_core::Device,
    board: ProgressBoard,
    forced: Vec<bool>,
    /// Artifacts this run holds in memory, dropped once every reader is done.
    outputs: Mutex<HashMap<usize, Artifact>>,
    readers_left: Mutex<Vec<usize>>,
    has_readers: Vec<bool>,
    records: Mutex<Vec<NodeRecord>>,
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

impl<'a> Executor<'a> {
    pub fn new(recipe: &'a Recipe, plan: &'a Plan, store: &'a Store, opts: &RunOptions, forced: Vec<bool>) -> Self {
        let readers: Vec<usize> = plan.dependents().iter().map(Vec::len).collect();
        let has_readers = readers.iter().map(|&r| r > 0).collect();
        let blank = NodeRecord { status: Status::Skipped("not reached".into()), started_at: 0.0, finished_at: 0.0 };
        Self {
            recipe,
            plan,
            store,
            device: opts.device.clone(),
            board: ProgressBoard::new(opts.quiet),
            forced,
            outputs: Mutex::new(HashMap::new()),
            readers_left: Mutex::new(readers),
            has_readers,
            records: Mutex::new(vec![blank; plan.nodes.len()]),
        }
    }

    pub fn into_records(self) -> Vec<NodeRecord> {
        self.records.into_inner().expect("records lock")
    }

    pub fn work(&self, i: usize) -> Result<(), String> {
        let started = now();
        let result = self.compute(i);
        let status = match &result {
            Ok(true) => Status::Ran,
            Ok(false) => Status::Cached,
            Err(e) => Status::Failed(e.clone()),
        };
        let node = &self.plan.nodes[i];
        let line = match &status {
            Status::Ran => format!("ran     {} ({:.1}s)", node.stage, now() - started),
            Status::Cached => format!("cached  {}", node.stage),
            _ => format!("FAILED  {}", node.stage),
        };
        if !matches!(status, Status::Failed(_)) {
            self.board.println(&line);
        }
        self.records.lock().expect("records lock")[i] = NodeRecord { status, started_at: started, finished_at: now() };
        self.release_inputs(i);
        result.map(|_| ())
    }

    /// Returns whether the stage ran (true) or was found in the store (false).
    fn compute(&self, i: usize) -> Result<bool, String> {
        let node = &self.plan.nodes[i];
        if !self.forced[i] && self.store.contains(&node.key) {
            return Ok(false);
        }
        let info = node.method.info();
        let fail = |e: String| format!("stage `{}` ({} {}): {e}", node.stage, node.kind, info.name);
        let _lock = self.store.lock(&node.key).map_err(|e| fail(format!("{e:#}")))?;
        if !self.forced[i] && self.store.contains(&node.key) {
            return Ok(false); // another process finished it while we waited
        }
        let mut inputs = Vec::new();
        let mut refs = Vec::new();
        for (slot, ds) in &node.inputs {
            for &d in ds {
                let artifact = self.input(d).map_err(|e| fail(format!("cannot load input `{}`: {e:#}", self.plan.nodes[d].stage)))?;
                inputs.push(Input { slot, stage: self.plan.nodes[d].stage.clone(), artifact });
                refs.push(InputRef { slot: slot.to_string(), stage: self.plan.nodes[d].stage.clone(), key: self.plan.nodes[d].key.clone() });
            }
        }
        let pending = self.store.begin(&node.key).map_err(|e| fail(format!("{e:#}")))?;
        let progress = self.board.stage(&node.stage);
        let mut ctx = StageCtx::new(node.stage.clone(), node.seed, self.device.clone(), pending.dir().to_path_buf(), inputs, progress.clone());
        let started = now();
        let result = node.method.run_map(&mut ctx, &node.params);
        progress.finish();
        let artifact = result.map_err(|e| fail(e.to_string()))?;
        if artifact.artifact_type() != info.output {
            return Err(fail(format!("internal error: made a {} where a {} was declared", artifact.artifact_type(), info.output)));
        }
        artifact.save(pending.dir()).map_err(|e| fail(format!("cannot store the result: {e:#}")))?;
        let mut metrics = ctx.metrics().to_vec();
        if let Artifact::Metrics(m) = &artifact {
            metrics.extend(m.iter().cloned());
        }
        let manifest = Manifest {
            format: STORE_FORMAT,
            key: node.key.clone(),
            stage: node.stage.clone(),
            recipe: self.recipe.name.clone(),
            kind: node.kind.name().to_string(),
            method: info.name.to_string(),
            method_version: info.version,
            params: node.params.clone(),
            inputs: refs,
            seed: info.seeded.then_some(node.seed),
            output: info.output.name().to_string(),
            started_at: started,
            finished_at: now(),
            metrics,
            files: ctx.published().to_vec(),
        };
        pending.commit(&manifest, self.forced[i]).map_err(|e| fail(format!("{e:#}")))?;
        if self.has_readers[i] {
            self.outputs.lock().expect("outputs lock").insert(i, artifact);
        }
        Ok(true)
    }

    /// An input artifact: from memory if this run made or loaded it, else from the store.
    fn input(&self, d: usize) -> anyhow::Result<Artifact> {
        let mut outputs = self.outputs.lock().expect("outputs lock");
        if let Some(a) = outputs.get(&d) {
            return Ok(a.clone());
        }
        let node = &self.plan.nodes[d];
        let manifest = self.store.manifest(&node.key)?;
        let artifact = Artifact::load(node.method.info().output, &self.store.entry_dir(&node.key), &manifest.metrics)?;
        outputs.insert(d, artifact.clone());
        Ok(artifact)
    }

    fn release_inputs(&self, i: usize) {
        let mut left = self.readers_left.lock().expect("readers lock");
        let mut outputs = self.outputs.lock().expect("outputs lock");
        for &d in &self.plan.nodes[i].deps {
            left[d] = left[d].saturating_sub(1);
            if left[d] == 0 {
                outputs.remove(&d);
            }
        }
    }
}
