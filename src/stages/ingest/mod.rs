//! `ingest`: sources that make a dataset, from a generator or from local files.

pub mod synth_digits;
