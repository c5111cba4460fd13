//! Temporal order verification (Misra, Zitnick & Hebert, ECCV 2016, "Shuffle and Learn"):
//! triplets of frames from a video, in order or with the middle frame taken from outside the
//! outer two; binary classification through a per-frame encoder shared by the three frames.
//!
//! As in the paper, five frames a < b < c < d < e are drawn; a positive is (b, c, d) or its
//! reverse (d, c, b), a negative (b, a, d) or (b, e, d) or their reverses. The paper samples
//! from windows with high motion; here a triplet whose frames are not all different (a digit
//! standing still) is drawn again, as its order cannot be seen, and a video where
//! [`ATTEMPTS`] draws all fail gives no triplet.

use rand::Rng;

use crate::split::{class_items, invalid};
use crate::{PretextError, PretextSplit, Purpose, Source};

pipeline_params::params! {
    /// Temporal order verification.
    pub struct TemporalOrderParams {
        /// Triplets drawn from each video.
        copies: usize = 4, range(1, 64);
        /// Fraction of triplets that are in order (label 1).
        positive: f64 = 0.5, range(0.0, 1.0);
    }
}

/// Whether frame indices run monotonically (forwards or backwards).
pub fn in_order(t: [usize; 3]) -> bool {
    (t[0] < t[1] && t[1] < t[2]) || (t[0] > t[1] && t[1] > t[2])
}

/// Frame indices of one triplet from a video of `frames` frames (at least 5).
pub fn triplet(frames: usize, positive: bool, rng: &mut impl Rng) -> [usize; 3] {
    let mut five = rand::seq::index::sample(rng, frames, 5).into_vec();
    five.sort_unstable();
    let [a, b, c, d, e] = [five[0], five[1], five[2], five[3], five[4]];
    let t = if positive { [b, c, d] } else if rng.random_bool(0.5) { [b, a, d] } else { [b, e, d] };
    if rng.random_bool(0.5) { [t[2], t[1], t[0]] } else { t }
}

/// Draws of a triplet with motion before a video's copy is given up.
pub const ATTEMPTS: usize = 16;

/// Whether the three frames of `t` of video `i` all differ, so that their order shows.
fn moves(src: &Source, i: usize, t: [usize; 3]) -> bool {
    let f = t.map(|k| src.frame(i, k));
    f[0] != f[1] && f[1] != f[2] && f[0] != f[2]
}

/// `copies` triplets of every video of `src`; label 1 means in order.
pub fn temporal_order(src: &Source, p: &TemporalOrderParams, seed: u64, purpose: Purpose) -> Result<PretextSplit, PretextError> {
    if src.frames < 5 {
        return Err(invalid(format!("temporal-order draws 5 frames per video, and these videos have {} (a still-image dataset has 1)", src.frames)));
    }
    Ok(class_items(0..src.len, seed, "temporal-order", purpose, |_, i, rng| {
        (0..p.copies)
            .filter_map(|_| {
                let positive = rng.random_bool(p.positive);
                let t = (0..ATTEMPTS).map(|_| triplet(src.frames, positive, rng)).find(|&t| moves(src, i, t))?;
                Some((t.iter().flat_map(|&f| src.frame(i, f).iter().copied()).collect(), in_order(t) as u32))
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Shape;

    #[test]
    fn labels_say_whether_frames_are_in_order() {
        // Each frame is filled with its own index, so a part tells which frame it is.
        let (videos, frames) = (3, 8);
        let shape = Shape::new(1, 2, 2);
        let images: Vec<u8> = (0..videos * frames).flat_map(|f| vec![(f % frames) as u8; 4]).collect();
        let src = Source::new(&images, videos, frames, shape).unwrap();
        let out = temporal_order(&src, &TemporalOrderParams { copies: 40, positive: 0.5 }, 2, Purpose::Train).unwrap();
        let labels = out.classes().unwrap();
        let mut positives = 0;
        assert_eq!(labels.len(), out.len);
        for (j, &label) in labels.iter().enumerate() {
            let t = [0, 1, 2].map(|k| out.part(j, k, 3, 4)[0] as usize);
            assert_eq!(label == 1, in_order(t), "{t:?}");
            positives += label;
        }
        assert!((40..80).contains(&positives), "{positives} of 120");
        assert!(in_order([5, 3, 1]) && !in_order([1, 5, 3]));
        // A video whose frames are all alike shows no order and gives no triplet, nor does one
        // where a single frame differs (every triplet then holds two alike).
        let frozen = vec![9u8; frames * 4];
        let out = temporal_order(&Source::new(&frozen, 1, frames, shape).unwrap(), &TemporalOrderParams::default(), 0, Purpose::Train).unwrap();
        assert_eq!(out.len, 0);
        let mut once: Vec<u8> = vec![9u8; frames * 4];
        once[4..8].fill(1);
        let out = temporal_order(&Source::new(&once, 1, frames, shape).unwrap(), &TemporalOrderParams { copies: 4, positive: 0.5 }, 0, Purpose::Train).unwrap();
        assert_eq!(out.len, 0, "two frames alike in every triplet");
        let still = Source::new(&images[..4], 1, 1, shape).unwrap();
        assert!(temporal_order(&still, &TemporalOrderParams::default(), 0, Purpose::Train).is_err());
    }
}
