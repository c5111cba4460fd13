//! What generators read ([`Source`]) and write ([`PretextSplit`]): u8 planar images, items
//! stored back to back, and the seeded per-item random streams.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Why a generator cannot run on its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PretextError {
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn invalid(msg: impl Into<String>) -> PretextError {
    PretextError::Invalid(msg.into())
}

/// The shape of one image (or one part of an item): channels × height × width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl Shape {
    pub fn new(channels: usize, height: usize, width: usize) -> Self {
        Self { channels, height, width }
    }
    /// Bytes of one image.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn plane(&self) -> usize {
        self.height * self.width
    }
}

/// The images a task reads: `len` items of `frames` images of `shape` each, back to back.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub images: &'a [u8],
    pub len: usize,
    pub frames: usize,
    pub shape: Shape,
}

impl<'a> Source<'a> {
    /// Checks that `images` holds exactly `len` items.
    pub fn new(images: &'a [u8], len: usize, frames: usize, shape: Shape) -> Result<Self, PretextError> {
        if shape.is_empty() || frames == 0 {
            return Err(invalid(format!("images of shape {shape:?} × {frames} frames hold no pixels")));
        }
        if images.len() != len * frames * shape.len() {
            return Err(invalid(format!("{} bytes do not hold {len} items of {frames}×{:?}", images.len(), shape)));
        }
        Ok(Self { images, len, frames, shape })
    }
    /// Image `i` of a still-image source (frame 0 of a video).
    pub fn image(&self, i: usize) -> &'a [u8] {
        self.frame(i, 0)
    }
    /// Frame `t` of item `i`.
    pub fn frame(&self, i: usize, t: usize) -> &'a [u8] {
        let n = self.shape.len();
        let start = (i * self.frames + t) * n;
        &self.images[start..start + n]
    }
    /// Fails unless the source holds still images (one frame per item).
    pub fn still(&self, task: &str) -> Result<(), PretextError> {
        if self.frames != 1 {
            return Err(invalid(format!("{task} works on still images, and the dataset holds {}-frame videos", self.frames)));
        }
        Ok(())
    }
}

/// The generated targets of a split, one entry (or one block) per item.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// A class index per item.
    Classes(Vec<u32>),
    /// A class index per pixel (colorization's ab bins), `height × width` per item.
    Bins(Vec<u16>),
    /// Pixels to reconstruct (inpainting's masked region), a fixed-size block per item.
    Pixels(Vec<u8>),
}

/// A generated split: `len` items of `parts` images each, their targets, and the source item
/// each was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct PretextSplit {
    pub inputs: Vec<u8>,
    pub targets: Targets,
    pub source: Vec<u32>,
    pub len: usize,
}

impl PretextSplit {
    /// Part `p` of item `i` (each part `part_len` bytes, `parts` per item).
    pub fn part(&self, i: usize, p: usize, parts: usize, part_len: usize) -> &[u8] {
        let start = (i * parts + p) * part_len;
        &self.inputs[start..start + part_len]
    }
    /// The class targets, if the task made classes.
    pub fn classes(&self) -> Option<&[u32]> {
        match &self.targets {
            Targets::Classes(c) => Some(c),
            _ => None,
        }
    }
}

/// Which split a stream draws for; each gets its own range of ChaCha stream ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Train = 1,
    Test = 2,
    /// Choices that are not per item (exemplar's seed images, the permutation set).
    Setup = 3,
}

/// The random stream of source item `index` of `purpose` for `task` under `seed`.
pub fn item_rng(seed: u64, task: &str, purpose: Purpose, index: usize) -> ChaCha8Rng {
    let salt = task.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ salt);
    rng.set_stream(((purpose as u64) << 56) | index as u64);
    rng
}

/// Items made image by image: for the `n`-th of `indices` (source item `i`), `make(n, i, rng)`
/// returns its items as (parts, class), `rng` being that source item's own stream.
pub(crate) fn class_items(
    indices: impl Iterator<Item = usize>,
    seed: u64,
    task: &str,
    purpose: Purpose,
    mut make: impl FnMut(usize, usize, &mut ChaCha8Rng) -> Vec<(Vec<u8>, u32)>,
) -> PretextSplit {
    let (mut inputs, mut labels, mut source) = (Vec::new(), Vec::new(), Vec::new());
    for (n, i) in indices.enumerate() {
        for (parts, label) in make(n, i, &mut item_rng(seed, task, purpose, i)) {
            inputs.extend(parts);
            labels.push(label);
            source.push(i as u32);
        }
    }
    let len = labels.len();
    PretextSplit { inputs, targets: Targets::Classes(labels), source, len }
}

/// Per-channel mean and standard deviation on the [0, 1] scale of images of `shape` stored
/// back to back (a constant channel gets std 1 so that standardising never divides by zero).
pub fn channel_stats(images: &[u8], shape: Shape) -> (Vec<f32>, Vec<f32>) {
    let c = shape.channels;
    let mut sum = vec![0f64; c];
    let mut sq = vec![0f64; c];
    let mut count = vec![0u64; c];
    for (p, plane) in images.chunks(shape.plane()).enumerate() {
        let ch = p % c;
        for &v in plane {
            let x = v as f64 / 255.0;
            sum[ch] += x;
            sq[ch] += x * x;
        }
        count[ch] += plane.len() as u64;
    }
    let mean: Vec<f32> = (0..c).map(|k| (sum[k] / count[k].max(1) as f64) as f32).collect();
    let std = (0..c)
        .map(|k| {
            let n = count[k].max(1) as f64;
            let var = (sq[k] / n - (sum[k] / n).powi(2)).max(0.0);
            if var > 1e-12 { var.sqrt() as f32 } else { 1.0 }
        })
        .collect();
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_depend_on_task_purpose_and_item() {
        let draw = |task, purpose, i| item_rng(3, task, purpose, i).random::<u64>();
        assert_eq!(draw("rotation", Purpose::Train, 5), draw("rotation", Purpose::Train, 5));
        assert_ne!(draw("rotation", Purpose::Train, 5), draw("rotation", Purpose::Train, 6));
        assert_ne!(draw("rotation", Purpose::Train, 5), draw("rotation", Purpose::Test, 5));
        assert_ne!(draw("rotation", Purpose::Train, 5), draw("jigsaw", Purpose::Train, 5));
    }

    #[test]
    fn stats_per_channel_and_bad_sources() {
        // Two 2-channel 1×2 images: channel 0 is {0, 255, 0, 255}, channel 1 is constant 51.
        let (mean, std) = channel_stats(&[0, 255, 51, 51, 0, 255, 51, 51], Shape::new(2, 1, 2));
        assert_eq!(mean, vec![0.5, 0.2]);
        assert!((std[0] - 0.5).abs() < 1e-6 && std[1] == 1.0);
        assert!(Source::new(&[0; 7], 2, 1, Shape::new(1, 2, 2)).is_err());
        let s = Source::new(&[0; 16], 2, 2, Shape::new(1, 2, 2)).unwrap();
        assert!(s.still("rotation").unwrap_err().to_string().contains("2-frame"));
    }
}
