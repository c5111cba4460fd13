//! Clustering on candle tensors for `pipeline`: k-means (k-means++ seeding, Lloyd iterations as
//! matrix products, DeepCluster's empty-cluster re-seeding) and DeepCluster's PCA whitening.
//!
//! Everything random is seeded (`ChaCha8Rng` on the host); the heavy work is tensor ops that
//! candle runs on the CPU and on CUDA alike.

mod assign;
mod avx2_nearest;
mod cpu_step;
mod error;
mod input;
mod kmeans;
mod kmeans_pp;
mod pca;
mod reseed;
mod step;

pub use assign::predict;
pub use error::ClusterError;
pub use kmeans::{kmeans, kmeans_from, KMeans, KMeansConfig, KMeansInit};
pub use kmeans_pp::kmeans_plus_plus;
pub use pca::{l2_normalise_rows, pca_whiten, PcaWhitening};
