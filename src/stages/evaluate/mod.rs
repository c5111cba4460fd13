//! `evaluate`: measurements on the test split, each writing metrics named after the method.

pub mod accuracy;
pub mod clustering;
pub mod knn;
pub mod likelihood;
pub mod reconstruction;
pub mod video_prediction;
