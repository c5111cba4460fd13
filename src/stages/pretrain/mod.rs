//! `pretrain`: methods that learn an encoder (and whatever else they need) from a dataset.

pub mod autoencoder;
pub mod gan;
pub mod masked_conv;
pub mod pixelcnn;
pub mod pixels;
mod cluster_sampler;
pub mod deepcluster;
pub mod nat;
pub mod random;
mod stored;
pub mod supervised;
pub mod vae;
pub mod video;
pub mod pretext;
