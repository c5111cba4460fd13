//! `cluster`: methods that assign items to clusters.

pub mod kmeans;
