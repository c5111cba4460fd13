//! Cluster assignments of the train and test items, with the true labels carried along (for
//! reporting only) so that clustering metrics need no second input.

use std::path::Path;

use serde::{Deserialize, Serialize};

const FILE: &str = "assignments.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignments {
    pub k: usize,
    pub train: Vec<u32>,
    pub test: Vec<u32>,
    pub train_labels: Option<Vec<u32>>,
    pub test_labels: Option<Vec<u32>>,
}

impl Assignments {
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::write(dir.join(FILE), serde_json::to_vec(self)?)?;
        Ok(())
    }
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(FILE);
        let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: corrupt assignments: {e}", path.display()))
    }
}
