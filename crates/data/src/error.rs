//! Errors of ingest: each names the file (or parameter) and what is wrong with it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {what}")]
    Corrupt { path: PathBuf, what: String },
    /// A file or folder the source needs is not there; `tried` lists the names looked for.
    #[error("{dir}: no {what} found; looked for {tried}")]
    Missing { dir: PathBuf, what: String, tried: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Param(#[from] pipeline_params::ParamError),
}

impl DataError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io { path: path.to_path_buf(), source }
    }
    pub fn corrupt(path: &Path, what: impl Into<String>) -> Self {
        DataError::Corrupt { path: path.to_path_buf(), what: what.into() }
    }
    pub fn missing(dir: &Path, what: impl Into<String>, tried: &[String]) -> Self {
        DataError::Missing { dir: dir.to_path_buf(), what: what.into(), tried: tried.join(", ") }
    }
}
