//! `report`: pictures and tables rendered from other stages' outputs.

pub mod samples;
