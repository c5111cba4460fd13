//! Jigsaw puzzles (Noroozi & Favaro, ECCV 2016, "Unsupervised Learning of Visual
//! Representations by Solving Jigsaw Puzzles"): the image cut into a 3×3 grid of tiles with a
//! random gap and jitter, the tiles shuffled by one permutation of a fixed set; the target is
//! the permutation's index.

use rand::Rng;

use crate::grid::{tile_image, Fit, Grid};
use crate::permutations::PermutationSet;
use crate::raster::Rect;
use crate::split::class_items;
use crate::{PretextError, PretextSplit, Purpose, Shape, Source};

pipeline_params::params! {
    /// Jigsaw puzzles.
    pub struct JigsawParams {
        /// Size of the permutation set (the number of classes); Noroozi & Favaro use 100 to 1000.
        permutations: usize = 100, range(2, 1000);
        /// Fraction of each grid cell's side left out of its tile (the tile sits at a random place in the cell).
        gap: f64 = 0.25, range(0.0, 0.8);
        /// How a tile becomes a network input of the image's size: `resize` it (content fills the input, seen ~3× larger than in whole images) or `centre` it at its own scale on a zero canvas.
        fit: String = "centre".to_string(), choices("resize", "centre");
        /// Puzzles made from each image (each with its own permutation and tile jitter).
        copies: usize = 2, range(1, 64);
    }
}

/// Tiles of a 3×3 grid.
pub const TILES: usize = 9;

/// One puzzle: part `j` is the tile of grid cell `perm[j]` (cells in reading order), resized to
/// the image size. Also returns every cell's tile rectangle, in grid order.
pub fn jigsaw_item(img: &[u8], shape: Shape, grid: &Grid, fit: Fit, perm: &[u8], rng: &mut impl Rng) -> (Vec<u8>, Vec<Rect>) {
    let rects: Vec<Rect> = (0..TILES).map(|c| grid.tile_rect(c / 3, c % 3, rng)).collect();
    let parts = perm.iter().flat_map(|&c| tile_image(img, shape, rects[c as usize], fit)).collect();
    (parts, rects)
}

/// `copies` puzzles of every image of `src`, labelled by permutation index in `set`.
pub fn jigsaw(src: &Source, p: &JigsawParams, set: &PermutationSet, seed: u64, purpose: Purpose) -> Result<PretextSplit, PretextError> {
    src.still("jigsaw")?;
    let grid = Grid::new(src.shape, 3, p.gap)?;
    let fit = Fit::parse(&p.fit)?;
    Ok(class_items(0..src.len, seed, "jigsaw", purpose, |_, i, rng| {
        (0..p.copies)
            .map(|_| {
                let label = rng.random_range(0..set.perms.len());
                (jigsaw_item(src.image(i), src.shape, &grid, fit, &set.perms[label], rng).0, label as u32)
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item_rng;
    use crate::permutations::maximal_set;

    #[test]
    fn reordering_by_the_permutation_gives_the_original_tiles() {
        let shape = Shape::new(1, 28, 28);
        let img: Vec<u8> = (0..shape.len()).map(|v| (v * 7 % 253) as u8).collect();
        let grid = Grid::new(shape, 3, 0.25).unwrap();
        let set = maximal_set(9, 20, &mut item_rng(0, "t", Purpose::Setup, 0)).unwrap();
        for perm in &set.perms {
            let (parts, rects) = jigsaw_item(&img, shape, &grid, Fit::Resize, perm, &mut item_rng(1, "t", Purpose::Train, 0));
            let mut restored = vec![Vec::new(); TILES];
            for (j, &cell) in perm.iter().enumerate() {
                restored[cell as usize] = parts[j * shape.len()..(j + 1) * shape.len()].to_vec();
            }
            for (cell, tile) in restored.iter().enumerate() {
                assert_eq!(tile, &tile_image(&img, shape, rects[cell], Fit::Resize), "cell {cell}");
                assert!(grid.cell_rect(cell / 3, cell % 3).contains(rects[cell].top, rects[cell].left));
            }
        }
    }

    #[test]
    fn labels_index_the_set_and_items_follow_them() {
        let shape = Shape::new(3, 30, 30);
        let images: Vec<u8> = (0..2 * shape.len()).map(|v| (v * 13 % 255) as u8).collect();
        let src = Source::new(&images, 2, 1, shape).unwrap();
        let set = maximal_set(9, 10, &mut item_rng(0, "t", Purpose::Setup, 0)).unwrap();
        let out = jigsaw(&src, &JigsawParams { copies: 3, ..Default::default() }, &set, 4, Purpose::Test).unwrap();
        assert_eq!((out.len, out.inputs.len()), (6, 6 * 9 * shape.len()));
        assert!(out.classes().unwrap().iter().all(|&l| (l as usize) < 10));
        assert_eq!(out.source, vec![0, 0, 0, 1, 1, 1]);
    }
}
