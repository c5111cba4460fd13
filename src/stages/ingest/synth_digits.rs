//! Built-in generators: `synth-digits` (MNIST-like digits from the project's own glyphs) and
//! `color-shapes` (RGB shapes on textured backgrounds). No files needed; deterministic by seed.

use pipeline_data::sources::color_shapes::{color_shapes, ColorShapesParams};
use pipeline_data::{synth_digits, SynthDigitsParams};

use super::ingest_method;

ingest_method!(
    SynthDigits,
    "synth-digits",
    "10-class 28×28 grayscale digits with random warps, stroke widths and noise (generated, deterministic by seed)",
    SynthDigitsParams,
    true,
    |p, seed| synth_digits(&p, seed)
);

ingest_method!(
    ColorShapes,
    "color-shapes",
    "32×32 RGB shapes of several classes with random colours, positions, sizes and textured backgrounds (generated)",
    ColorShapesParams,
    true,
    |p, seed| color_shapes(&p, seed)
);
