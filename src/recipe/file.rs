//! One YAML file (a recipe or a fragment): its text, its parsed value and the positions of its nodes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::positions::Positions;
use crate::diag::Diagnostic;

#[derive(Debug)]
pub struct RecipeFile {
    pub path: PathBuf,
    pub root: Value,
    pub positions: Positions,
}

impl RecipeFile {
    pub fn read(path: &Path) -> Result<RecipeFile, Diagnostic> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::new(path, format!("cannot read the file: {e}")))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<RecipeFile, Diagnostic> {
        let root: Value = serde_yaml::from_str(text).map_err(|e| {
            let pos = e.location().map(|l| (l.line(), l.column()));
            Diagnostic::new(path, format!("not valid YAML: {e}")).at(pos)
        })?;
        if !root.is_object() {
            return Err(Diagnostic::new(path, "a recipe must be a YAML mapping with `name` and `stages`").at(Some((1, 1))));
        }
        Ok(RecipeFile { path: path.to_path_buf(), root, positions: Positions::index(text) })
    }

    /// A diagnostic pointing at the value at `path`.
    pub fn error_at(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.path, message).at(self.positions.value(path))
    }

    /// A diagnostic pointing at the key that ends `path`.
    pub fn error_at_key(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.path, message).at(self.positions.key(path))
    }
}
