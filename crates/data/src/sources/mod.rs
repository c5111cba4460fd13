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

/// The names of the sources, as a recipe's `source:` spells them.
pub const SOURCES: [&str; 7] = ["synth-digits", "color-shapes", "moving-digits", "mnist", "fashion-mnist", "cifar10", "image-folder"];

/// The parameter declarations of `source`, or `None` for an unknown name.
pub fn param_specs(source: &str) -> Option<Vec<ParamSpec>> {
    Some(match source {
        "synth-digits" => synth_digits::SynthDigitsParams::specs(),
        "color-shapes" => color_shapes::ColorShapesParams::specs(),
        "moving-digits" => moving_digits::MovingDigitsParams::specs(),
        "mnist" | "fashion-mnist" => mnist::IdxParams::specs(),
        "cifar10" => cifar10::Cifar10Params::specs(),
        "image-folder" => image_folder::ImageFolderParams::specs(),
        _ => return None,
    })
}

/// Runs the source named `source` with the recipe's `with:` map. `digits` is the optional digit
/// dataset of `moving-digits`; giving it to another source is an error.
pub fn ingest(source: &str, with: &ParamMap, seed: u64, digits: Option<&Dataset>) -> Result<Dataset, DataError> {
    if !SOURCES.contains(&source) {
        let hint = pipeline_params::closest(source, SOURCES).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
        return Err(DataError::Invalid(format!("unknown source `{source}`{hint}; known: {}", SOURCES.join(", "))));
    }
    if digits.is_some() && source != "moving-digits" {
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
