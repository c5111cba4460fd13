//! Relative position (Doersch, Gupta & Efros, ICCV 2015, "Unsupervised Visual Representation
//! Learning by Context Prediction"): the centre tile of a 3×3 grid and one of its 8 neighbours,
//! with a random gap and jitter; the target is which neighbour (8 classes).

use rand::Rng;

use crate::grid::{tile_image, Fit, Grid};
use crate::raster::Rect;
use crate::rotation::cycled_label;
use crate::split::class_items;
use crate::{PretextError, PretextSplit, Purpose, Shape, Source};

pipeline_params::params! {
    /// Relative position of two patches.
    pub struct RelativePositionParams {
        /// Fraction of each grid cell's side left out of its patch (the patch sits at a random place in the cell).
        gap: f64 = 0.25, range(0.0, 0.8);
        /// How a tile becomes a network input of the image's size: `resize` it (content fills the input, seen ~3× larger than in whole images) or `centre` it at its own scale on a zero canvas.
        fit: String = "centre".to_string(), choices("resize", "centre");
        /// Pairs made from each image; 8 pairs every neighbour with the centre once.
        copies: usize = 8, range(1, 64);
    }
}

/// The neighbours' (row, column) offsets from the centre cell, in reading order: class k is
/// `OFFSETS[k]`.
pub const OFFSETS: [(isize, isize); 8] = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)];

/// One pair: part 0 the centre patch, part 1 the patch of neighbour `label`, both resized to
/// the image size; and the two patches' rectangles.
pub fn pair(img: &[u8], shape: Shape, grid: &Grid, fit: Fit, label: usize, rng: &mut impl Rng) -> (Vec<u8>, [Rect; 2]) {
    let (dr, dc) = OFFSETS[label];
    let centre = grid.tile_rect(1, 1, rng);
    let other = grid.tile_rect((1 + dr) as usize, (1 + dc) as usize, rng);
    let mut parts = tile_image(img, shape, centre, fit);
    parts.extend(tile_image(img, shape, other, fit));
    (parts, [centre, other])
}

/// `copies` pairs of every image of `src`.
pub fn relative_position(src: &Source, p: &RelativePositionParams, seed: u64, purpose: Purpose) -> Result<PretextSplit, PretextError> {
    src.still("relative-position")?;
    let grid = Grid::new(src.shape, 3, p.gap)?;
    let fit = Fit::parse(&p.fit)?;
    Ok(class_items(0..src.len, seed, "relative-position", purpose, |_, i, rng| {
        let offset = rng.random_range(0..OFFSETS.len());
        (0..p.copies)
            .map(|k| {
                let label = cycled_label(offset, k, OFFSETS.len());
                (pair(src.image(i), src.shape, &grid, fit, label as usize, rng).0, label)
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item_rng;

    #[test]
    fn patches_come_from_the_claimed_offsets() {
        let shape = Shape::new(1, 28, 28);
        let images: Vec<u8> = (0..2 * shape.len()).map(|v| (v * 11 % 251) as u8).collect();
        let src = Source::new(&images, 2, 1, shape).unwrap();
        let grid = Grid::new(shape, 3, 0.25).unwrap();
        for (label, &(dr, dc)) in OFFSETS.iter().enumerate() {
            let (parts, [c, o]) = pair(src.image(0), shape, &grid, Fit::Centre, label, &mut item_rng(2, "t", Purpose::Train, label));
            assert!(grid.cell_rect(1, 1).contains(c.top, c.left));
            let cell = grid.cell_rect((1 + dr) as usize, (1 + dc) as usize);
            assert!(cell.contains(o.top, o.left) && cell.contains(o.top + o.height - 1, o.left + o.width - 1), "{label}");
            // Along an axis where the neighbour moves, its patch lies wholly on the claimed side.
            if dr != 0 {
                assert_eq!((o.top as isize - c.top as isize).signum(), dr);
            }
            if dc != 0 {
                assert_eq!((o.left as isize - c.left as isize).signum(), dc);
            }
            assert_eq!(&parts[..shape.len()], &tile_image(src.image(0), shape, c, Fit::Centre)[..]);
            assert_eq!(&parts[shape.len()..], &tile_image(src.image(0), shape, o, Fit::Centre)[..]);
        }
        let out = relative_position(&src, &RelativePositionParams::default(), 1, Purpose::Train).unwrap();
        let mut l = out.classes().unwrap()[..8].to_vec();
        l.sort();
        assert_eq!(l, (0..8).collect::<Vec<u32>>());
    }
}
