//! The methods, one file each under a folder per stage kind, and the plumbing they share.

pub mod cluster;
pub mod evaluate;
pub mod finetune;
pub mod fit;
pub mod ingest;
pub mod net;
pub mod pretrain;
pub mod report;
