//! Inpainting, the context encoder (Pathak et al., CVPR 2016, "Context Encoders: Feature
//! Learning by Inpainting"): the central square of each image is filled with the dataset's mean
//! colour; the target is the square's pixels.

use crate::raster::{crop, Rect};
use crate::split::invalid;
use crate::{PretextError, PretextSplit, Shape, Source, Targets};

pipeline_params::params! {
    /// Inpainting (context encoder).
    pub struct InpaintingParams {
        /// Side of the masked central square as a fraction of the image side (Pathak et al.: 64 of 128 pixels, 0.5).
        region: f64 = 0.5, range(0.1, 0.9);
    }
}

/// The central square whose side is `fraction` of the image's smaller side.
pub fn central_region(shape: Shape, fraction: f64) -> Rect {
    let side = ((shape.height.min(shape.width) as f64) * fraction).round().max(1.0) as usize;
    Rect::new((shape.height - side) / 2, (shape.width - side) / 2, side, side)
}

/// Every image of `src` with `region` filled by `fill` (one value per channel), and the region's
/// original pixels as the target.
pub fn inpainting(src: &Source, region: Rect, fill: &[u8]) -> Result<PretextSplit, PretextError> {
    src.still("inpainting")?;
    let s = src.shape;
    if fill.len() != s.channels || region.top + region.height > s.height || region.left + region.width > s.width {
        return Err(invalid(format!("cannot mask {region:?} of {}×{}×{} images with {} fill values", s.channels, s.height, s.width, fill.len())));
    }
    let mut inputs = Vec::with_capacity(src.len * s.len());
    let mut targets = Vec::with_capacity(src.len * s.channels * region.height * region.width);
    for i in 0..src.len {
        let img = src.image(i);
        targets.extend(crop(img, s, region));
        let mut masked = img.to_vec();
        for (c, &v) in fill.iter().enumerate() {
            for y in region.top..region.top + region.height {
                let row = (c * s.height + y) * s.width;
                masked[row + region.left..row + region.left + region.width].fill(v);
            }
        }
        inputs.extend(masked);
    }
    Ok(PretextSplit { inputs, targets: Targets::Pixels(targets), source: (0..src.len as u32).collect(), len: src.len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_exactly_the_stated_region() {
        let s = Shape::new(2, 8, 8);
        let r = central_region(s, 0.5);
        assert_eq!(r, Rect::new(2, 2, 4, 4));
        assert_eq!(central_region(Shape::new(1, 28, 28), 0.5), Rect::new(7, 7, 14, 14));
        let images: Vec<u8> = (0..s.len()).map(|v| (v % 200) as u8 + 1).collect();
        let src = Source::new(&images, 1, 1, s).unwrap();
        let out = inpainting(&src, r, &[0, 250]).unwrap();
        for c in 0..2 {
            for y in 0..8 {
                for x in 0..8 {
                    let k = (c * 8 + y) * 8 + x;
                    let want = if r.contains(y, x) { [0, 250][c] } else { images[k] };
                    assert_eq!(out.inputs[k], want, "channel {c} ({y}, {x})");
                }
            }
        }
        assert_eq!(out.targets, Targets::Pixels(crop(&images, s, r)));
        assert!(inpainting(&src, r, &[0]).is_err());
    }
}
