//! `pretrain`: methods that learn an encoder (and whatever else they need) from a dataset.

pub mod autoencoder;
mod cluster_sampler;
pub mod deepcluster;
pub mod nat;
pub mod random;
pub mod supervised;
pub mod pretext;
