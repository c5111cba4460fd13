//! Datasets for `pipeline`: the dataset artifact, built-in generators and loaders for local files.

pub mod dataset;
mod error;

pub use dataset::{Dataset, DatasetMeta, Layout, Split};
pub use error::DataError;
