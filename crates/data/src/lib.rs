//! Datasets for `pipeline`: the dataset artifact, built-in generators and loaders for local files.
//!
//! Every source is one function taking its typed parameters and a seed; [`ingest`] maps a recipe's
//! `source:` name and `with:` map onto them, and [`SOURCES`] / [`param_specs`] list them.
//!
//! ```
//! let p = pipeline_data::SynthDigitsParams { train: 20, test: 10, ..Default::default() };
//! let d = pipeline_data::synth_digits(&p, 7).unwrap();
//! assert_eq!((d.train.len, d.layout.height, d.classes.len()), (20, 28, 10));
//! ```

mod affine;
mod colour;
pub mod classes;
pub mod dataset;
mod error;
mod files;
mod generate;
pub mod noise;
pub mod glyphs;
pub mod idx;
mod preview;
mod raster;
mod rng;
mod shapes;
pub mod sources;
pub mod subset;

pub use dataset::{Dataset, DatasetMeta, Layout, Split};
pub use error::DataError;
pub use noise::noisy;
pub use preview::preview_png;
pub use sources::cifar10::{cifar10, Cifar10Params};
pub use sources::color_shapes::{color_shapes, ColorShapesParams};
pub use sources::image_folder::{image_folder, ImageFolderParams};
pub use sources::mnist::{mnist, IdxParams};
pub use sources::moving_digits::{moving_digits, trajectory, MovingDigitsParams, Step};
pub use sources::synth_digits::{synth_digits, SynthDigitsParams};
pub use sources::{ingest, param_specs, SOURCES};
