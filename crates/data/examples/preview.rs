//! Writes preview PNGs of the built-in sources:
//! `cargo run --release -p pipeline-data --example preview -- OUT_DIR`.

use std::path::PathBuf;

use pipeline_data::{preview_png, ColorShapesParams, MovingDigitsParams, SynthDigitsParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "previews".into()));
    std::fs::create_dir_all(&out)?;
    let digits = pipeline_data::synth_digits(&SynthDigitsParams { train: 400, test: 10, ..Default::default() }, 0)?;
    preview_png(&digits, "train", 400, &out.join("synth-digits.png"))?;
    let shapes = pipeline_data::color_shapes(&ColorShapesParams { train: 100, test: 10, ..Default::default() }, 0)?;
    preview_png(&shapes, "train", 100, &out.join("color-shapes.png"))?;
    let keyed = ColorShapesParams { train: 100, test: 10, palette: "by-class".into(), backdrop: "grey".into(), ..Default::default() };
    preview_png(&pipeline_data::color_shapes(&keyed, 0)?, "train", 100, &out.join("color-shapes-by-class.png"))?;
    let video = pipeline_data::moving_digits(&MovingDigitsParams { train: 6, test: 2, frames: 20, digits: 2, ..Default::default() }, 0, None)?;
    preview_png(&video, "train", 6, &out.join("moving-digits.png"))?;
    let video1 = pipeline_data::moving_digits(&MovingDigitsParams { train: 4, test: 2, frames: 20, digits: 1, ..Default::default() }, 1, None)?;
    preview_png(&video1, "train", 4, &out.join("moving-digits-1.png"))?;
    println!("wrote previews to {}", out.display());
    Ok(())
}
