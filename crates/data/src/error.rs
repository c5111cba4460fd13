//! Errors of ingest: each names the file and what is wrong with it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {what}")]
    Corrupt { path: PathBuf, what: String },
    #[error("{0}")]
    Invalid(String),
}

impl DataError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io { path: path.to_path_buf(), source }
    }
    pub fn corrupt(path: &Path, what: impl Into<String>) -> Self {
        DataError::Corrupt { path: path.to_path_buf(), what: what.into() }
    }
}
