//! `synth-digits`: MNIST-like handwritten digits drawn from the pen strokes in [`crate::glyphs`],
//! each bent by a smooth random displacement field, warped by a random affine map (rotation,
//! shear, aspect), fitted into a box MNIST-style, stroked with a random pen width and noised.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::affine::Affine;
use crate::classes::{owned, DIGITS};
use crate::generate::generate_split;
use crate::glyphs::{glyph, variants};
use crate::raster::Canvas;
use crate::rng::Purpose;
use crate::subset::finish;
use crate::{DataError, Dataset, Layout};

pipeline_params::params! {
    /// Synthetic 10-class grayscale digits, MNIST-like (labels 0-9).
    pub struct SynthDigitsParams {
        /// Number of training images.
        train: usize = 10000, range(1, 1000000);
        /// Number of test images.
        test: usize = 2000, range(1, 1000000);
        /// Keep only this many labelled training images per class (a stratified, seeded subset); unset keeps all.
        low_shot: Option<usize> = None, range(1, 1000000);
        /// Side of the square images in pixels (MNIST: 28).
        size: usize = 28, range(16, 256);
        /// Strength of the random warps (rotation, shear, aspect, bending, placement); 0 draws the glyphs straight.
        warp: f64 = 1.0, range(0.0, 2.0);
        /// Largest standard deviation of the Gaussian pixel noise (each image draws its own level up to this), on the [0, 1] scale.
        noise: f64 = 0.06, range(0.0, 0.5);
    }
}

/// Generates the `synth-digits` dataset; the same parameters and seed give the same bytes.
pub fn synth_digits(p: &SynthDigitsParams, seed: u64) -> Result<Dataset, DataError> {
    let layout = Layout::image(1, p.size, p.size);
    let split = |n, purpose| {
        generate_split("synth-digits", n, layout.item_len(), seed, purpose, |rng, item| {
            let digit = rng.random_range(0..10);
            draw_digit(digit, rng, p.size, p.warp as f32, p.noise as f32, item);
            Some(digit as u32)
        })
    };
    let (train, test) = (split(p.train, Purpose::Train)?, split(p.test, Purpose::Test)?);
    finish("synth-digits", layout, owned(&DIGITS), train, test, p.low_shot, seed)
}

/// Draws one `size`×`size` image of `digit` into `out` (row-major u8).
pub fn draw_digit(digit: usize, rng: &mut ChaCha8Rng, size: usize, warp: f32, noise: f32, out: &mut [u8]) {
    let strokes = glyph(digit, rng.random_range(0..variants(digit)));
    let bend = Bend::random(rng, warp);
    let mut sym = |r: f32| rng.random_range(-r..=r) * warp;
    // Shape warps about the glyph centre: aspect, italic slant, rotation.
    let (aspect, shear, angle) = (1.0 + sym(0.2), sym(0.35), sym(0.3));
    let shape = Affine::rotate(angle)
        .after(&Affine::shear_x(shear))
        .after(&Affine::scale(aspect, 1.0))
        .after(&Affine::translate(-0.5, -0.5));
    let strokes: Vec<Vec<(f32, f32)>> =
        strokes.iter().map(|s| s.iter().map(|&p| shape.apply(bend.apply(p))).collect()).collect();

    // MNIST fits each digit's larger side to a fixed box and centres it; we draw the box size and
    // the centring offset at random so position and scale also vary.
    let (mut lo, mut hi) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
    for &(x, y) in strokes.iter().flatten() {
        lo = (lo.0.min(x), lo.1.min(y));
        hi = (hi.0.max(x), hi.1.max(y));
    }
    let s = size as f32;
    let extent = (hi.0 - lo.0).max(hi.1 - lo.1).max(1e-3);
    let scale = s * rng.random_range(0.62..=0.76) / extent;
    let pen = s * rng.random_range(0.065..=0.12);
    let (w, h) = ((hi.0 - lo.0) * scale, (hi.1 - lo.1) * scale);
    // Keep a thin empty border, as MNIST does (its digits sit in a 20-pixel box).
    let room = |len: f32| ((s - len - pen) / 2.0 - 0.05 * s).max(0.0);
    let shift = |len: f32, r: &mut ChaCha8Rng| (r.random_range(-0.07..=0.07) * s * warp).clamp(-room(len), room(len));
    let (cx, cy) = (s / 2.0 + shift(w, rng), s / 2.0 + shift(h, rng));
    let place = Affine::translate(cx, cy)
        .after(&Affine::scale(scale, scale))
        .after(&Affine::translate(-(lo.0 + hi.0) / 2.0, -(lo.1 + hi.1) / 2.0));

    let mut canvas = Canvas::new(size, size);
    let ink = rng.random_range(0.85..=1.0);
    for stroke in &strokes {
        let pts: Vec<(f32, f32)> = stroke.iter().map(|&p| place.apply(p)).collect();
        canvas.stroke(&pts, pen, ink);
    }
    let sigma = rng.random_range(0.0..=noise.max(0.0));
    let gauss = Normal::new(0.0f32, sigma.max(1e-9)).expect("sigma is finite and positive");
    for (o, v) in out.iter_mut().zip(&canvas.pixels) {
        let x = if sigma > 0.0 { v + gauss.sample(rng) } else { *v };
        *o = (x.clamp(0.0, 1.0) * 255.0).round() as u8;
    }
}

/// A smooth random displacement field (a sum of a few plane waves), which bends strokes the way
/// an unsteady hand does while keeping them continuous.
struct Bend {
    waves: [(f32, f32, f32, f32, f32); 3],
}

impl Bend {
    fn random(rng: &mut ChaCha8Rng, warp: f32) -> Self {
        let mut wave = || {
            let (dir, freq) = (rng.random_range(0.0..std::f32::consts::TAU), rng.random_range(2.0..5.0f32));
            let push = rng.random_range(0.0..std::f32::consts::TAU);
            let amp = rng.random_range(0.02..0.08) * warp;
            (freq * dir.cos(), freq * dir.sin(), rng.random_range(0.0..std::f32::consts::TAU), amp * push.cos(), amp * push.sin())
        };
        Bend { waves: [wave(), wave(), wave()] }
    }
    fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        self.waves.iter().fold((x, y), |(px, py), &(fx, fy, phase, ax, ay)| {
            let s = (fx * x + fy * y + phase).sin();
            (px + ax * s, py + ay * s)
        })
    }
}
