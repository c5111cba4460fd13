//! Networks and training on candle for `pipeline`: the engine every learning method stands on.
//!
//! - [`device`]: `cpu` / `cuda:N` / `auto` from a recipe string.
//! - [`init`]: seeded, PyTorch-default initialisation of a `VarMap`; seeded noise tensors.
//! - [`ops`] and [`layers`]: the conv / pool / dense primitives (one place to swap kernels).
//! - [`arch`]: encoders with named layers, mirroring decoders and linear heads, chosen by name.
//! - [`optim`]: SGD, Adam, AdamW and learning-rate schedules, with their user-facing options.
//! - [`batch`]: u8 images → normalised batches; the seeded epoch order.
//! - [`extract`]: an encoder's features over a whole image set, batch by batch.
//! - [`train`] and [`curve`]: the shared step (NaN guard, schedule, progress) and the loss curve.
//! - [`loss`]: numerically stable BCE on logits, cross-entropy, MSE.
//! - [`checkpoint`]: variables to and from safetensors.
//! - [`params`]: reading an embedded option struct out of a method's `with:` map.
//! - [`process`]: allocator and thread-pool settings for a training binary (call first in `main`).

pub mod arch;
pub mod batch;
pub mod checkpoint;
pub mod curve;
pub mod device;
mod error;
pub mod extract;
pub mod init;
mod kernels;
pub mod layers;
pub mod loss;
pub mod ops;
pub mod optim;
pub mod params;
pub mod process;
pub mod train;

pub use error::{Context, NnError};
