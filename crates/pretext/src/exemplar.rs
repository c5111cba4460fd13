//! Exemplar CNN (Dosovitskiy et al., NIPS 2014, "Discriminative Unsupervised Feature Learning
//! with Convolutional Neural Networks"): N seed images, each a surrogate class of random
//! augmentations — translation, scaling, rotation, contrast, gamma ("contrast 2") and, for RGB,
//! per-channel colour gains; N-way classification.

use rand::Rng;

use crate::raster::warp;
use crate::split::{class_items, invalid};
use crate::{item_rng, PretextError, PretextSplit, Purpose, Shape, Source};

pipeline_params::params! {
    /// Exemplar surrogate classes.
    pub struct ExemplarParams {
        /// Seed images, i.e. surrogate classes (drawn from the training split).
        seeds: usize = 500, range(2, 100000);
        /// Augmentations of each seed in the pretext training split (Dosovitskiy et al. use 100 or more).
        copies: usize = 32, range(1, 10000);
        /// Augmentations of each seed in the pretext test split (fresh draws of the same seeds).
        test_copies: usize = 4, range(1, 10000);
        /// Scale of every augmentation's range (1: ±20° rotation, scale 0.7–1.4, ±20% shift, contrast and gamma ×/÷ 2, colour gains ×/÷ 1.2).
        strength: f64 = 1.0, range(0.0, 2.0);
    }
}

/// `n` distinct item indices of `len`, chosen by `seed`.
pub fn choose_seeds(len: usize, n: usize, seed: u64) -> Result<Vec<usize>, PretextError> {
    if n > len {
        return Err(invalid(format!("exemplar needs {n} seed images and the training split has {len}")));
    }
    let mut picked = rand::seq::index::sample(&mut item_rng(seed, "exemplar", Purpose::Setup, 0), len, n).into_vec();
    picked.sort_unstable();
    Ok(picked)
}

/// One random augmentation of `img`; strength 0 returns it unchanged.
pub fn augment(img: &[u8], shape: Shape, rng: &mut impl Rng, strength: f64) -> Vec<u8> {
    let s = strength as f32;
    let mut sym = |r: f32| rng.random_range(-1.0f32..=1.0) * r * s;
    let angle = sym(20f32.to_radians());
    // e^±0.34 ≈ 0.71–1.4.
    let scale = (sym(0.34)).exp();
    let (tx, ty) = (sym(0.2) * shape.width as f32, sym(0.2) * shape.height as f32);
    let contrast = (sym(std::f32::consts::LN_2)).exp();
    let gamma = (sym(std::f32::consts::LN_2)).exp();
    let gains: Vec<f32> = (0..shape.channels).map(|_| if shape.channels == 3 { (sym(0.18)).exp() } else { 1.0 }).collect();
    // Output pixel p reads source point c + R(−θ)(p − c − t)/scale.
    let (cx, cy) = ((shape.width as f32 - 1.0) / 2.0, (shape.height as f32 - 1.0) / 2.0);
    let (sn, cs) = (-angle).sin_cos();
    let (a, b, d, e) = (cs / scale, -sn / scale, sn / scale, cs / scale);
    let (ox, oy) = (-cx - tx, -cy - ty);
    let inverse = [a, b, a * ox + b * oy + cx, d, e, d * ox + e * oy + cy];
    let mut out = warp(img, shape, inverse);
    let mean = out.iter().map(|&v| v as f32).sum::<f32>() / out.len().max(1) as f32;
    for (p, plane) in out.chunks_mut(shape.plane()).enumerate() {
        for v in plane.iter_mut() {
            let x = (*v as f32 - mean) * contrast + mean;
            let x = 255.0 * (x.clamp(0.0, 255.0) / 255.0).powf(gamma) * gains[p % shape.channels];
            *v = x.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// `copies` augmentations of each seed image (`seeds` index `src`); class k is seed k.
pub fn exemplar(src: &Source, seeds: &[usize], copies: usize, strength: f64, seed: u64, purpose: Purpose) -> Result<PretextSplit, PretextError> {
    src.still("exemplar")?;
    Ok(class_items(seeds.iter().copied(), seed, "exemplar", purpose, |k, i, rng| {
        (0..copies).map(|_| (augment(src.image(i), src.shape, rng, strength), k as u32)).collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_seeds_and_augmentations_vary() {
        let shape = Shape::new(3, 16, 16);
        let images: Vec<u8> = (0..10 * shape.len()).map(|v| ((v * 7) % 200 + 20) as u8).collect();
        let src = Source::new(&images, 10, 1, shape).unwrap();
        let seeds = choose_seeds(10, 4, 1).unwrap();
        assert_eq!(seeds.len(), 4);
        assert!(seeds.windows(2).all(|w| w[0] < w[1]));
        assert!(choose_seeds(3, 4, 1).is_err());
        let out = exemplar(&src, &seeds, 3, 1.0, 5, Purpose::Train).unwrap();
        assert_eq!(out.classes().unwrap(), &[0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
        assert_eq!(out.source[3] as usize, seeds[1]);
        let n = shape.len();
        assert_ne!(out.inputs[..n], out.inputs[n..2 * n]);
        // Test draws differ from training draws of the same seed.
        let test = exemplar(&src, &seeds, 3, 1.0, 5, Purpose::Test).unwrap();
        assert_ne!(test.inputs[..n], out.inputs[..n]);
        // Strength 0 is the identity.
        let mut rng = item_rng(0, "t", Purpose::Train, 0);
        assert_eq!(augment(src.image(2), shape, &mut rng, 0.0), src.image(2));
    }
}
