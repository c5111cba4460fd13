//! `report`: pictures and tables rendered from other stages' outputs.

pub mod generate;
mod grid;
pub mod samples;
pub mod video_curves;
pub mod video_strips;
