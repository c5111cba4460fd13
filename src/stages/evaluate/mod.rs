//! `evaluate`: measurements on the test split, each writing metrics named after the method.

pub mod accuracy;
pub mod clustering;
pub mod knn;
pub mod reconstruction;
