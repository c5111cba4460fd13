//! `pretrain`: methods that learn an encoder (and whatever else they need) from a dataset.

pub mod autoencoder;
pub mod random;
pub mod supervised;
