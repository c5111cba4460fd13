//! Gaussian pixel noise over a whole dataset: each item (an image, or a video with all its
//! frames) draws its own level uniformly up to a largest standard deviation, as a camera's sensor
//! noise varies from shot to shot, and every pixel of every frame its own noise at that level.
//!
//! Why a transform of its own: random conv filters pass pixel noise on to a probe, while trained
//! filters can learn to look past it, so noisy data tell learnt features from random ones where
//! clean built-in digits do not (a random convnet's features already separate clean digits).
//! Applied alike to a pretext task's videos and to the labelled images that judge its encoder,
//! it gives both the same kind of noise over the whole canvas.

use rand::Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use crate::rng::{item_rng, Purpose};
use crate::{Dataset, Split};

/// `data` with Gaussian noise of per-item standard deviation drawn from [0, `sigma`] (on the
/// [0, 1] pixel scale), clamped to the pixel range. Labels and layout are kept; the noise of an
/// item depends only on `seed`, its split and its index.
pub fn noisy(data: &Dataset, sigma: f64, seed: u64) -> Dataset {
    let item_len = data.layout.item_len();
    let split = |s: &Split, purpose: Purpose| {
        let mut images = s.images.clone();
        images.par_chunks_mut(item_len.max(1)).enumerate().for_each(|(i, item)| {
            let mut rng = item_rng(seed, purpose, i);
            let level = rng.random_range(0.0..=sigma) as f32 * 255.0;
            if level == 0.0 {
                return;
            }
            let gauss = Normal::new(0.0f32, level).expect("the level is finite and positive");
            for px in item.iter_mut() {
                *px = (*px as f32 + gauss.sample(&mut rng)).round().clamp(0.0, 255.0) as u8;
            }
        });
        Split { images, labels: s.labels.clone(), len: s.len }
    };
    let source = format!("{}+noise{sigma}", data.source);
    Dataset::new(&source, data.layout, data.classes.clone(), split(&data.train, Purpose::Train), split(&data.test, Purpose::Test))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    /// `n` mid-grey 8×8 items of `frames` frames.
    fn grey(n: usize, frames: usize) -> Dataset {
        let layout = Layout { frames, channels: 1, height: 8, width: 8 };
        let split = Split { images: vec![128; n * layout.item_len()], labels: Some((0..n as u32).collect()), len: n };
        Dataset::new("grey", layout, vec![], split.clone(), split)
    }

    /// Standard deviation of `px` on the [0, 1] scale.
    fn spread(px: &[u8]) -> f64 {
        let mean = px.iter().map(|&v| v as f64).sum::<f64>() / px.len() as f64;
        (px.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / px.len() as f64).sqrt() / 255.0
    }

    #[test]
    fn each_item_draws_its_own_level_up_to_sigma() {
        let d = grey(200, 1);
        let out = noisy(&d, 0.2, 3);
        assert_eq!((out.layout, &out.train.labels, out.source.as_str()), (d.layout, &d.train.labels, "grey+noise0.2"));
        let levels: Vec<f64> = out.train.images.chunks(64).map(spread).collect();
        // 64 pixels estimate a level within ~20 %; the levels spread over [0, 0.2].
        assert!(levels.iter().all(|&l| l < 0.2 * 1.4), "{levels:?}");
        assert!(levels.iter().any(|&l| l < 0.03) && levels.iter().any(|&l| l > 0.15), "{levels:?}");
        let mean = out.train.images.iter().map(|&v| v as f64).sum::<f64>() / out.train.images.len() as f64;
        assert!((mean - 128.0).abs() < 1.0, "mid-grey stays mid-grey on average: {mean}");
        // The same seed gives the same noise; another seed, and the test split, other noise.
        assert_eq!(noisy(&d, 0.2, 3).train.images, out.train.images);
        assert_ne!(noisy(&d, 0.2, 4).train.images, out.train.images);
        assert_ne!(out.test.images, out.train.images);
        assert_eq!(noisy(&d, 0.0, 3).train.images, d.train.images);
    }

    #[test]
    fn frames_of_a_video_share_a_level_but_not_their_noise() {
        let d = grey(50, 4);
        let out = noisy(&d, 0.3, 1);
        for video in out.train.images.chunks(4 * 64) {
            let frames: Vec<&[u8]> = video.chunks(64).collect();
            let levels: Vec<f64> = frames.iter().map(|f| spread(f)).collect();
            let all = spread(video);
            // (A level below half a grey step leaves a video as it was.)
            assert!(all < 0.01 || frames[0] != frames[1]);
            assert!(levels.iter().all(|&l| (l - all).abs() < 0.35 * all + 0.01), "{levels:?} against {all}");
        }
        // Pixels at the ends of the range are clamped, not wrapped.
        let mut white = grey(100, 1);
        white.train.images.fill(255);
        let out = noisy(&white, 0.5, 2);
        let mean = out.train.images.iter().map(|&v| v as f64).sum::<f64>() / out.train.images.len() as f64;
        assert!(out.train.images.iter().any(|&v| v < 200) && mean > 200.0, "mean {mean}");
    }
}
