//! Colorization (Zhang, Isola & Efros, ECCV 2016, "Colorful Image Colorization"): the input is
//! the L channel of CIE Lab, the target each pixel's ab colour quantised into square bins of
//! side `grid` centred on multiples of it, a classification over the bins the training images
//! use (Zhang et al.'s 313 in-gamut bins), with loss weights that favour rare colours (class
//! rebalancing).

use std::collections::BTreeMap;

use crate::lab::{l_to_byte, rgb_to_lab};
use crate::split::invalid;
use crate::{PretextError, PretextSplit, Shape, Source, Targets};

pipeline_params::params! {
    /// Colorization.
    pub struct ColorizationParams {
        /// Side of the square ab bins; Zhang et al. use 10 (313 in-gamut bins on natural images).
        grid: f64 = 10.0, range(2.0, 110.0);
        /// Rebalancing mix λ: class weights ∝ 1 / ((1 − λ)·p̃ + λ/Q), Zhang et al.'s 0.5; 1 turns rebalancing off.
        rebalance: f64 = 0.5, range(0.0, 1.0);
        /// Standard deviation (ab units) of the Gaussian that smooths the bin distribution p̃ before rebalancing; Zhang et al. use 5.
        sigma: f64 = 5.0, range(0.0, 50.0);
    }
}

/// The ab bins in use: a class per occupied grid square.
#[derive(Debug, Clone, PartialEq)]
pub struct AbBins {
    pub grid: f32,
    /// Each class's bin centre (a, b).
    pub centres: Vec<[f32; 2]>,
    index: BTreeMap<(i32, i32), u16>,
}

impl AbBins {
    /// The grid square of (a, b), centred on a multiple of `grid`. Centred, so that the greys
    /// (ab = 0 up to float error) share one bin: with squares from 0 to `grid` they sat on the
    /// corner of four bins, and the rounding of each grey level picked one of them at random.
    fn square(grid: f32, a: f32, b: f32) -> (i32, i32) {
        ((a / grid).round() as i32, (b / grid).round() as i32)
    }

    /// The bins that `ab` colours occupy, with how many colours fall into each.
    pub fn from_colours(grid: f32, ab: impl Iterator<Item = [f32; 2]>) -> Result<(AbBins, Vec<u64>), PretextError> {
        let mut counts: BTreeMap<(i32, i32), u64> = BTreeMap::new();
        for [a, b] in ab {
            *counts.entry(Self::square(grid, a, b)).or_default() += 1;
        }
        if counts.len() > u16::MAX as usize {
            return Err(invalid(format!("{} ab bins exceed the {} a target can index: use a larger grid", counts.len(), u16::MAX)));
        }
        let index = counts.keys().enumerate().map(|(k, &sq)| (sq, k as u16)).collect();
        let centres = counts.keys().map(|&(i, j)| [i as f32 * grid, j as f32 * grid]).collect();
        Ok((AbBins { grid, centres, index }, counts.into_values().collect()))
    }

    pub fn len(&self) -> usize {
        self.centres.len()
    }

    pub fn is_empty(&self) -> bool {
        self.centres.is_empty()
    }

    /// The class of colour (a, b): its own bin, or the nearest bin in use if its own is not.
    pub fn class_of(&self, a: f32, b: f32) -> u16 {
        if let Some(&k) = self.index.get(&Self::square(self.grid, a, b)) {
            return k;
        }
        let d = |c: &[f32; 2]| (c[0] - a).powi(2) + (c[1] - b).powi(2);
        (0..self.centres.len()).min_by(|&x, &y| d(&self.centres[x]).total_cmp(&d(&self.centres[y]))).unwrap_or(0) as u16
    }
}

/// Zhang et al.'s class weights: the bin distribution smoothed by a Gaussian of `sigma` over the
/// bin centres (p̃), w ∝ 1 / ((1 − λ)·p̃ + λ/Q), scaled so that Σ p̃·w = 1.
pub fn rebalance_weights(bins: &AbBins, counts: &[u64], lambda: f64, sigma: f64) -> Vec<f32> {
    let q = bins.len();
    let total = counts.iter().sum::<u64>().max(1) as f64;
    let p: Vec<f64> = counts.iter().map(|&c| c as f64 / total).collect();
    let smooth: Vec<f64> = if sigma > 0.0 {
        let raw: Vec<f64> = (0..q)
            .map(|i| {
                (0..q)
                    .map(|j| {
                        let d2 = (0..2).map(|k| (bins.centres[i][k] - bins.centres[j][k]) as f64).map(|x| x * x).sum::<f64>();
                        p[j] * (-d2 / (2.0 * sigma * sigma)).exp()
                    })
                    .sum()
            })
            .collect();
        let s: f64 = raw.iter().sum();
        raw.iter().map(|v| v / s).collect()
    } else {
        p
    };
    let w: Vec<f64> = smooth.iter().map(|&v| 1.0 / ((1.0 - lambda) * v + lambda / q as f64)).collect();
    let norm: f64 = smooth.iter().zip(&w).map(|(a, b)| a * b).sum();
    w.iter().map(|v| (v / norm) as f32).collect()
}

/// Lab of every pixel of planar RGB images.
fn lab_pixels<'a>(src: &'a Source) -> impl Iterator<Item = [f32; 3]> + 'a {
    let plane = src.shape.plane();
    (0..src.len).flat_map(move |i| {
        let img = src.image(i);
        (0..plane).map(move |k| rgb_to_lab([img[k], img[plane + k], img[2 * plane + k]]))
    })
}

/// The L inputs and ab-bin targets of `src` under `bins`.
pub fn encode(src: &Source, bins: &AbBins) -> PretextSplit {
    let mut inputs = Vec::with_capacity(src.len * src.shape.plane());
    let mut targets = Vec::with_capacity(src.len * src.shape.plane());
    for [l, a, b] in lab_pixels(src) {
        inputs.push(l_to_byte(l));
        targets.push(bins.class_of(a, b));
    }
    PretextSplit { inputs, targets: Targets::Bins(targets), source: (0..src.len as u32).collect(), len: src.len }
}

/// A colorization task over `train` and `test`: the bins (from the training colours), their
/// rebalancing weights, and both splits (1-channel L inputs of the images' size).
pub fn colorization(train: &Source, test: &Source, p: &ColorizationParams) -> Result<(AbBins, Vec<f32>, PretextSplit, PretextSplit), PretextError> {
    for s in [train, test] {
        s.still("colorization")?;
        if s.shape.channels != 3 {
            return Err(invalid(format!("colorization needs RGB images, and these have {} channel(s)", s.shape.channels)));
        }
    }
    let (bins, counts) = AbBins::from_colours(p.grid as f32, lab_pixels(train).map(|[_, a, b]| [a, b]))?;
    let weights = rebalance_weights(&bins, &counts, p.rebalance, p.sigma);
    Ok((bins.clone(), weights, encode(train, &bins), encode(test, &bins)))
}

/// The shape of a colorization input made from images of `shape`.
pub fn input_shape(shape: Shape) -> Shape {
    Shape::new(1, shape.height, shape.width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{byte_to_l, lab_to_rgb};

    #[test]
    fn bins_cover_the_training_colours_and_map_new_ones_to_the_nearest() {
        let (bins, counts) = AbBins::from_colours(10.0, [[1.0, 1.0], [3.0, 9.0], [-26.0, 41.0], [-4.0, 4.9]].into_iter()).unwrap();
        assert_eq!(bins.centres, vec![[-30.0, 40.0], [0.0, 0.0], [0.0, 10.0]]);
        assert_eq!(counts, vec![1, 2, 1]);
        assert_eq!(bins.class_of(4.9, -4.9), 1);
        assert_eq!(bins.class_of(-34.0, 36.0), 0);
        // Greys, whatever the sign of their float error, share the bin at the origin.
        assert_eq!([bins.class_of(1e-5, -1e-5), bins.class_of(-1e-5, 1e-5)], [1, 1]);
        // An unseen square goes to the nearest bin in use.
        assert_eq!(bins.class_of(-30.0, 60.0), 0);
        assert_eq!(bins.class_of(20.0, -10.0), 1);
    }

    #[test]
    fn rebalancing_matches_a_hand_computation() {
        let (bins, _) = AbBins::from_colours(10.0, [[0.0, 0.0], [100.0, 100.0]].into_iter()).unwrap();
        // p = (0.75, 0.25), λ = 0.5, no smoothing: 1/(0.5·p + 0.25) = (1.6, 2.667), Σ p·w = 1.8667.
        let w = rebalance_weights(&bins, &[3, 1], 0.5, 0.0);
        assert!((w[0] - 0.857_14).abs() < 1e-4 && (w[1] - 1.428_57).abs() < 1e-4, "{w:?}");
        // λ = 1 is no rebalancing; a uniform distribution needs none either.
        assert!(rebalance_weights(&bins, &[3, 1], 1.0, 5.0).iter().all(|v| (v - 1.0).abs() < 1e-6));
        assert!(rebalance_weights(&bins, &[2, 2], 0.5, 5.0).iter().all(|v| (v - 1.0).abs() < 1e-6));
    }

    #[test]
    fn inputs_are_lightness_and_targets_recover_the_colour() {
        // Two 1×2 RGB images: red and green, blue and grey.
        let images = [255, 0, 0, 255, 0, 0, 0, 119, 0, 119, 255, 119];
        let src = Source::new(&images, 2, 1, Shape::new(3, 1, 2)).unwrap();
        let (bins, weights, train, _) = colorization(&src, &src, &ColorizationParams { grid: 4.0, ..Default::default() }).unwrap();
        assert_eq!((bins.len(), weights.len()), (4, 4));
        let Targets::Bins(t) = &train.targets else { panic!() };
        for (k, rgb) in [[255, 0, 0], [0, 255, 0], [0, 0, 255], [119, 119, 119]].into_iter().enumerate() {
            let lab = rgb_to_lab(rgb);
            assert!((byte_to_l(train.inputs[k]) - lab[0]).abs() < 0.2);
            // The target bin's centre is within half a bin of the pixel's ab.
            let [a, b] = bins.centres[t[k] as usize];
            assert!((a - lab[1]).abs() <= 2.0 && (b - lab[2]).abs() <= 2.0, "{rgb:?}: {lab:?} in bin {a}, {b}");
        }
        // L with the bin centre's ab paints grey back as grey.
        {
            let [a, b] = bins.centres[t[3] as usize];
            assert_eq!(lab_to_rgb([byte_to_l(train.inputs[3]), a, b]).map(|v| v.abs_diff(119) <= 6), [true; 3]);
        }
        let grey = Source::new(&[0; 4], 1, 1, Shape::new(1, 2, 2)).unwrap();
        assert!(colorization(&grey, &grey, &ColorizationParams::default()).unwrap_err().to_string().contains("RGB"));
    }
}
