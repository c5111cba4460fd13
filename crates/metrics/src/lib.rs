//! Evaluation metrics for `pipeline`: classification accuracy, linear assignment, clustering
//! ACC / NMI / ARI, and the image-quality scores PSNR and SSIM. Pure Rust, no tensors.
//!
//! Every metric validates its input and returns [`MetricError`] rather than panicking.

mod accuracy;
mod ari;
mod assignment;
mod cluster_acc;
mod contingency;
mod error;
mod nmi;
mod psnr;
mod ssim;

pub use accuracy::{accuracy, confusion_matrix};
pub use ari::ari;
pub use assignment::{assign_max, assign_min};
pub use cluster_acc::cluster_accuracy;
pub use error::MetricError;
pub use nmi::nmi;
pub use psnr::psnr;
pub use ssim::ssim;
