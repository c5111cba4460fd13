//! Pixel operations on planar u8 images: crops, quarter turns, bilinear resizing and affine
//! warps (sampling at pixel centres, borders clamped).

use serde::{Deserialize, Serialize};

use crate::Shape;

/// A rectangle of pixels: rows `top..top + height`, columns `left..left + width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rect {
    pub top: usize,
    pub left: usize,
    pub height: usize,
    pub width: usize,
}

impl Rect {
    pub fn new(top: usize, left: usize, height: usize, width: usize) -> Self {
        Self { top, left, height, width }
    }
    pub fn contains(&self, y: usize, x: usize) -> bool {
        (self.top..self.top + self.height).contains(&y) && (self.left..self.left + self.width).contains(&x)
    }
}

/// The pixels of `img` inside `rect`, every channel (`channels × rect.height × rect.width`).
pub fn crop(img: &[u8], shape: Shape, rect: Rect) -> Vec<u8> {
    let mut out = Vec::with_capacity(shape.channels * rect.height * rect.width);
    for c in 0..shape.channels {
        for y in rect.top..rect.top + rect.height {
            let row = (c * shape.height + y) * shape.width;
            out.extend_from_slice(&img[row + rect.left..row + rect.left + rect.width]);
        }
    }
    out
}

/// `img` turned counter-clockwise by `quarters` × 90° (square images only).
pub fn rotate90(img: &[u8], shape: Shape, quarters: usize) -> Vec<u8> {
    assert_eq!(shape.height, shape.width, "quarter turns keep the shape only of square images");
    let n = shape.width;
    let mut out = vec![0u8; img.len()];
    for c in 0..shape.channels {
        let plane = &img[c * n * n..(c + 1) * n * n];
        let dst = &mut out[c * n * n..(c + 1) * n * n];
        for y in 0..n {
            for x in 0..n {
                // Output pixel (y, x) reads the source pixel that the turn brings there.
                let (sy, sx) = match quarters % 4 {
                    0 => (y, x),
                    1 => (x, n - 1 - y),
                    2 => (n - 1 - y, n - 1 - x),
                    _ => (n - 1 - x, y),
                };
                dst[y * n + x] = plane[sy * n + sx];
            }
        }
    }
    out
}

/// Bilinear sample of one plane at (y, x) in pixel coordinates (pixel centres at integers),
/// clamped at the borders.
fn sample(plane: &[u8], h: usize, w: usize, y: f32, x: f32) -> f32 {
    let y = y.clamp(0.0, (h - 1) as f32);
    let x = x.clamp(0.0, (w - 1) as f32);
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
    let (fy, fx) = (y - y0 as f32, x - x0 as f32);
    let at = |yy: usize, xx: usize| plane[yy * w + xx] as f32;
    let top = at(y0, x0) * (1.0 - fx) + at(y0, x1) * fx;
    let bottom = at(y1, x0) * (1.0 - fx) + at(y1, x1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// `img` resized to `height × width` with bilinear interpolation (pixel-centre aligned, as
/// PyTorch's `align_corners = False`).
pub fn resize(img: &[u8], shape: Shape, height: usize, width: usize) -> Vec<u8> {
    if (height, width) == (shape.height, shape.width) {
        return img.to_vec();
    }
    let (sy, sx) = (shape.height as f32 / height as f32, shape.width as f32 / width as f32);
    let mut out = Vec::with_capacity(shape.channels * height * width);
    for c in 0..shape.channels {
        let plane = &img[c * shape.plane()..(c + 1) * shape.plane()];
        for y in 0..height {
            for x in 0..width {
                let v = sample(plane, shape.height, shape.width, (y as f32 + 0.5) * sy - 0.5, (x as f32 + 0.5) * sx - 0.5);
                out.push(v.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

/// `img` warped by the map that sends each output pixel (x, y) to the source point
/// `(a·x + b·y + c, d·x + e·y + f)` (the inverse of the geometric transform), bilinear.
pub fn warp(img: &[u8], shape: Shape, inverse: [f32; 6]) -> Vec<u8> {
    let [a, b, c0, d, e, f] = inverse;
    let mut out = Vec::with_capacity(img.len());
    for c in 0..shape.channels {
        let plane = &img[c * shape.plane()..(c + 1) * shape.plane()];
        for y in 0..shape.height {
            for x in 0..shape.width {
                let (xf, yf) = (x as f32, y as f32);
                let v = sample(plane, shape.height, shape.width, d * xf + e * yf + f, a * xf + b * yf + c0);
                out.push(v.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_takes_every_channel() {
        // 2 channels of 3×3: channel 0 is 0..9, channel 1 is 10..19.
        let img: Vec<u8> = (0..18).collect();
        assert_eq!(crop(&img, Shape::new(2, 3, 3), Rect::new(1, 1, 2, 1)), vec![4, 7, 13, 16]);
    }

    #[test]
    fn quarter_turns_compose_and_match_a_hand_turn() {
        let s = Shape::new(1, 2, 2);
        // [[1, 2], [3, 4]] turned counter-clockwise is [[2, 4], [1, 3]].
        assert_eq!(rotate90(&[1, 2, 3, 4], s, 1), vec![2, 4, 1, 3]);
        let img: Vec<u8> = (0..27).collect();
        let s3 = Shape::new(3, 3, 3);
        assert_eq!(rotate90(&rotate90(&img, s3, 1), s3, 3), img);
        assert_eq!(rotate90(&rotate90(&img, s3, 2), s3, 2), img);
        assert_eq!(rotate90(&img, s3, 4), img);
    }

    #[test]
    fn resize_keeps_constants_and_doubles_exactly() {
        let s = Shape::new(1, 2, 2);
        assert_eq!(resize(&[7, 7, 7, 7], s, 5, 3), vec![7; 15]);
        // Halving a 4×4 image of 2×2 blocks gives the blocks' values.
        let img = [0, 0, 200, 200, 0, 0, 200, 200, 100, 100, 50, 50, 100, 100, 50, 50];
        assert_eq!(resize(&img, Shape::new(1, 4, 4), 2, 2), vec![0, 200, 100, 50]);
        // Upsampling a 1×2 edge interpolates between the two pixel centres.
        assert_eq!(resize(&[0, 100], Shape::new(1, 1, 2), 1, 4), vec![0, 25, 75, 100]);
    }

    #[test]
    fn identity_and_shift_warps() {
        let img: Vec<u8> = (0..16).map(|v| v * 10).collect();
        let s = Shape::new(1, 4, 4);
        assert_eq!(warp(&img, s, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]), img);
        // Reading one column to the right shifts the picture left (the last column repeats).
        let shifted = warp(&img, s, [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(&shifted[..4], &[10, 20, 30, 30]);
    }
}
