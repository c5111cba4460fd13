//! Validation shared by every entry point: a finite `n × d` matrix, as `f32`.

use candle_core::{DType, Tensor, D};

use crate::error::ClusterError;
use crate::step::with_cpu_slice;

/// Checks that `x` is a non-empty matrix of finite values and returns it as contiguous `f32`.
pub(crate) fn finite_matrix(what: &'static str, x: &Tensor) -> Result<Tensor, ClusterError> {
    let (n, d) = x.dims2().map_err(|_| {
        ClusterError::invalid(
            what,
            format!("expected an n × d matrix, got shape {:?}", x.dims()),
        )
    })?;
    if n == 0 || d == 0 {
        return Err(ClusterError::invalid(
            what,
            format!("empty matrix ({n} × {d})"),
        ));
    }
    if !x.dtype().is_float() {
        return Err(ClusterError::invalid(
            what,
            format!("expected floating-point data, got {:?}", x.dtype()),
        ));
    }
    let x = x.to_dtype(DType::F32)?.contiguous()?;
    let bad_row =
        match with_cpu_slice(&x, |s| {
            // Rows in parallel, each checked without an early exit so the check vectorises.
            use rayon::prelude::*;
            s.par_chunks_exact(d).position_first(|r| !r.iter().fold(true, |ok, v| ok & v.is_finite()))
        })? {
            Some(found) => found,
            None => tensor_bad_row(&x)?,
        };
    match bad_row {
        Some(row) => Err(ClusterError::NonFinite { what, row }),
        None => Ok(x),
    }
}

/// The first row holding a non-finite value, found with tensor ops (for devices other than the CPU).
fn tensor_bad_row(x: &Tensor) -> Result<Option<usize>, ClusterError> {
    // x·0 is 0 for finite values and NaN for NaN or ±inf, so one reduction finds them.
    let zero_or_nan = x.affine(0.0, 0.0)?;
    if zero_or_nan.sum_all()?.to_scalar::<f32>()?.is_finite() {
        return Ok(None);
    }
    let per_row: Vec<f32> = zero_or_nan.sum(D::Minus1)?.to_vec1()?;
    Ok(per_row.iter().position(|v| !v.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn tensor_check_finds_the_bad_row() {
        let mut v = vec![0.5f32; 12];
        let x = Tensor::from_vec(v.clone(), (4, 3), &Device::Cpu).unwrap();
        assert_eq!(tensor_bad_row(&x).unwrap(), None);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            v[7] = bad;
            let x = Tensor::from_vec(v.clone(), (4, 3), &Device::Cpu).unwrap();
            assert_eq!(tensor_bad_row(&x).unwrap(), Some(2));
            assert!(matches!(
                finite_matrix("t", &x),
                Err(ClusterError::NonFinite { row: 2, .. })
            ));
        }
    }
}
