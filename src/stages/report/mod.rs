//! `report`: pictures and tables rendered from other stages' outputs.

pub mod samples;
pub mod video_curves;
pub mod video_strips;
