//! Helpers for tests that drive the `pipeline` binary in a scratch folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pipeline"));
        c.args(args).current_dir(self.path()).env_remove("RUST_LOG");
        c
    }

    /// Runs `pipeline ARGS` in the scratch folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("pipeline runs")
    }

    /// The rows of `results/<recipe>/latest/<file>` as maps from column to value.
    pub fn csv(&self, recipe: &str, file: &str) -> Vec<std::collections::HashMap<String, String>> {
        let path = self.path().join("results").join(recipe).join("latest").join(file);
        let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        r.records().map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect()).collect()
    }

    /// Stage name → status of the latest run.
    pub fn statuses(&self, recipe: &str) -> std::collections::BTreeMap<String, String> {
        self.csv(recipe, "stages.csv").into_iter().map(|r| (r["stage"].clone(), r["status"].clone())).collect()
    }
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

pub fn ok(o: &Output) {
    assert!(o.status.success(), "pipeline failed:\n{}", text(o));
}
