//! Peak signal-to-noise ratio between a prediction and its target.

use crate::error::{check_pair, MetricError};

/// `10 · log10(max_val² / MSE)` in decibels, with the squared error accumulated in `f64`.
///
/// Identical inputs have zero error and return `f64::INFINITY` (as scikit-image does); callers
/// averaging PSNR over frames should decide how to treat that. Non-finite values are an error.
pub fn psnr(pred: &[f32], truth: &[f32], max_val: f32) -> Result<f64, MetricError> {
    let n = check_pair("psnr", pred, truth)?;
    if !(max_val.is_finite() && max_val > 0.0) {
        return Err(MetricError::invalid(
            "psnr",
            format!("max_val must be positive and finite, got {max_val}"),
        ));
    }
    let mut se = 0.0f64;
    for (i, (&p, &t)) in pred.iter().zip(truth).enumerate() {
        if !(p.is_finite() && t.is_finite()) {
            return Err(MetricError::invalid(
                "psnr",
                format!("non-finite value at index {i} (pred {p}, truth {t})"),
            ));
        }
        let d = p as f64 - t as f64;
        se += d * d;
    }
    if se == 0.0 {
        return Ok(f64::INFINITY);
    }
    let max = max_val as f64;
    Ok(10.0 * (max * max / (se / n as f64)).log10())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_shift_matches_closed_form() {
        // MSE of a constant shift d is d², so PSNR = 20·log10(max / d).
        let truth: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
        let pred: Vec<f32> = truth.iter().map(|v| v + 0.125).collect();
        let want = 20.0 * (1.0f64 / 0.125).log10();
        assert!((psnr(&pred, &truth, 1.0).unwrap() - want).abs() < 1e-9);
        let want255 = 20.0 * (255.0f64 / 0.125).log10();
        assert!((psnr(&pred, &truth, 255.0).unwrap() - want255).abs() < 1e-9);
    }

    #[test]
    fn hand_computed_case() {
        // Errors 0, 0.5, 0, 0.5: MSE = 0.125, PSNR = 10·log10(1 / 0.125) = 9.0309 dB.
        let got = psnr(&[0.0, 0.5, 1.0, 1.0], &[0.0, 0.0, 1.0, 0.5], 1.0).unwrap();
        assert!((got - 10.0 * 8f64.log10()).abs() < 1e-12);
        assert!((got - 9.030_899_869_919_435).abs() < 1e-9);
    }

    #[test]
    fn identical_is_infinite() {
        assert_eq!(
            psnr(&[0.5, 0.25], &[0.5, 0.25], 1.0).unwrap(),
            f64::INFINITY
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            psnr(&[0.0], &[0.0, 1.0], 1.0),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(psnr(&[0.0], &[1.0], 0.0).is_err());
        assert!(psnr(&[f32::NAN], &[1.0], 1.0).is_err());
        assert!(matches!(
            psnr(&[], &[], 1.0),
            Err(MetricError::Empty { .. })
        ));
    }
}
