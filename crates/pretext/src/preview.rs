//! A PNG of the first items of a generated split, each item's parts side by side, so a person
//! can see what a task feeds the network.

use std::path::Path;

use crate::{PretextError, PretextSplit, Shape};

/// Writes up to `n` items of `split` (each `parts` images of `shape`, 1 or 3 channels) to `path`,
/// `8 / parts` items per row (at least one), every pixel drawn `scale` × `scale`.
pub fn preview_png(split: &PretextSplit, parts: usize, shape: Shape, n: usize, scale: usize, path: &Path) -> Result<(), PretextError> {
    let n = n.min(split.len);
    if n == 0 || !(shape.channels == 1 || shape.channels == 3) {
        return Err(PretextError::Invalid(format!("cannot preview {n} items of {} channels", shape.channels)));
    }
    let per_row = (8 / parts).max(1);
    let rows = n.div_ceil(per_row);
    let gap = 2;
    let cell_w = shape.width + gap;
    let item_w = parts * cell_w + 2 * gap;
    let (w, h) = (per_row * item_w, rows * (shape.height + gap));
    let mut img = image::RgbImage::from_pixel((w * scale) as u32, (h * scale) as u32, image::Rgb([60, 60, 90]));
    for i in 0..n {
        let (r, c) = (i / per_row, i % per_row);
        for p in 0..parts {
            let part = split.part(i, p, parts, shape.len());
            let (x0, y0) = (c * item_w + p * cell_w, r * (shape.height + gap));
            for y in 0..shape.height {
                for x in 0..shape.width {
                    let at = |ch: usize| part[ch * shape.plane() + y * shape.width + x];
                    let px = if shape.channels == 3 { [at(0), at(1), at(2)] } else { [at(0); 3] };
                    for dy in 0..scale {
                        for dx in 0..scale {
                            img.put_pixel(((x0 + x) * scale + dx) as u32, ((y0 + y) * scale + dy) as u32, image::Rgb(px));
                        }
                    }
                }
            }
        }
    }
    img.save(path).map_err(|e| PretextError::Invalid(format!("{}: {e}", path.display())))
}
