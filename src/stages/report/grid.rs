//! Picture grids of generated images, drawn by `pipeline-data`'s contact-sheet code: each grid row
//! is handed over as one multi-frame item, which that code lays out left to right.

use std::path::Path;

use pipeline_data::{Dataset, Layout, Split};

use crate::stage_ctx::StageError;

/// Writes `rows` (each `cols` images of C×H×W values on [0, 1], back to back) as a PNG.
pub fn write_rows(path: &Path, rows: &[Vec<f32>], cols: usize, channels: usize, height: usize, width: usize) -> Result<(), StageError> {
    let item = cols * channels * height * width;
    if rows.is_empty() || cols == 0 {
        crate::bail!("nothing to draw in {}", path.display());
    }
    let mut images = Vec::with_capacity(rows.len() * item);
    for (r, row) in rows.iter().enumerate() {
        if row.len() != item {
            crate::bail!("grid row {r} holds {} values, not {cols} images of {channels}×{height}×{width}", row.len());
        }
        images.extend(row.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
    }
    let layout = Layout { frames: cols, channels, height, width };
    let sheet = Dataset {
        source: "generated".into(),
        layout,
        classes: Vec::new(),
        train: Split { images, labels: None, len: rows.len() },
        test: Split::default(),
        mean: vec![0.0; channels],
        std: vec![1.0; channels],
    };
    pipeline_data::preview_png(&sheet, "train", rows.len(), path)?;
    Ok(())
}

/// Cuts `images` (N images of `size` values) into rows of `cols`, dropping an incomplete last row.
pub fn rows_of(images: &[f32], size: usize, cols: usize) -> Vec<Vec<f32>> {
    images.chunks_exact(size * cols).map(<[f32]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_one_png_and_bad_rows_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.png");
        // Two rows of three 1×2×2 images.
        let images: Vec<f32> = (0..24).map(|i| i as f32 / 23.0).collect();
        let rows = rows_of(&images, 4, 3);
        assert_eq!(rows.len(), 2);
        write_rows(&path, &rows, 3, 1, 2, 2).unwrap();
        let img = image::open(&path).unwrap().to_luma8();
        // Three 2-pixel tiles and four 2-pixel gaps across, two tiles and three gaps down.
        assert_eq!(img.dimensions(), (3 * 2 + 4 * 2, 2 * 2 + 3 * 2));
        assert_eq!(img.get_pixel(2, 2).0[0], 0);
        // The last pixel of the last tile: x = 2 + 2·4 + 1, y = 2 + 4 + 1.
        assert_eq!(img.get_pixel(11, 7).0[0], 255);
        assert!(write_rows(&path, &[vec![0.0; 5]], 3, 1, 2, 2).is_err());
    }
}
