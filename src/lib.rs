//! `pipeline`: declarative YAML recipes of unsupervised and self-supervised learning experiments.
//!
//! Data flows: [`recipe`] reads and expands a YAML file → [`graph`] validates each sweep point and
//! keys every stage by a content hash → [`run`] schedules the stages on the [`store`] (skipping
//! those already stored) → [`results`] writes the CSV tables. Methods live under [`stages`], one
//! file each, declared to the [`registry`].

pub mod artifact;
pub mod cli;
pub mod diag;
pub mod graph;
pub mod progress;
pub mod recipe;
pub mod registry;
pub mod results;
pub mod run;
pub mod seeds;
pub mod stage_ctx;
pub mod stages;
pub mod store;
