//! A PNG contact sheet of a dataset's first items: a grid of images, or for video one row per
//! sequence with its frames left to right, separated by thin gray lines.

use std::path::Path;

use crate::{DataError, Dataset};

const GAP: usize = 2;
const GAP_VALUE: u8 = 110;

/// Writes the first `n` items of `split` (`"train"` or `"test"`) of `d` as a PNG grid at `path`.
/// RGB data gives an RGB PNG; any other channel count shows its first channel in gray.
pub fn preview_png(d: &Dataset, split: &str, n: usize, path: &Path) -> Result<(), DataError> {
    let s = match split {
        "train" => &d.train,
        "test" => &d.test,
        other => return Err(DataError::Invalid(format!("preview: split must be \"train\" or \"test\", not {other:?}"))),
    };
    let n = n.min(s.len);
    if n == 0 {
        return Err(DataError::Invalid(format!("preview: the {split} split of {} is empty", d.source)));
    }
    let l = d.layout;
    let (rows, cols) = if l.frames > 1 {
        (n, l.frames)
    } else {
        let cols = (n as f64).sqrt().ceil() as usize;
        (n.div_ceil(cols), cols)
    };
    let rgb = l.channels == 3;
    let out_c = if rgb { 3 } else { 1 };
    let (w, h) = (cols * l.width + (cols + 1) * GAP, rows * l.height + (rows + 1) * GAP);
    let mut buf = vec![GAP_VALUE; w * h * out_c];
    let plane = l.height * l.width;
    // Tile k is frame (k % frames) of item (k / frames); for still images frames == 1.
    for k in 0..n * l.frames {
        let (row, col) = if l.frames > 1 { (k / l.frames, k % l.frames) } else { (k / cols, k % cols) };
        let frame = &s.item(k / l.frames, &l)[(k % l.frames) * l.channels * plane..][..l.channels * plane];
        let (x0, y0) = (GAP + col * (l.width + GAP), GAP + row * (l.height + GAP));
        for y in 0..l.height {
            for x in 0..l.width {
                let o = ((y0 + y) * w + x0 + x) * out_c;
                for c in 0..out_c {
                    buf[o + c] = frame[c * plane + y * l.width + x];
                }
            }
        }
    }
    let color = if rgb { image::ExtendedColorType::Rgb8 } else { image::ExtendedColorType::L8 };
    image::save_buffer_with_format(path, &buf, w as u32, h as u32, color, image::ImageFormat::Png)
        .map_err(|e| DataError::corrupt(path, format!("cannot write preview PNG: {e}")))
}
