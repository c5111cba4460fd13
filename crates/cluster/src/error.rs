//! The error type of clustering: invalid input described in words, or a failed tensor op.

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// An argument or the shape of the data is unusable.
    #[error("{what}: {why}")]
    Invalid { what: &'static str, why: String },
    /// The data holds NaN or an infinity.
    #[error("{what}: row {row} holds a non-finite value (NaN or infinity)")]
    NonFinite { what: &'static str, row: usize },
    /// A tensor operation failed (device out of memory, unsupported op, ...).
    #[error("tensor operation failed: {0}")]
    Tensor(#[from] candle_core::Error),
}

impl ClusterError {
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        ClusterError::Invalid {
            what,
            why: why.into(),
        }
    }
}
