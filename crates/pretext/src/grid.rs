//! The tile geometry of jigsaw and relative position: an n×n grid of square cells centred on
//! the image, and in each cell a smaller tile at a random place, so neighbouring tiles are
//! separated by a random gap and jittered against each other (both papers' guard against
//! solving the task from edge continuity rather than content).

use rand::Rng;

use crate::raster::{crop, resize, Rect};
use crate::split::invalid;
use crate::{PretextError, Shape};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub n: usize,
    pub cell: usize,
    pub tile: usize,
    /// Where the grid starts (the leftover rows/columns split around it).
    pub top: usize,
    pub left: usize,
}

impl Grid {
    /// An `n`×`n` grid over `shape` whose tiles are `1 − gap` of a cell's side.
    pub fn new(shape: Shape, n: usize, gap: f64) -> Result<Grid, PretextError> {
        let cell = shape.height.min(shape.width) / n;
        let tile = ((cell as f64) * (1.0 - gap)).round() as usize;
        if tile < 2 || tile > cell {
            return Err(invalid(format!(
                "a {n}×{n} grid over {}×{} images leaves cells of {cell} pixels and tiles of {tile}: use larger images or a smaller gap",
                shape.height, shape.width
            )));
        }
        Ok(Grid { n, cell, tile, top: (shape.height - n * cell) / 2, left: (shape.width - n * cell) / 2 })
    }

    /// Cell (`row`, `col`).
    pub fn cell_rect(&self, row: usize, col: usize) -> Rect {
        Rect::new(self.top + row * self.cell, self.left + col * self.cell, self.cell, self.cell)
    }

    /// A tile placed at random inside cell (`row`, `col`).
    pub fn tile_rect(&self, row: usize, col: usize, rng: &mut impl Rng) -> Rect {
        let c = self.cell_rect(row, col);
        let slack = self.cell - self.tile;
        Rect::new(c.top + rng.random_range(0..=slack), c.left + rng.random_range(0..=slack), self.tile, self.tile)
    }
}

/// How a tile becomes an input of the image's own size (the size the probe's encoder reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Resized to the image size: every pixel is content, seen larger than in the image.
    Resize,
    /// At its own scale in the centre of a zero canvas: strokes keep their width, and the
    /// position the tile came from is not shown.
    Centre,
}

impl Fit {
    pub fn parse(name: &str) -> Result<Fit, PretextError> {
        match name {
            "resize" => Ok(Fit::Resize),
            "centre" | "center" => Ok(Fit::Centre),
            other => Err(invalid(format!("unknown tile fit `{other}` (resize, centre)"))),
        }
    }
}

/// The pixels of `rect` as an image of the image's own size.
pub fn tile_image(img: &[u8], shape: Shape, rect: Rect, fit: Fit) -> Vec<u8> {
    let tile = crop(img, shape, rect);
    match fit {
        Fit::Resize => resize(&tile, Shape::new(shape.channels, rect.height, rect.width), shape.height, shape.width),
        Fit::Centre => {
            let mut out = vec![0u8; shape.len()];
            let (top, left) = ((shape.height - rect.height) / 2, (shape.width - rect.width) / 2);
            for (k, row) in tile.chunks_exact(rect.width).enumerate() {
                let (c, y) = (k / rect.height, k % rect.height);
                let at = (c * shape.height + top + y) * shape.width + left;
                out[at..at + rect.width].copy_from_slice(row);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item_rng;
    use crate::Purpose;

    #[test]
    fn tiles_stay_inside_their_cells() {
        let g = Grid::new(Shape::new(1, 28, 28), 3, 0.25).unwrap();
        assert_eq!((g.cell, g.tile, g.top, g.left), (9, 7, 0, 0));
        let mut rng = item_rng(1, "t", Purpose::Train, 0);
        for r in 0..3 {
            for c in 0..3 {
                let cell = g.cell_rect(r, c);
                for _ in 0..20 {
                    let t = g.tile_rect(r, c, &mut rng);
                    assert!(cell.contains(t.top, t.left) && cell.contains(t.top + t.height - 1, t.left + t.width - 1));
                }
            }
        }
        assert!(Grid::new(Shape::new(1, 5, 5), 3, 0.5).is_err());
    }

    #[test]
    fn tiles_fit_by_resizing_or_centring() {
        let s = Shape::new(1, 4, 4);
        let img: Vec<u8> = (1..=16).collect();
        let r = Rect::new(1, 2, 2, 2);
        assert_eq!(tile_image(&img, s, r, Fit::Centre), vec![0, 0, 0, 0, 0, 7, 8, 0, 0, 11, 12, 0, 0, 0, 0, 0]);
        let big = tile_image(&img, s, r, Fit::Resize);
        assert_eq!((big[0], big[15]), (7, 12));
        assert!(Fit::parse("stretch").is_err());
    }
}
