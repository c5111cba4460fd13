//! `evaluate`: measurements on the test split, each writing metrics named after the method.

pub mod clustering;
