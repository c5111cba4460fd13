//! Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004, "Image quality assessment:
//! from error visibility to structural similarity"), Gaussian-windowed as in the paper.
//!
//! Matches scikit-image's `structural_similarity(..., gaussian_weights=True, sigma=1.5,
//! use_sample_covariance=False, data_range=1)`: an 11 × 11 Gaussian window (σ = 1.5, truncated at
//! 3.5σ), K1 = 0.01, K2 = 0.03, averaged over the positions where the window fits inside the
//! image (scikit-image filters the full image and then crops those borders, which is the same).

use crate::error::{check_pair, MetricError};

const SIGMA: f64 = 1.5;
/// Window radius: scikit-image's `int(3.5 · σ + 0.5)`.
const RADIUS: usize = 5;
const WIN: usize = 2 * RADIUS + 1;
const DATA_RANGE: f64 = 1.0;
const C1: f64 = (0.01 * DATA_RANGE) * (0.01 * DATA_RANGE);
const C2: f64 = (0.03 * DATA_RANGE) * (0.03 * DATA_RANGE);

/// Mean SSIM of two `channels × height × width` images (row-major, values in [0, 1]),
/// averaged over channels and over the `(height − 10) × (width − 10)` valid window positions.
pub fn ssim(
    pred: &[f32],
    truth: &[f32],
    channels: usize,
    height: usize,
    width: usize,
) -> Result<f64, MetricError> {
    check_pair("ssim", pred, truth)?;
    if channels
        .checked_mul(height)
        .and_then(|v| v.checked_mul(width))
        != Some(pred.len())
    {
        return Err(MetricError::invalid(
            "ssim",
            format!(
                "{} values do not form a {channels} × {height} × {width} image",
                pred.len()
            ),
        ));
    }
    if height < WIN || width < WIN {
        return Err(MetricError::invalid(
            "ssim",
            format!("image {height} × {width} is smaller than the {WIN} × {WIN} window"),
        ));
    }
    if let Some(i) = pred.iter().chain(truth).position(|v| !v.is_finite()) {
        return Err(MetricError::invalid(
            "ssim",
            format!("non-finite value at flat index {i} of pred ++ truth"),
        ));
    }
    let g = gaussian_window();
    let plane = height * width;
    let total: f64 = (0..channels)
        .map(|c| {
            ssim_plane(
                &pred[c * plane..(c + 1) * plane],
                &truth[c * plane..(c + 1) * plane],
                height,
                width,
                &g,
            )
        })
        .sum();
    Ok(total / channels as f64)
}

/// Normalised 1-D Gaussian weights; the 2-D window is their outer product, applied separably.
fn gaussian_window() -> [f64; WIN] {
    let mut g = [0.0; WIN];
    for (k, w) in g.iter_mut().enumerate() {
        let x = k as f64 - RADIUS as f64;
        *w = (-0.5 * x * x / (SIGMA * SIGMA)).exp();
    }
    let s: f64 = g.iter().sum();
    g.map(|w| w / s)
}

/// Mean SSIM map of one channel over the valid positions.
fn ssim_plane(x: &[f32], y: &[f32], h: usize, w: usize, g: &[f64; WIN]) -> f64 {
    let (oh, ow) = (h - WIN + 1, w - WIN + 1);
    // Horizontal pass: the five local moments' row sums, for every row and valid column.
    let mut rows = vec![[0.0f64; 5]; h * ow];
    for r in 0..h {
        let (xr, yr) = (&x[r * w..(r + 1) * w], &y[r * w..(r + 1) * w]);
        for j in 0..ow {
            let mut m = [0.0f64; 5];
            for (k, &gk) in g.iter().enumerate() {
                let (a, b) = (xr[j + k] as f64, yr[j + k] as f64);
                m[0] += gk * a;
                m[1] += gk * b;
                m[2] += gk * a * a;
                m[3] += gk * b * b;
                m[4] += gk * a * b;
            }
            rows[r * ow + j] = m;
        }
    }
    let mut sum = 0.0;
    for i in 0..oh {
        for j in 0..ow {
            let mut m = [0.0f64; 5];
            for (k, &gk) in g.iter().enumerate() {
                let v = &rows[(i + k) * ow + j];
                for q in 0..5 {
                    m[q] += gk * v[q];
                }
            }
            let [ux, uy, uxx, uyy, uxy] = m;
            let (vx, vy, vxy) = (uxx - ux * ux, uyy - uy * uy, uxy - ux * uy);
            sum += ((2.0 * ux * uy + C1) * (2.0 * vxy + C2))
                / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
        }
    }
    sum / (oh * ow) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values in [0, 1) from a 64-bit LCG, exact in `f32` (24-bit mantissas), so the same
    /// images can be rebuilt bit for bit in numpy for the reference value.
    fn lcg_image(seed: u64, n: usize) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 40) as f32 / (1u32 << 24) as f32
            })
            .collect()
    }

    #[test]
    fn identical_is_one() {
        let x = lcg_image(1, 3 * 16 * 12);
        assert!((ssim(&x, &x, 3, 16, 12).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn constant_shift_matches_closed_form() {
        // A constant image c against c + d: variances and covariance are 0, so
        // SSIM = (2c(c+d) + C1) / (c² + (c+d)² + C1) at every position.
        let (c, d) = (0.25f32, 0.25f32);
        let x = vec![c; 12 * 13];
        let y = vec![c + d; 12 * 13];
        let (c, e) = (c as f64, (c + d) as f64);
        let want = (2.0 * c * e + C1) / (c * c + e * e + C1);
        assert!((ssim(&y, &x, 1, 12, 13).unwrap() - want).abs() < 1e-12);
        // A shifted textured image: structure and contrast terms stay 1, luminance drops.
        let t = lcg_image(5, 20 * 20);
        let s: Vec<f32> = t.iter().map(|v| v + 0.5).collect();
        let got = ssim(&s, &t, 1, 20, 20).unwrap();
        assert!(got < 1.0 && got > 0.5, "{got}");
    }

    #[test]
    fn hand_computed_single_window() {
        // An 11 × 11 image has one window position. x is 1 at the centre and 0 elsewhere, y is 0:
        // with the centre weight W = (1/S)², S = Σ_{k=−5..5} exp(−k²/(2·1.5²)) ≈ 3.759232,
        // μx = W, σx² = W − W², μy = σy² = σxy = 0, so SSIM = C1·C2 / ((W² + C1)(W − W² + C2)).
        let s: f64 = (-5i32..=5).map(|k| (-(k * k) as f64 / 4.5).exp()).sum();
        assert!((s - 3.759_232).abs() < 1e-6, "{s}");
        let w = 1.0 / (s * s);
        let want = C1 * C2 / ((w * w + C1) * (w - w * w + C2));
        let mut x = vec![0.0f32; 121];
        x[5 * 11 + 5] = 1.0;
        let y = vec![0.0f32; 121];
        let got = ssim(&x, &y, 1, 11, 11).unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        // The value by hand: W ≈ 0.070762, SSIM ≈ 1e-4·9e-4 / (0.0051073 · 0.0666549) ≈ 2.64374e-4.
        assert!((got - 2.64374e-4).abs() < 1e-8, "{got}");
        // SSIM is symmetric.
        assert!((ssim(&y, &x, 1, 11, 11).unwrap() - got).abs() < 1e-15);
    }

    #[test]
    fn matches_scikit_image() {
        // Reference from scikit-image 0.26.0 (numpy 2.4.6), rebuilding the same f32 images:
        //   t = lcg(7, 2*16*20) as float32; u = lcg(8, 2*16*20) as float32
        //   p = t * float32(0.8) + float32(0.2) * u          # in float32
        //   structural_similarity(p.reshape(2,16,20).astype(float64), t.reshape(...).astype(float64),
        //       channel_axis=0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        //       data_range=1)
        let t = lcg_image(7, 2 * 16 * 20);
        let u = lcg_image(8, 2 * 16 * 20);
        let p: Vec<f32> = t.iter().zip(&u).map(|(a, b)| a * 0.8 + 0.2 * b).collect();
        let got = ssim(&p, &t, 2, 16, 20).unwrap();
        assert!(
            (got - SKIMAGE_SSIM).abs() < 1e-10,
            "{got} vs {SKIMAGE_SSIM}"
        );
    }
    const SKIMAGE_SSIM: f64 = 0.9508971268958609;

    #[test]
    fn rejects_bad_input() {
        let x = vec![0.0f32; 2 * 11 * 11];
        assert!(ssim(&x, &x[..121], 2, 11, 11).is_err());
        assert!(ssim(&x, &x, 2, 11, 12).is_err());
        assert!(ssim(&x[..100], &x[..100], 1, 10, 10).is_err());
        let mut y = x.clone();
        y[3] = f32::NAN;
        assert!(ssim(&y, &x, 2, 11, 11).is_err());
    }
}
