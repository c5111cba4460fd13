//! Rotation prediction (Gidaris, Singh & Komodakis, ICLR 2018, "Unsupervised Representation
//! Learning by Predicting Image Rotations"): each image turned by 0°, 90°, 180° or 270°; the
//! target is which (4 classes).

use rand::Rng;

use crate::raster::rotate90;
use crate::split::{class_items, invalid};
use crate::{PretextError, PretextSplit, Purpose, Source};

pipeline_params::params! {
    /// Rotation prediction.
    pub struct RotationParams {
        /// Rotated copies of each image; 4 shows every image at all four angles, as Gidaris et al. train.
        copies: usize = 4, range(1, 64);
    }
}

/// The number of classes: quarter turns 0..4.
pub const CLASSES: usize = 4;

/// Copy `k` of an image whose labels start at `offset` gets label `(offset + k) mod classes`:
/// `classes` copies cover every class once, fewer copies a random run of them.
pub fn cycled_label(offset: usize, k: usize, classes: usize) -> u32 {
    ((offset + k) % classes) as u32
}

/// Every image of `src` in `copies` rotations; label k means turned counter-clockwise by k·90°.
pub fn rotation(src: &Source, p: &RotationParams, seed: u64, purpose: Purpose) -> Result<PretextSplit, PretextError> {
    src.still("rotation")?;
    if src.shape.height != src.shape.width {
        return Err(invalid(format!(
            "rotation needs square images (a quarter turn changes a {}×{} image's shape)",
            src.shape.height, src.shape.width
        )));
    }
    Ok(class_items(0..src.len, seed, "rotation", purpose, |_, i, rng| {
        let offset = rng.random_range(0..CLASSES);
        (0..p.copies)
            .map(|k| {
                let label = cycled_label(offset, k, CLASSES);
                (rotate90(src.image(i), src.shape, label as usize), label)
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Shape;

    #[test]
    fn turning_back_by_the_label_gives_the_original() {
        let shape = Shape::new(2, 5, 5);
        let images: Vec<u8> = (0..3 * shape.len()).map(|v| (v * 37 % 251) as u8).collect();
        let src = Source::new(&images, 3, 1, shape).unwrap();
        let out = rotation(&src, &RotationParams { copies: 4 }, 9, Purpose::Train).unwrap();
        assert_eq!(out.len, 12);
        let labels = out.classes().unwrap();
        for (j, &label) in labels.iter().enumerate() {
            let item = out.part(j, 0, 1, shape.len());
            let back = rotate90(item, shape, (4 - label as usize) % 4);
            assert_eq!(back, src.image(out.source[j] as usize), "item {j} label {label}");
            // Only the unturned copy equals the original (these images have no symmetry).
            assert_eq!(item == src.image(out.source[j] as usize), label == 0);
        }
        // Four copies show each image at all four angles.
        for i in 0..3 {
            let mut l: Vec<u32> = (0..4).map(|k| labels[i * 4 + k]).collect();
            l.sort();
            assert_eq!(l, vec![0, 1, 2, 3]);
        }
        let again = rotation(&src, &RotationParams { copies: 4 }, 9, Purpose::Train).unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn non_square_and_video_inputs_are_refused() {
        let images = vec![0u8; 6];
        let e = rotation(&Source::new(&images, 1, 1, Shape::new(1, 2, 3)).unwrap(), &RotationParams::default(), 0, Purpose::Train);
        assert!(e.unwrap_err().to_string().contains("square"));
        let e = rotation(&Source::new(&images[..4], 1, 2, Shape::new(1, 1, 2)).unwrap(), &RotationParams::default(), 0, Purpose::Train);
        assert!(e.unwrap_err().to_string().contains("frame"));
    }
}
