//! PCA whitening as DeepCluster preprocesses features before k-means (Caron et al. 2018, "Deep
//! Clustering for Unsupervised Learning of Visual Features"): centre, project onto the top
//! principal components, scale each to unit variance, then L2-normalise the rows.
//!
//! The d × d covariance is one tensor matmul; its eigendecomposition runs on the host with
//! `faer` (about 5× faster than nalgebra's `SymmetricEigen` at d = 512 to 2048 on this machine).

use candle_core::{DType, Tensor, D};

use crate::error::ClusterError;
use crate::input::finite_matrix;

/// Eigenvalues are floored at this fraction of the largest before whitening, so directions of
/// (numerically) zero variance are not blown up without bound.
const REL_EPS: f64 = 1e-6;

/// A fitted whitening transform: `x ↦ (x − mean) · projection`.
#[derive(Debug, Clone)]
pub struct PcaWhitening {
    /// `1 × d`.
    pub mean: Tensor,
    /// `d × dim`: the top `dim` eigenvectors, each divided by `sqrt(eigenvalue + eps)`.
    pub projection: Tensor,
    /// The top `dim` eigenvalues of the covariance, largest first.
    pub eigenvalues: Vec<f64>,
}

impl PcaWhitening {
    /// Fits the top `dim` components of the rows of `x` (`n × d`, `n >= 2`, `1 <= dim <= d`).
    pub fn fit(x: &Tensor, dim: usize) -> Result<Self, ClusterError> {
        let x = finite_matrix("pca_whiten", x)?;
        let (n, d) = x.dims2()?;
        if dim == 0 || dim > d {
            return Err(ClusterError::invalid(
                "pca_whiten",
                format!("dim = {dim} must be between 1 and the feature count, {d}"),
            ));
        }
        if n < 2 {
            return Err(ClusterError::invalid(
                "pca_whiten",
                format!("needs at least 2 points, got {n}"),
            ));
        }
        let mean = x.mean_keepdim(0)?;
        let centred = x.broadcast_sub(&mean)?;
        let cov: Vec<f32> = (centred.t()?.matmul(&centred)? / n as f64)?
            .flatten_all()?
            .to_vec1()?;
        // Symmetrise: the two halves of a float matmul need not agree to the last bit.
        let cov = faer::Mat::<f64>::from_fn(d, d, |i, j| {
            0.5 * (cov[i * d + j] as f64 + cov[j * d + i] as f64)
        });
        let eig = cov.self_adjoint_eigen(faer::Side::Lower).map_err(|e| {
            ClusterError::invalid("pca_whiten", format!("eigendecomposition failed: {e:?}"))
        })?;
        let values: Vec<f64> = eig.S().column_vector().iter().copied().collect();
        let vectors = eig.U();
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        order.truncate(dim);
        let eps = REL_EPS * values[order[0]].max(0.0);
        let mut proj = vec![0f32; d * dim];
        for (col, &e) in order.iter().enumerate() {
            let scale = 1.0 / (values[e].max(0.0) + eps).sqrt();
            for row in 0..d {
                proj[row * dim + col] = (vectors[(row, e)] * scale) as f32;
            }
        }
        if !proj.iter().all(|v| v.is_finite()) {
            return Err(ClusterError::invalid(
                "pca_whiten",
                "the data has no variance to whiten",
            ));
        }
        Ok(PcaWhitening {
            mean,
            projection: Tensor::from_vec(proj, (d, dim), x.device())?,
            eigenvalues: order.iter().map(|&e| values[e]).collect(),
        })
    }

    /// Whitened coordinates of the rows of `x` (`m × d`), not normalised: `m × dim`.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor, ClusterError> {
        let x = finite_matrix("pca_whiten", x)?;
        let d = self.mean.dim(1)?;
        if x.dim(1)? != d {
            return Err(ClusterError::invalid(
                "pca_whiten",
                format!("data has {} features, the fit had {d}", x.dim(1)?),
            ));
        }
        Ok(x.broadcast_sub(&self.mean)?.matmul(&self.projection)?)
    }

    /// [`Self::transform`] followed by L2 normalisation of each row.
    pub fn transform_normalised(&self, x: &Tensor) -> Result<Tensor, ClusterError> {
        l2_normalise_rows(&self.transform(x)?)
    }
}

/// DeepCluster's preprocessing of `x` (`n × d`): PCA to `dim` components, whitened, rows
/// L2-normalised. Returns `n × dim` `f32`.
pub fn pca_whiten(x: &Tensor, dim: usize) -> Result<Tensor, ClusterError> {
    PcaWhitening::fit(x, dim)?.transform_normalised(x)
}

/// Rows scaled to unit length; an all-zero row stays zero rather than becoming NaN.
/// Differentiable, so training losses on the sphere (NAT) use it too.
pub fn l2_normalise_rows(x: &Tensor) -> Result<Tensor, ClusterError> {
    let norms = x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?;
    let safe = norms
        .maximum(f32::MIN_POSITIVE as f64)?
        .to_dtype(DType::F32)?;
    Ok(x.broadcast_div(&safe)?)
}
