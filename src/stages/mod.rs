//! The methods, one file each under a folder per stage kind.

pub mod evaluate;
pub mod ingest;
