//! Temporal order verification (Misra, Zitnick & Hebert, ECCV 2016, "Shuffle and Learn"):
//! triplets of frames from a video, in order or with the middle frame taken from outside the
//! outer two; binary classification through a per-frame encoder shared by the three frames.
//!
//! As in the paper, five frames a < b < c < d < e are drawn; a positive is (b, c, d) or its
//! reverse (d, c, b), a negative (b, a, d) or (b, e, d) or their reverses. The paper samples
//! from windows with high motion; here a triplet whose frames are not all different (a digit
//! standing still) is drawn again, as its order cannot be seen, and a video where
//! [`ATTEMPTS`] draws all fail gives no triplet.
//!
//! `foreign` (this project's variant, not the paper's; related: the odd-one-out networks of
//! Fernando et al., CVPR 2017) makes part of the negatives from an in-order triplet (b, c, d)
//! whose middle frame shows the digit of another video, cut out by its bounding box and pasted
//! centred where c's digit is. Where the digit is then no longer tells such a negative from a
//! positive: the network has to see that the middle digit is not the outer two's. It assumes
//! frames of one bright object on a black (zero) background, as one-digit moving-digits.

use rand::Rng;

use crate::split::{class_items, invalid};
use crate::{PretextError, PretextSplit, Purpose, Shape, Source};

pipeline_params::params! {
    /// Temporal order verification.
    pub struct TemporalOrderParams {
        /// Triplets drawn from each video.
        copies: usize = 4, range(1, 64);
        /// Fraction of triplets that are in order (label 1).
        positive: f64 = 0.5, range(0.0, 1.0);
        /// Fraction of the negatives that are in order but whose middle frame shows another
        /// video's digit at the place of its own (frames of one bright object on black); 0
        /// (the paper) makes every negative by shuffling.
        foreign: f64 = 0.0, range(0.0, 1.0);
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
    if !(0.0..=1.0).contains(&p.foreign) {
        return Err(invalid(format!("temporal-order: foreign is a fraction of the negatives, in 0..=1, got {}", p.foreign)));
    }
    if p.foreign > 0.0 && src.len < 2 {
        return Err(invalid(format!("temporal-order: foreign negatives take the digit of another video, and a split has {} video(s)", src.len)));
    }
    Ok(class_items(0..src.len, seed, "temporal-order", purpose, |_, i, rng| {
        (0..p.copies)
            .filter_map(|_| {
                let positive = rng.random_bool(p.positive);
                // Drawn only when asked for, so that foreign 0 leaves the stream as it was.
                if !positive && p.foreign > 0.0 && rng.random_bool(p.foreign) {
                    return (0..ATTEMPTS).find_map(|_| foreign_triplet(src, i, rng)).map(|parts| (parts, 0));
                }
                let t = (0..ATTEMPTS).map(|_| triplet(src.frames, positive, rng)).find(|&t| moves(src, i, t))?;
                Some((t.iter().flat_map(|&f| src.frame(i, f).iter().copied()).collect(), in_order(t) as u32))
            })
            .collect()
    }))
}

/// An in-order triplet of video `i` with its middle frame's digit replaced by the digit of a
/// frame of another video; `None` when the triplet does not move or a frame is blank.
fn foreign_triplet(src: &Source, i: usize, rng: &mut impl Rng) -> Option<Vec<u8>> {
    let t = triplet(src.frames, true, rng);
    if !moves(src, i, t) {
        return None;
    }
    let other = (i + 1 + rng.random_range(0..src.len - 1)) % src.len;
    let donor = src.frame(other, rng.random_range(0..src.frames));
    let middle = transplant(src.frame(i, t[1]), donor, src.shape)?;
    if middle == src.frame(i, t[1]) {
        return None;
    }
    Some([src.frame(i, t[0]), &middle, src.frame(i, t[2])].concat())
}

/// The bounding box `[x0, y0, x1, y1]` (ends exclusive) of the pixels of `frame` lit in any
/// channel; `None` for a black frame.
pub fn lit_box(frame: &[u8], shape: Shape) -> Option<[usize; 4]> {
    let plane = shape.plane();
    let lit = |k: usize| (0..shape.channels).any(|c| frame[c * plane + k] != 0);
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for k in (0..plane).filter(|&k| lit(k)) {
        let (x, y) = (k % shape.width, k / shape.width);
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
    }
    (x1 > 0).then_some([x0, y0, x1, y1])
}

/// A black frame with `donor`'s lit box pasted centred on the centre of `frame`'s lit box,
/// shifted inside the frame where it would overhang; `None` if either frame is black.
pub fn transplant(frame: &[u8], donor: &[u8], shape: Shape) -> Option<Vec<u8>> {
    let [x0, y0, x1, y1] = lit_box(frame, shape)?;
    let [u0, v0, u1, v1] = lit_box(donor, shape)?;
    let (w, h) = (u1 - u0, v1 - v0);
    // Corner = centre − half the size, in half pixels (x0 + x1 is twice the centre).
    let left = ((x0 + x1).saturating_sub(w) / 2).min(shape.width - w);
    let top = ((y0 + y1).saturating_sub(h) / 2).min(shape.height - h);
    let mut out = vec![0u8; shape.len()];
    for c in 0..shape.channels {
        let (to, from) = (&mut out[c * shape.plane()..][..shape.plane()], &donor[c * shape.plane()..][..shape.plane()]);
        for r in 0..h {
            to[(top + r) * shape.width + left..][..w].copy_from_slice(&from[(v0 + r) * shape.width + u0..][..w]);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_whether_frames_are_in_order() {
        // Each frame is filled with its own index, so a part tells which frame it is.
        let (videos, frames) = (3, 8);
        let shape = Shape::new(1, 2, 2);
        let images: Vec<u8> = (0..videos * frames).flat_map(|f| vec![(f % frames) as u8; 4]).collect();
        let src = Source::new(&images, videos, frames, shape).unwrap();
        let out = temporal_order(&src, &TemporalOrderParams { copies: 40, ..Default::default() }, 2, Purpose::Train).unwrap();
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
        let out = temporal_order(&Source::new(&once, 1, frames, shape).unwrap(), &TemporalOrderParams { copies: 4, ..Default::default() }, 0, Purpose::Train).unwrap();
        assert_eq!(out.len, 0, "two frames alike in every triplet");
        let still = Source::new(&images[..4], 1, 1, shape).unwrap();
        assert!(temporal_order(&still, &TemporalOrderParams::default(), 0, Purpose::Train).is_err());
    }

    /// FNV-1a over the bytes.
    fn fnv(bytes: impl IntoIterator<Item = u8>) -> u64 {
        bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
    }

    #[test]
    fn without_foreign_negatives_the_triplets_are_as_before() {
        // The checksums of what the generator made before `foreign` existed (same source, seed
        // and parameters): foreign 0 must not move the random stream.
        let (videos, frames, shape) = (5, 10, Shape::new(1, 16, 16));
        let images = blobs(videos, frames, shape);
        let src = Source::new(&images, videos, frames, shape).unwrap();
        let out = temporal_order(&src, &TemporalOrderParams::default(), 9, Purpose::Train).unwrap();
        let sums = (out.len, fnv(out.inputs.iter().copied()), fnv(out.classes().unwrap().iter().map(|&c| c as u8)));
        assert_eq!(sums, (20, 0xc16c0feb579647cd, 0x650ff3703c74a8db));
    }

    #[test]
    fn foreign_negatives_show_another_videos_digit_where_the_middle_one_was() {
        let (videos, frames, shape) = (6, 10, Shape::new(1, 16, 16));
        let images = blobs(videos, frames, shape);
        let src = Source::new(&images, videos, frames, shape).unwrap();
        let p = TemporalOrderParams { copies: 30, foreign: 1.0, ..Default::default() };
        let out = temporal_order(&src, &p, 4, Purpose::Train).unwrap();
        let labels = out.classes().unwrap();
        let mut foreign = 0;
        for (j, &label) in labels.iter().enumerate() {
            let [a, m, b] = [0, 1, 2].map(|k| out.part(j, k, 3, shape.len()));
            let video = |f: &[u8]| (*f.iter().max().unwrap() as usize - 100) / 10;
            let v = video(a);
            assert_eq!((video(b), out.source[j] as usize), (v, v), "the outer frames are the item's video");
            if label == 1 || video(m) == v {
                continue;
            }
            foreign += 1;
            // Video v's frame at time t has its box centre at twice-coordinates (2·(v%4+t) + w,
            // 2·(v%3+t) + h): the outer frames' times, and the middle's place, between them.
            let time = |f: &[u8]| lit_box(f, shape).unwrap()[0] - v % 4;
            let (ta, tb) = (time(a), time(b));
            let centre = |f: &[u8]| lit_box(f, shape).map(|[x0, y0, x1, y1]| (x0 + x1, y0 + y1)).unwrap();
            let (cx, cy) = centre(m);
            let true_middle = (ta.min(tb) + 1..ta.max(tb)).find(|&t| {
                let (tx, ty) = centre(src.frame(v, t));
                tx.abs_diff(cx) <= 2 && ty.abs_diff(cy) <= 2
            });
            let t = true_middle.unwrap_or_else(|| panic!("item {j}: no frame between {ta} and {tb} has its digit at {cx}/2, {cy}/2"));
            assert_ne!(m, src.frame(v, t), "the middle frame differs from its own video's");
            assert_eq!(m.iter().filter(|&&x| x != 0).count(), {
                let [x0, y0, x1, y1] = lit_box(m, shape).unwrap();
                (x1 - x0) * (y1 - y0)
            }, "one pasted rectangle");
        }
        // Half the items are negatives, and all of them foreign.
        assert_eq!(foreign, labels.iter().filter(|&&l| l == 0).count());
        assert!((60..120).contains(&foreign), "{foreign} of {}", labels.len());
        // A foreign fraction outside 0..=1, and foreign negatives with one video, are refused.
        let e = temporal_order(&src, &TemporalOrderParams { foreign: 1.5, ..p }, 4, Purpose::Train).unwrap_err();
        assert!(e.to_string().contains("foreign is a fraction"), "{e}");
        let one = Source::new(&images[..frames * shape.len()], 1, frames, shape).unwrap();
        let e = temporal_order(&one, &p, 4, Purpose::Train).unwrap_err();
        assert!(e.to_string().contains("another video"), "{e}");
    }

    #[test]
    fn a_transplant_centres_the_donor_on_the_frame_s_object_and_stays_inside() {
        let shape = Shape::new(1, 6, 6);
        let mut frame = vec![0u8; 36];
        frame[2 * 6 + 2..][..2].fill(9); // a 2×1 object at (2, 2): centre (3, 2.5)
        let mut donor = vec![0u8; 36];
        for r in 0..3 {
            donor[r * 6..][..4].copy_from_slice(&[1, 2, 3, 4]); // 4×3 at the corner
        }
        let out = transplant(&frame, &donor, shape).unwrap();
        assert_eq!(lit_box(&out, shape), Some([1, 1, 5, 4]));
        assert_eq!(&out[6 + 1..][..4], &[1, 2, 3, 4]);
        // An object at the edge: the donor is shifted inside, not cut.
        let mut edge = vec![0u8; 36];
        edge[5 * 6 + 5] = 1;
        assert_eq!(lit_box(&transplant(&edge, &donor, shape).unwrap(), shape), Some([2, 3, 6, 6]));
        assert_eq!(transplant(&vec![0u8; 36], &donor, shape), None);
    }

    /// `videos` videos of a lit rectangle moving one pixel right and down per frame; video `v`'s
    /// rectangle is (2 + v % 3) wide, (3 + v % 2) high, of brightness 100 + 10·v, and starts at
    /// (v % 4, v % 3).
    fn blobs(videos: usize, frames: usize, shape: Shape) -> Vec<u8> {
        let mut images = vec![0u8; videos * frames * shape.len()];
        for (k, frame) in images.chunks_exact_mut(shape.len()).enumerate() {
            let (v, t) = (k / frames, k % frames);
            let (w, h, x, y) = (2 + v % 3, 3 + v % 2, v % 4 + t, v % 3 + t);
            for r in y..y + h {
                frame[r * shape.width + x..][..w].fill(100 + 10 * v as u8);
            }
        }
        images
    }
}
