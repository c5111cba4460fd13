//! Nearest-centroid assignment of new points to a fitted clustering.

use candle_core::Tensor;

use crate::error::ClusterError;
use crate::input::finite_matrix;
use crate::step::{step, Points};

/// Index of the nearest centroid for each row of `x` (`n × d`) among `centroids` (`k × d`).
pub fn predict(x: &Tensor, centroids: &Tensor) -> Result<Vec<u32>, ClusterError> {
    let p = Points::new(finite_matrix("predict: data", x)?)?;
    let c = finite_matrix("predict: centroids", centroids)?;
    let (k, cd) = c.dims2()?;
    if cd != p.d {
        return Err(ClusterError::invalid(
            "predict",
            format!("data has {} features but centroids have {cd}", p.d),
        ));
    }
    let host: Vec<f32> = c.flatten_all()?.to_vec1()?;
    Ok(step(&p, &host, k, false)?.labels)
}
