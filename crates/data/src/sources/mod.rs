//! One file per ingest source (built-in generators and loaders for local files), and the table
//! that maps a recipe's `source:` name and `with:` map to them.

pub mod cifar10;
pub mod color_shapes;
pub mod image_folder;
pub mod mnist;
pub mod moving_digits;
pub mod synth_digits;

use pipeline_params::{ParamMap, ParamSpec, Params};

use crate::{DataError, Dataset};

/// One ingest source as `pipeline list` shows it.
#[derive(Debug, Clone, Copy)]
pub struct SourceInfo {
    pub name: &'static str,
    pub doc: &'static str,
    pub params: fn() -> Vec<ParamSpec>,
    /// Whether it reads local files (its `path` parameter) rather than generating data.
    pub reads_files: bool,
    /// Whether it can take a digit dataset as input (`moving-digits`).
    pub takes_digits: bool,
}

pub const SOURCES: [SourceInfo; 7] = [
    SourceInfo { name: "synth-digits", doc: "Synthetic MNIST-like 28×28 grayscale digits (10 classes)", params: synth_digits::SynthDigitsParams::specs, reads_files: false, takes_digits: false },
    SourceInfo { name: "color-shapes", doc: "Synthetic 32×32 RGB shapes on textured backgrounds (8 classes)", params: color_shapes::ColorShapesParams::specs, reads_files: false, takes_digits: false },
    SourceInfo { name: "moving-digits", doc: "Stochastic moving digits video (SVG), 64×64 frames, unlabelled", params: moving_digits::MovingDigitsParams::specs, reads_files: false, takes_digits: true },
    SourceInfo { name: "mnist", doc: "MNIST from its IDX files", params: mnist::IdxParams::specs, reads_files: true, takes_digits: false },
    SourceInfo { name: "fashion-mnist", doc: "Fashion-MNIST from its IDX files", params: mnist::IdxParams::specs, reads_files: true, takes_digits: false },
    SourceInfo { name: "cifar10", doc: "CIFAR-10 from its binary batches", params: cifar10::Cifar10Params::specs, reads_files: true, takes_digits: false },
    SourceInfo { name: "image-folder", doc: "PNG/JPEG images in one folder per class", params: image_folder::ImageFolderParams::specs, reads_files: true, takes_digits: false },
];

/// Runs the source named `source` with the recipe's `with:` map. `digits` is the optional digit
/// dataset of `moving-digits`; giving it to another source is an error.
pub fn ingest(source: &str, with: &ParamMap, seed: u64, digits: Option<&Dataset>) -> Result<Dataset, DataError> {
    let Some(info) = SOURCES.iter().find(|s| s.name == source) else {
        let hint = pipeline_params::closest(source, SOURCES.iter().map(|s| s.name))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        let known: Vec<&str> = SOURCES.iter().map(|s| s.name).collect();
        return Err(DataError::Invalid(format!("unknown source `{source}`{hint}; known: {}", known.join(", "))));
    };
    if digits.is_some() && !info.takes_digits {
        return Err(DataError::Invalid(format!("source `{source}` takes no input dataset; only moving-digits does")));
    }
    match source {
        "synth-digits" => synth_digits::synth_digits(&Params::from_map(with)?, seed),
        "color-shapes" => color_shapes::color_shapes(&Params::from_map(with)?, seed),
        "moving-digits" => moving_digits::moving_digits(&Params::from_map(with)?, seed, digits),
        "mnist" => mnist::mnist(&Params::from_map(with)?, false, seed),
        "fashion-mnist" => mnist::mnist(&Params::from_map(with)?, true, seed),
        "cifar10" => cifar10::cifar10(&Params::from_map(with)?, seed),
        "image-folder" => image_folder::image_folder(&Params::from_map(with)?, seed),
        _ => unreachable!("every entry of SOURCES has a match arm"),
    }
}
